"""The home screen: scan or find a household, and the menu of what the operator's role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from kiosk.core.errors import DomainError
from kiosk.services.households import HouseholdHit, HouseholdView
from kiosk.tui.menu import entries_for
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.deadline_counts import DeadlineCountsBar
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class HomeScreen(KioskScreen):
    CSS_PATH = "home.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "focus_search", "find", id="find", tooltip="find"),
        Binding("f3", "focus_menu", "menu", id="menu", tooltip="menu"),
        Binding("f7", "receipts", "receipts", id="receipts", tooltip="receipts"),
        Binding("ctrl+l", "sign_out", "sign-out", id="sign-out", tooltip="sign-out"),
    ]

    @dataclass
    class Found(Message):
        query: str
        hits: list[HouseholdHit]

    @dataclass
    class Opened(Message):
        household: HouseholdView

    @dataclass
    class Failed(Message):
        error: DomainError

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield DeadlineCountsBar()
        with Horizontal(id="home"):
            with Vertical(id="find-pane"):
                yield Label(self.t("tui.home.prompt"), id="home-prompt")
                yield Input(placeholder=self.t("tui.home.placeholder"), id="search")
                table: DataTable[str] = DataTable(id="hits", cursor_type="row", zebra_stripes=True)
                yield table
            with Vertical(id="menu-pane"):
                yield Label(self.t("tui.home.menu"), id="menu-title")
                yield OptionList(id="menu")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#hits", DataTable)
        table.add_columns(
            self.t("tui.col.code"),
            self.t("tui.col.head"),
            self.t("tui.col.village"),
            self.t("tui.col.group"),
        )
        menu = self.query_one("#menu", OptionList)
        operator = self.kiosk.operator
        for entry in entries_for(operator.role if operator else ""):
            menu.add_option(Option(self.t(f"menu.{entry.id}"), id=entry.id))
        self.focus_search()

    def focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_search(self) -> None:
        self.focus_search()

    def action_focus_menu(self) -> None:
        self.query_one("#menu", OptionList).focus()

    def action_receipts(self) -> None:
        self.kiosk.open_screen("receipts")

    def action_sign_out(self) -> None:
        self.kiosk.sign_out()

    @on(OptionList.OptionSelected, "#menu")
    def _menu_chosen(self, event: OptionList.OptionSelected) -> None:
        operator = self.kiosk.operator
        allowed = {entry.id for entry in entries_for(operator.role if operator else "")}
        if event.option.id not in allowed:
            return
        if event.option.id == "find":
            self.focus_search()
        elif event.option.id == "sign-out":
            self.kiosk.sign_out()
        elif event.option.id == "help":
            self.kiosk.action_help()
        else:
            self.kiosk.open_screen(event.option.id)

    # --- finding a household ---

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str) -> None:
        operator = self.kiosk.operator
        village = self.backend.kiosk_village() or (operator.village_id if operator else None)
        self.post_message(self.Found(query, self.backend.find_households(query, village)))

    def on_home_screen_found(self, message: Found) -> None:
        if message.query != self.query_one("#search", Input).value:
            return  # an older search finished after a newer one started
        table = self.query_one("#hits", DataTable)
        table.clear()
        for hit in message.hits:
            table.add_row(hit.code, hit.masked_head, hit.village, hit.group, key=hit.code)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        table = self.query_one("#hits", DataTable)
        query = event.value.strip()
        if not query:
            return
        if table.row_count == 1:
            self._open(str(table.coordinate_to_cell_key(Coordinate(0, 0)).row_key.value))
        elif table.row_count > 1:
            table.focus()
        else:
            self._open(query)  # a short code typed before the search came back, or a mistake

    @on(DataTable.RowSelected, "#hits")
    def _hit_chosen(self, event: DataTable.RowSelected) -> None:
        self._open(str(event.row_key.value))

    def key_down(self) -> None:
        if self.focused is self.query_one("#search", Input):
            self.query_one("#hits", DataTable).focus()

    @work(thread=True, exclusive=True, group="open")
    def _open(self, code: str) -> None:
        try:
            self.post_message(self.Opened(self.backend.household(code)))
        except DomainError as error:
            self.post_message(self.Failed(error))

    def on_home_screen_opened(self, message: Opened) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        self.kiosk.open_household(message.household)

    def on_home_screen_failed(self, message: Failed) -> None:
        self.kiosk.say_error(message.error)
