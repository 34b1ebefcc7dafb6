"""One household: who, where, this year's balance, freeze, recent entries and open orders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Label

from kiosk.core.clock import local
from kiosk.core.errors import DomainError
from kiosk.services.households import HouseholdView
from kiosk.tui.bindings import bind
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.cells import fit, free_cells
from kiosk.tui.widgets.household_card import HouseholdCard
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar

WHAT_COLUMNS = 12  # the fewest cells a rule's text is cut to, before the layout is known


class HouseholdScreen(KioskScreen):
    CSS_PATH = "household.tcss"
    HOWTO = "tui.help.howto.household"
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("redeem", "redeem"),
        bind("show-name", "toggle_name"),
        bind("receipts", "receipts"),
        bind("back", "back"),
    ]

    @dataclass
    class Reloaded(Message):
        household: HouseholdView

    def __init__(self, household: HouseholdView) -> None:
        super().__init__()
        self.household = household
        self._opened = False
        self.what_columns = WHAT_COLUMNS  # cells the entries' rule texts were cut to

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield HouseholdCard(self.household, id="card")
        with Horizontal(id="household-tables"):
            with Vertical(id="entries-pane"):
                yield Label(self.t("tui.household.entries"), classes="pane-title")
                entries: DataTable[str] = DataTable(id="entries", cursor_type="row")
                yield entries
            with Vertical(id="open-pane"):
                yield Label(self.t("tui.household.open_lines"), classes="pane-title")
                open_lines: DataTable[str] = DataTable(id="open-lines", cursor_type="row")
                yield open_lines
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        entries = self.query_one("#entries", DataTable)
        open_lines = self.query_one("#open-lines", DataTable)
        open_lines.add_columns(self.t("tui.col.item"), self.t("tui.col.qty"), self.t("tui.col.due"))
        self._fill()
        entries.focus()

    def _fill(self) -> None:
        h = self.household
        entries = self.query_one("#entries", DataTable)
        # Columns too: a column keeps its widest text's width, and the rule's text takes
        # what the others leave, cut with an ellipsis (never by the pane's edge).
        entries.clear(columns=True)
        entries.add_column(self.t("tui.col.date"), key="date")
        entries.add_column(self.t("tui.col.kind"), key="kind")
        # Points before the description: on a narrow screen the text is what gets cut.
        entries.add_column(self.t("tui.col.points"), key="points")
        entries.add_column(self.t("tui.col.what"), key="what")
        self.what_columns = free_cells(entries, "what", at_least=WHAT_COLUMNS)
        for entry in h.entries:
            entries.add_row(
                f"{local(entry.at):%m-%d}",
                self.t(f"kind.{entry.kind}"),
                f"{entry.points:+d}",
                fit(entry.what, self.what_columns),
            )
        open_lines = self.query_one("#open-lines", DataTable)
        open_lines.clear()
        for line in h.open_lines:
            due = f"{local(line.due_at):%m-%d}"
            if line.overdue:
                due = self.t("tui.household.overdue", due=due)
            open_lines.add_row(line.name, str(line.qty), due)
        if not h.open_lines:
            open_lines.add_row(self.t("tui.household.none"), "", "")

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        entries = self.query_one("#entries", DataTable)
        if free_cells(entries, "what", at_least=WHAT_COLUMNS) != self.what_columns:
            self._fill()

    def show(self, household: HouseholdView) -> None:
        self.household = household
        self.query_one("#card", HouseholdCard).show(household)
        self._fill()

    def reload(self) -> None:
        self._reload()

    @work(thread=True, exclusive=True, group="household")
    def _reload(self) -> None:
        try:
            self.post_message(
                self.Reloaded(self.backend.household(self.household.id, self.kiosk.operator))
            )
        except DomainError as error:
            self.app.call_from_thread(self.kiosk.say_error, error)

    def on_screen_resume(self) -> None:
        # Back from redeeming, or from anything else that may have changed the balance
        # (the first resume is the screen's opening: its household is fresh).
        if self._opened:
            self.reload()
        self._opened = True

    def on_household_screen_reloaded(self, message: Reloaded) -> None:
        if message.household.id != self.household.id:
            return  # the next customer's card came in while this one was being read
        self.show(message.household)

    def action_redeem(self) -> None:
        self.kiosk.open_screen("redeem", self.household)

    def action_toggle_name(self) -> None:
        self.query_one("#card", HouseholdCard).toggle_name()

    def action_receipts(self) -> None:
        self.kiosk.open_screen("receipts", self.household.code)

    def action_back(self) -> None:
        self.app.pop_screen()
