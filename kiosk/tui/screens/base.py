"""What every kiosk screen shares: the app it belongs to, its language, its bindings' labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, cast

from textual.screen import Screen

from kiosk.core.errors import DomainError
from kiosk.services.administration import AdminHousehold
from kiosk.services.counter import CounterService
from kiosk.tui.bindings import localize_bindings
from kiosk.tui.dialogs.ask import AskDialog
from kiosk.tui.menu import ADMINS
from kiosk.tui.shell import Kiosk


class KioskScreen(Screen[None]):
    """A full screen of the kiosk; its bindings' labels follow the interface language."""

    # Its F1 help: the text key of its how-to, and the binding ids (`kiosk.tui.bindings`)
    # of keys its widgets answer themselves (Enter in a field, arrows in a list, Tab).
    HOWTO: ClassVar[str | None] = None
    WIDGET_KEYS: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        super().__init__()
        localize_bindings(self, self.t, self.kiosk.language)

    @property
    def kiosk(self) -> Kiosk:
        return cast("Kiosk", self.app)

    @property
    def backend(self) -> CounterService:
        return self.kiosk.backend

    def t(self, key: str, /, **params: object) -> str:
        return self.kiosk.t(key, **params)


class AdminScreen(KioskScreen):
    """A screen only village and street administrators may open; anyone else is sent back."""

    def on_mount(self) -> None:
        operator = self.kiosk.operator
        if operator is None or not operator.may(ADMINS):
            self.app.pop_screen()
            self.kiosk.say(self.t("tui.admin.only"), error=True)
            return
        self.start()

    def start(self) -> None:
        """What the screen does once the operator is known to be an administrator."""

    @property
    def operator_id(self) -> str:
        operator = self.kiosk.operator
        assert operator is not None
        return operator.id

    @property
    def operator_village(self) -> str | None:
        """The village an administrator may see: its own; None (every village) for the street."""
        operator = self.kiosk.operator
        assert operator is not None  # signing out pops every screen above the sign-in
        return operator.village_id if operator.role != "street_admin" else None

    def household_text(self, found: AdminHousehold | None, error: DomainError | None) -> str:
        """The line under a household field: who was found (and any freeze), or why not."""
        if found is None:
            return f"✗ {self.kiosk.error_text(error) if error else ''}"
        frozen = (
            self.t("tui.award.frozen", until=found.frozen_until.isoformat())
            if found.frozen_until
            else ""
        )
        line = self.t(
            "tui.award.household_line",
            code=found.code,
            head=found.masked_head,
            group=found.group,
            balance=found.balance,
        )
        return line + frozen

    def confirm_then(self, question: str, then: Callable[[], None]) -> None:
        """Ask before a decision that changes points or freezes; `then` only on yes (Esc, or
        Enter on the focused safe answer, is no)."""

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(
            AskDialog(question, yes=self.t("tui.decide.yes"), no=self.t("tui.decide.no")),
            answered,
        )

    def action_back(self) -> None:
        self.app.pop_screen()
