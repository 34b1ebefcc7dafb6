"""The kiosk app: who is signed in, where a scan goes, the printer worker, the idle sign-out."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import BindingType
from textual.screen import ModalScreen

from kiosk.core.errors import DomainError
from kiosk.core.fulfilment import DeadlineCounts
from kiosk.services.counter import CounterService, ScanTarget, SignedIn
from kiosk.services.households import HouseholdView
from kiosk.settings import Settings
from kiosk.tui.bindings import active_keys, bind, localize_bindings
from kiosk.tui.menu import ADMINS
from kiosk.tui.places import PLACES
from kiosk.tui.scanning import ScanFilter
from kiosk.tui.screens.help import HelpScreen
from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.receipts import ReceiptsScreen
from kiosk.tui.screens.signin import SignInScreen
from kiosk.tui.shell import Kiosk
from kiosk.tui.texts import text
from kiosk.tui.widgets.deadline_counts import DeadlineCountsBar
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kiosk.printing.printers import Printer

IDLE_CHECK_SECONDS = 5.0
# The sync runs at night: a look every ten minutes notices a missed or repaired one soon
# enough, for one meta read.
SYNC_CHECK_SECONDS = 600.0


# Printer states (kiosk.printing.printers.PrinterError.state) with words of their own.
SAID_PRINTER_STATES = ("paper_out", "offline")


class KioskApp(App[None]):
    """The exchange-point kiosk. Build it with `create_app`; tests do the same."""

    CSS_PATH = "app.tcss"
    TITLE = "Tangxiang points kiosk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("help", "help"),
        bind("quit", "quit", show=False),
        bind("demo-scan", "demo_scan"),
        # Wherever the printer failed (the counter's screens): the message says F8.
        bind("retry-print", "retry_print"),
    ]

    def __init__(
        self, backend: CounterService, settings: Settings, *, settings_path: Path | None = None
    ) -> None:
        super().__init__()
        self.backend = backend
        self.settings = settings
        self.settings_path = settings_path
        self.language = settings.language
        self.operator: SignedIn | None = None
        self.exchange_point_name = ""
        self.print_problem: str | None = None  # why the last print failed; None when fine
        # What the printer said of itself then: one of SAID_PRINTER_STATES, or None.
        self.print_state: str | None = None
        self.pending_receipts = 0
        # Days since the kiosk last synced, once the shop should be told (0: never); None
        # when all is well. Read at start and every SYNC_CHECK_SECONDS.
        self.sync_overdue_days: int | None = None
        self.last_message = ""  # the newest message shown, for tests and the status bar
        self._said = 0  # messages said so far: a late one never covers a newer one
        self._last_input = time.monotonic()
        self._demo_scans = 0
        self.scan_filter = ScanFilter(
            gap_seconds=settings.scan_gap_ms / 1000,
            forward=self._forward_key,
            on_scan=self.scan,
            set_timer=lambda delay, callback: self.set_timer(delay, callback),
            focused=lambda: self.focused,
        )
        localize_bindings(self, self.t, self.language)

    # --- text and messages ---

    def t(self, key: str, /, **params: object) -> str:
        return text(key, self.language, **params)

    def say(self, message: str, *, error: bool = False) -> None:
        """Show `message` on the message line of the screen in front (a dialog's, else the
        screen beneath it), whole: never a toast, which loses Chinese glyphs over borders."""
        self.last_message = message
        self._said += 1
        self._show_message(self._said, message, error, retries=3)

    def _show_message(self, number: int, message: str, error: bool, *, retries: int) -> None:
        if number != self._said:
            return  # a newer message came first
        for screen in reversed(self.screen_stack):
            lines = screen.query(MessageLine)
            if lines:
                lines.first().show(message, error=error)
                return
            if not isinstance(screen, ModalScreen):
                # A screen pushed just now (home after sign-in) is composed on the next
                # refresh: the message waits for its line rather than land beneath it.
                if retries:
                    self.call_after_refresh(
                        self._show_message, number, message, error, retries=retries - 1
                    )
                return

    def error_text(self, error: DomainError) -> str:
        """An error's words in the operator's language.

        Screens raise errors keyed by their own texts (`tui.*`), which the domain's table
        does not hold; `text` looks in the screen texts first, then the domain messages.
        """
        return text(error.key, self.language, **error.params)

    def say_error(self, error: DomainError) -> None:
        self.say(self.error_text(error), error=True)

    # --- start, sign-in, sign-out ---

    def on_mount(self) -> None:
        self.exchange_point_name = self.backend.exchange_point()[1]
        self.push_screen(SignInScreen())
        self.set_interval(IDLE_CHECK_SECONDS, self.sign_out_if_idle)
        # Receipts left queued by the last run go out once the screen is up.
        self.call_after_refresh(self.print_receipts)
        self.call_after_refresh(self.check_sync)
        self.set_interval(SYNC_CHECK_SECONDS, self.check_sync)

    def signed_in(self, operator: SignedIn) -> None:
        self.operator = operator
        self._last_input = time.monotonic()
        self.push_screen(HomeScreen())
        self.say(self.t("tui.signin.welcome", name=operator.name))

    def sign_out(self, reason_key: str = "tui.signout.done") -> None:
        """Back to the locked sign-in screen; open dialogs and screens are dropped unsaved."""
        self.operator = None
        while len(self.screen_stack) > 1 and not isinstance(self.screen, SignInScreen):
            self.pop_screen()
        if isinstance(self.screen, SignInScreen):
            self.screen.start_over()
        self.say(self.t(reason_key))
        self.refresh_status()

    def sign_out_if_idle(self, now: float | None = None) -> bool:
        """Sign out after the idle time; returns True when it did."""
        moment = time.monotonic() if now is None else now
        if (
            self.operator is not None
            and moment - self._last_input > self.settings.idle_minutes * 60
        ):
            self.sign_out("tui.signout.idle")
            return True
        return False

    def home(self) -> None:
        """Pop back to the home screen (the one under everything but the sign-in)."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def set_language(self, language: str) -> None:
        """Switch the interface language; screens are rebuilt so every label follows."""
        self.language = language
        localize_bindings(self, self.t, language)
        self.home()
        if isinstance(self.screen, HomeScreen):
            self.switch_screen(HomeScreen())
        self.refresh_bindings()

    # --- keys: scans are caught before the focused widget sees them ---

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._last_input = time.monotonic()
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded
            and await self.scan_filter.filter(event)
        ):
            return
        await super().on_event(event)

    async def _forward_key(self, event: events.Key) -> None:
        if not self.screen_stack:
            return  # held keys released while the app shuts down: nobody to type into
        await super().on_event(event)

    def scan(self, payload: str) -> None:
        """A scanner burst: open the household or order it names, from any screen."""
        if self.operator is None or isinstance(self.screen, SignInScreen):
            self.say(self.t("tui.scan.signin_first"), error=True)
            return
        if isinstance(self.screen, ModalScreen):
            self.say(self.t("tui.scan.finish_dialog"), error=True)
            return
        # A screen that takes a household itself (award, declaration, dispute) keeps the scan.
        accept_scan = getattr(self.screen, "accept_scan", None)
        if accept_scan is not None and accept_scan(payload):
            return
        self._open_scan(payload)

    @work(thread=True, exclusive=True, group="scan")
    def _open_scan(self, payload: str) -> None:
        try:
            target = self.backend.open_scan(payload, self.operator)
        except DomainError as error:
            self.call_from_thread(self.say_error, error)
            return
        self.call_from_thread(self.open_target, target)

    def open_target(self, target: ScanTarget) -> None:
        if self.operator is None:
            return  # signed out while the lookup ran
        if target.household is not None:
            self.open_household(target.household)
        elif target.order is not None:
            self.home()
            # Goods still owed: the receipt was scanned to hand them over.
            owed = any(line.handed_at is None for line in target.order.lines)
            self.open_screen("handover" if owed else "receipt", target.order.number)

    def open_screen(self, place: str, *args: object) -> None:
        """Push the screen registered as `place` (`kiosk.tui.places`), built with `args`."""
        screen_class = PLACES[place]
        if not args and isinstance(screen_class, type) and isinstance(self.screen, screen_class):
            return  # already there (a click on the counts bar of the board itself)
        self.push_screen(screen_class(*args))

    def open_household(self, household: HouseholdView) -> None:
        if isinstance(self.screen, HouseholdScreen):
            # The next customer at the counter: refill the screen rather than rebuild it,
            # which would restyle the home screen and recompose the footer on the way.
            self.screen.show(household)
            return
        self.home()
        self.push_screen(HouseholdScreen(household))

    def refresh_counts(self) -> None:
        """After a hand-over, restock or cancellation: every counts bar on the stack recounts."""
        for screen in self.screen_stack:
            for bar in screen.query(DeadlineCountsBar):
                bar.reload()

    def show_counts(self, counts: DeadlineCounts) -> None:
        """Counts made with a hand-over or cancellation, on every counts bar of the stack now:
        home shows them the moment it is back in front, without counting again."""
        for screen in self.screen_stack:
            for bar in screen.query(DeadlineCountsBar):
                bar.show(counts)

    # --- printing ---

    def start_printing(self) -> None:
        self.print_receipts()

    @work(thread=True, exclusive=True, group="printer")
    def print_receipts(self) -> None:
        """Print whatever is queued; a failing printer leaves the jobs queued and says why."""
        result = self.backend.print_queue()
        self.call_from_thread(self._printed, result.pending, result.error, result.state)

    def _printed(self, pending: int, error: str | None, state: str | None = None) -> None:
        self.pending_receipts = pending
        previous = self.print_problem
        self.print_problem = error
        # Only the states the counter has words for (no paper, offline): those tell the
        # shopkeeper what to do; the exception's words are for the log and doctor.
        said = error is not None and state in SAID_PRINTER_STATES
        self.print_state = state if said else None
        if error is not None:
            key = f"tui.print.{self.print_state}" if self.print_state else "tui.print.failed"
            self.say(self.t(key), error=True)
        elif previous is not None:
            self.say(self.t("tui.print.recovered"))
        self.refresh_status()
        self.refresh_bindings()  # F8 shows while the printer is down
        for screen in self.screen_stack:
            if isinstance(screen, ReceiptsScreen):
                screen.reload()

    @work(thread=True, exclusive=True, group="sync-state")
    def check_sync(self) -> None:
        """Whether the nightly sync has been missed: the shop sees it on the status line."""
        days = self.backend.sync_days_overdue()
        self.call_from_thread(self._sync_checked, days)

    def _sync_checked(self, days: int | None) -> None:
        if days != self.sync_overdue_days:
            self.sync_overdue_days = days
            self.refresh_status()

    def refresh_status(self) -> None:
        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.refresh()

    # --- app-wide actions ---

    def action_help(self) -> None:
        """The help of the screen in front: its own keys, not a fixed page."""
        if self.operator is None or isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        rows = active_keys((screen, self), getattr(screen, "WIDGET_KEYS", ()))
        self.push_screen(HelpScreen(rows, getattr(screen, "HOWTO", None)))

    def may_quit(self) -> bool:
        """Only a signed-in administrator may close the program.

        Installed, the app is the whole screen under cage and systemd starts it again
        whenever it ends (systemd/kiosk.service): quitting is a restart, which only an
        administrator needs (after changing the settings file, before maintenance). For a
        shopkeeper it would only drop a customer's cart; on the locked screen it would let
        anyone at the counter restart the shop's kiosk without a PIN. A demo is no
        different: sign in as its village administrator to quit.
        """
        return self.operator is not None and self.operator.may(ADMINS)

    async def action_quit(self) -> None:
        if self.may_quit():
            self.exit()
            return
        self.say(self.t("tui.quit.admins_only"), error=True)

    def action_help_quit(self) -> None:
        # Ctrl+C outside an input: Textual would toast how to quit (toasts lose glyphs).
        self.say(
            self.t("tui.quit.how" if self.may_quit() else "tui.quit.admins_only"),
            error=not self.may_quit(),
        )

    def action_demo_scan(self) -> None:
        """Demo only: scan the next demo household's card, as a scanner would type it."""
        self._demo_scans += 1
        self._demo_scan(self._demo_scans - 1)

    @work(thread=True, exclusive=True, group="demo-scan")
    def _demo_scan(self, index: int) -> None:
        payload = self.backend.demo_payload(index)
        if payload:
            self.call_from_thread(self.scan, payload)

    def action_retry_print(self) -> None:
        self.say(self.t("tui.print.retrying"))
        self.print_receipts()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry_print":
            return self.operator is not None and self.print_problem is not None
        if action == "demo_scan":
            return self.settings.demo and self.operator is not None
        if action == "help":
            return self.operator is not None
        return True


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    printer: Printer | None = None,
    clock: Callable[[], datetime] | None = None,
    settings_path: Path | None = None,
) -> KioskApp:
    """The kiosk app on `settings`; tests pass their own engine, printer and clock."""
    from kiosk.core.clock import now
    from kiosk.core.db import open_database

    # The configured printer is opened when first printed to (a printer that is off does
    # not stop the kiosk starting); settings have already checked its URI.
    backend = CounterService(
        engine or open_database(settings.db_url), settings, printer, clock or now
    )
    return KioskApp(backend, settings, settings_path=settings_path)


if TYPE_CHECKING:
    # mypy checks here that the app is what its screens rely on (`kiosk.tui.shell`).
    _THE_APP_IS_A_KIOSK: type[Kiosk] = KioskApp
