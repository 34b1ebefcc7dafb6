"""Redemption freezes (negative item 9): who is frozen until when and why; freeze and lift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Static

from kiosk.core.errors import BadInput, DomainError
from kiosk.core.masking import mask_name
from kiosk.core.notice import FrozenHousehold
from kiosk.tui.bindings import bind
from kiosk.tui.screens.base import AdminScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class FreezeScreen(AdminScreen):
    CSS_PATH = "freeze.tcss"
    HOWTO = "tui.help.howto.decisions"
    WIDGET_KEYS = ("move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("freeze", "freeze"),
        bind("lift", "lift"),
        bind("back", "back"),
    ]

    @dataclass
    class Loaded(Message):
        frozen: list[FrozenHousehold]

    @dataclass
    class Done(Message):
        message: str
        error: DomainError | None = None

    def __init__(self) -> None:
        super().__init__()
        self.frozen: list[FrozenHousehold] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t("tui.freeze.title"), id="freeze-title")
        table: DataTable[str] = DataTable(id="frozen", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="frozen-empty")
        # Labels above the fields: a placeholder goes once the field is filled.
        with Horizontal(id="freeze-form"):
            with Vertical():
                yield Label(self.t("tui.freeze.code"), classes="field-label")
                yield Input(placeholder=self.t("tui.freeze.code"), id="code")
            with Vertical():
                yield Label(self.t("tui.freeze.until"), classes="field-label")
                yield Input(placeholder=self.t("tui.freeze.until"), id="until")
        yield Label(self.t("tui.freeze.reason"), classes="field-label")
        yield Input(placeholder=self.t("tui.freeze.reason"), id="reason")
        yield MessageLine()
        yield Footer()

    def start(self) -> None:
        self.query_one("#frozen", DataTable).add_columns(
            self.t("tui.col.code"),
            self.t("tui.col.head"),
            self.t("tui.col.since"),
            self.t("tui.col.until"),
            self.t("tui.col.reason"),
            self.t("tui.col.operator"),
        )
        self.query_one("#code", Input).focus()
        self.reload()

    def reload(self) -> None:
        self._load(self.operator_village)

    @work(thread=True, exclusive=True, group="freezes")
    def _load(self, village_id: str | None) -> None:
        self.post_message(self.Loaded(self.backend.admin.frozen(village_id)))

    def on_freeze_screen_loaded(self, message: Loaded) -> None:
        self.frozen = message.frozen
        table = self.query_one("#frozen", DataTable)
        table.clear()
        for f in message.frozen:
            table.add_row(
                f.code,
                mask_name(f.head),
                f.since.isoformat(),
                f.until.isoformat(),
                f.reason,
                f.operator_id or "",
                key=f.code,
            )
        self.query_one("#frozen-empty", Static).update(
            "" if message.frozen else self.t("tui.freeze.empty")
        )

    def action_freeze(self) -> None:
        if self.busy:
            return
        code = self.query_one("#code", Input).value.strip()
        until = self.query_one("#until", Input).value.strip()
        reason = self.query_one("#reason", Input).value
        if not code:
            self.kiosk.say(self.t("tui.freeze.need_code"), error=True)
            return

        def go() -> None:
            if self.busy:
                return
            self.busy = True
            self._freeze(code, until, reason)

        self.confirm_then(self.t("tui.decide.freeze", code=code, until=until or "-"), go)

    @work(thread=True, exclusive=True, group="freeze-write")
    def _freeze(self, code: str, until_text: str, reason: str) -> None:
        try:
            try:
                until = date.fromisoformat(until_text)
            except ValueError:
                raise BadInput("date.invalid", value=until_text, expected="YYYY-MM-DD") from None
            household = self.backend.admin.find_household(code, self.operator_id)
            self.backend.admin.set_freeze(household.id, until, reason, self.operator_id)
        except DomainError as error:
            self.post_message(self.Done("", error))
            return
        self.post_message(self.Done(self.t("tui.freeze.done", code=household.code, until=until)))

    def action_lift(self) -> None:
        if self.busy:
            return
        code = self.query_one("#code", Input).value.strip()
        table = self.query_one("#frozen", DataTable)
        if not code and self.frozen and table.cursor_row >= 0:
            code = self.frozen[min(table.cursor_row, len(self.frozen) - 1)].code
        if not code:
            self.kiosk.say(self.t("tui.admin.pick"), error=True)
            return
        self.busy = True
        self._lift(code, self.query_one("#reason", Input).value)

    @work(thread=True, exclusive=True, group="freeze-write")
    def _lift(self, code: str, reason: str) -> None:
        try:
            household = self.backend.admin.find_household(code, self.operator_id)
            lifted = self.backend.admin.lift(household.code, reason, self.operator_id)
        except DomainError as error:
            self.post_message(self.Done("", error))
            return
        key = "tui.freeze.lifted" if lifted else "tui.freeze.none"
        self.post_message(self.Done(self.t(key, code=household.code)))

    def on_freeze_screen_done(self, message: Done) -> None:
        self.busy = False
        if message.error is not None:
            self.kiosk.say_error(message.error)
            return
        self.kiosk.say(message.message)
        for field in ("#code", "#until", "#reason"):
            self.query_one(field, Input).value = ""
        self.reload()
