"""What screens and widgets may ask of the kiosk app, as a protocol they depend on instead of the app.

The app imports every screen (through `kiosk.tui.places`); a screen that imported the app
back would close an import cycle. Screens reach the app as `Kiosk` and open one another by
place id (`open_screen("redeem", household)`), never by importing each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from kiosk.core.errors import DomainError
from kiosk.core.fulfilment import DeadlineCounts
from kiosk.services.counter import CounterService, SignedIn
from kiosk.services.households import HouseholdView
from kiosk.settings import Settings


class Kiosk(Protocol):
    """The kiosk app as its screens see it."""

    backend: CounterService
    settings: Settings
    settings_path: Path | None
    language: str
    operator: SignedIn | None
    exchange_point_name: str
    print_problem: str | None
    print_state: str | None
    pending_receipts: int
    sync_overdue_days: int | None
    last_message: str

    def t(self, key: str, /, **params: object) -> str: ...

    def say(self, message: str, *, error: bool = False) -> None:
        """Show `message` on the message line of the screen in front."""

    def say_error(self, error: DomainError) -> None: ...

    def error_text(self, error: DomainError) -> str: ...

    def signed_in(self, operator: SignedIn) -> None: ...

    def sign_out(self, reason_key: str = "tui.signout.done") -> None: ...

    def home(self) -> None:
        """Back to the home screen."""

    def open_screen(self, place: str, *args: object) -> None:
        """Push the screen registered as `place`, built with `args`."""

    def open_household(self, household: HouseholdView) -> None: ...

    def scan(self, payload: str) -> None:
        """Open what a scanned code names, as a scanner burst does."""

    def set_language(self, language: str) -> None: ...

    def start_printing(self) -> None:
        """Send the queued receipts and slips to the printer, in a worker."""

    def refresh_counts(self) -> None:
        """Every deadline counts bar on the stack counts again."""

    def show_counts(self, counts: DeadlineCounts) -> None:
        """Every deadline counts bar on the stack shows `counts`, now."""

    def action_help(self) -> None: ...
