"""Disputes (异议): the village's open disputes to uphold or correct, and recording a new one
against an entry of the household's history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Static

from kiosk.core.clock import local
from kiosk.core.disputes import DisputeView
from kiosk.core.errors import DomainError
from kiosk.core.ledger import EntryView
from kiosk.services.administration import AdminHousehold
from kiosk.tui.bindings import bind
from kiosk.tui.screens.base import AdminScreen
from kiosk.tui.screens.decisions import DecisionListScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class DisputesScreen(DecisionListScreen[DisputeView]):
    """The village's disputes: uphold the entry, or correct it by a reversing entry."""

    TITLE_KEY = "tui.disp.title"
    EMPTY_KEY = "tui.disp.empty"
    NOTE_KEY = "tui.disp.note"
    COLUMN_KEYS = (
        "tui.col.date",
        "tui.col.code",
        "tui.col.entry",
        "tui.col.raised_by",
        "tui.col.description",
        "tui.col.status",
    )
    LIST_ID = "disputes"
    NOTE_ID = "note"
    HOWTO = "tui.help.howto.decisions"
    WIDGET_KEYS = ("move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("uphold", "uphold"),
        bind("correct", "correct"),
        bind("raise-dispute", "raise_dispute"),
        bind("show-all", "show_all"),
        bind("back", "back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.open_only = True

    def load(self) -> list[DisputeView]:
        return self.backend.admin.disputes(self.operator_village, open_only=self.open_only)

    def cells(self, item: DisputeView) -> tuple[str, ...]:
        entry = (
            f"{local(item.entry_created_at):%m-%d} {self.t(f'kind.{item.entry_kind}')} "
            f"{item.entry_points:+d} {item.entry_rule_id or ''}"
        )
        return (
            f"{local(item.created_at):%m-%d}",
            item.household_code,
            entry,
            item.raised_by,
            item.description,
            self.t(f"dispute.status.{item.status}"),
        )

    def key_of(self, item: DisputeView) -> str:
        return item.id

    def decided_text(self, item: DisputeView) -> str:
        return self.t("tui.disp.decided", status=self.t(f"dispute.status.{item.status}"))

    def action_uphold(self) -> None:
        self._resolve(correct=False)

    def action_correct(self) -> None:
        self._resolve(correct=True)

    def _resolve(self, *, correct: bool) -> None:
        operator_id, note = self.operator_id, self.note

        def question(item: DisputeView) -> str:
            entry = f"{self.t(f'kind.{item.entry_kind}')} {item.entry_points:+d}"
            key = "tui.decide.correct" if correct else "tui.decide.uphold"
            return self.t(key, code=item.household_code, entry=entry, points=item.entry_points)

        self.decide(
            lambda item: self.backend.admin.decide_dispute(
                item.id, operator_id, note=note, correct=correct
            ),
            question,
        )

    def action_show_all(self) -> None:
        self.open_only = not self.open_only
        self.reload()

    def action_raise_dispute(self) -> None:
        self.kiosk.open_screen("raise-dispute")


class RaiseDisputeScreen(AdminScreen):
    """Recording a villager's objection: find the household, pick the entry, say who and why."""

    CSS_PATH = "decisions.tcss"
    WIDGET_KEYS = ("submit", "move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("save", "confirm"),
        bind("back", "back"),
    ]

    @dataclass
    class EntriesLoaded(Message):
        household: AdminHousehold | None
        entries: list[EntryView]
        error: DomainError | None = None

    @dataclass
    class Raised(Message):
        dispute: DisputeView | None
        error: DomainError | None = None

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[EntryView] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t("tui.disp.raise_title"), id="disputes-title")
        yield Input(placeholder=self.t("tui.award.code_placeholder"), id="household")
        yield Static("", id="household-info")
        table: DataTable[str] = DataTable(id="entries", cursor_type="row", zebra_stripes=True)
        yield table
        yield Input(placeholder=self.t("tui.disp.raised_by"), id="raised-by")
        yield Input(placeholder=self.t("tui.disp.description"), id="description")
        yield MessageLine()
        yield Footer()

    def start(self) -> None:
        self.query_one("#entries", DataTable).add_columns(
            self.t("tui.col.date"),
            self.t("tui.col.kind"),
            self.t("tui.col.points"),
            self.t("tui.col.rule"),
            self.t("tui.col.description"),
        )
        self.query_one("#household", Input).focus()

    def accept_scan(self, payload: str) -> bool:
        self.query_one("#household", Input).value = payload
        self._load(payload)
        return True

    @on(Input.Submitted, "#household")
    def _household(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._load(event.value.strip())

    @work(thread=True, exclusive=True, group="dispute-entries")
    def _load(self, raw: str) -> None:
        try:
            found = self.backend.admin.find_household(raw, self.operator_id)
            entries = self.backend.admin.household_entries(found.id)
        except DomainError as error:
            self.post_message(self.EntriesLoaded(None, [], error))
            return
        self.post_message(self.EntriesLoaded(found, entries))

    def on_raise_dispute_screen_entries_loaded(self, message: EntriesLoaded) -> None:
        info = self.query_one("#household-info", Static)
        table = self.query_one("#entries", DataTable)
        table.clear()
        self.entries = message.entries
        info.update(self.household_text(message.household, message.error))
        if message.household is None:
            return
        for entry in message.entries:
            table.add_row(
                f"{local(entry.created_at):%m-%d}",
                self.t(f"kind.{entry.kind}"),
                f"{entry.points:+d}",
                entry.rule_id or "",
                entry.note or "",
                key=entry.id,
            )
        table.focus()

    def action_confirm(self) -> None:
        table = self.query_one("#entries", DataTable)
        if not self.entries or table.cursor_row < 0:
            self.kiosk.say(self.t("tui.admin.pick"), error=True)
            return
        if self.busy:
            return
        self.busy = True
        entry = self.entries[min(table.cursor_row, len(self.entries) - 1)]
        self._raise(
            entry.id,
            self.query_one("#raised-by", Input).value,
            self.query_one("#description", Input).value,
        )

    @work(thread=True, exclusive=True, group="dispute-raise")
    def _raise(self, entry_id: str, raised_by: str, description: str) -> None:
        try:
            raised = self.backend.admin.record_dispute(
                entry_id, raised_by, description, self.operator_id
            )
        except DomainError as error:
            self.post_message(self.Raised(None, error))
            return
        self.post_message(self.Raised(raised))

    def on_raise_dispute_screen_raised(self, message: Raised) -> None:
        self.busy = False
        if message.dispute is None:
            if message.error is not None:
                self.kiosk.say_error(message.error)
            return
        self.app.pop_screen()
        self.kiosk.say(self.t("tui.disp.raised"))
