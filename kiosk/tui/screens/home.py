"""The home screen: scan or find a household, and the menu of what the operator's role allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from kiosk.core.errors import DomainError
from kiosk.services.households import HouseholdHit, HouseholdView
from kiosk.tui.bindings import bind
from kiosk.tui.menu import entries_for
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.deadline_counts import DeadlineCountsBar
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class HomeScreen(KioskScreen):
    CSS_PATH = "home.tcss"
    HOWTO = "tui.help.howto.home"
    WIDGET_KEYS = ("submit", "move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("find", "focus_search"),
        bind("menu", "focus_menu"),
        bind("receipts", "receipts"),
        bind("sign-out", "sign_out"),
        bind("clear-search", "clear_search"),
    ]

    @dataclass
    class Found(Message):
        query: str
        hits: list[HouseholdHit]

    @dataclass
    class Resolved(Message):
        """The answer to Enter: the hits of exactly the query submitted."""

        query: str
        hits: list[HouseholdHit]

    @dataclass
    class Opened(Message):
        household: HouseholdView

    @dataclass
    class Failed(Message):
        error: DomainError

    def __init__(self) -> None:
        super().__init__()
        self.shown_query = ""  # the query whose hits the table shows
        self.picked = False  # an arrow moved the highlight since they were shown

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield DeadlineCountsBar()
        with Horizontal(id="home"):
            with Vertical(id="find-pane"):
                yield Label(self.t("tui.home.prompt"), id="home-prompt")
                yield Input(placeholder=self.t("tui.home.placeholder"), id="search")
                table: DataTable[str] = DataTable(id="hits", cursor_type="row", zebra_stripes=True)
                # The search box drives it (arrows, Enter); typing never lands in the list.
                table.can_focus = False
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

    def action_clear_search(self) -> None:
        """Esc: the box and its hits emptied for the next customer, the focus back in it."""
        search = self.query_one("#search", Input)
        search.value = ""
        self._show_hits("", [])
        search.focus()

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
    #
    # The search box keeps the focus: arrows move the highlight in the hits, Enter decides
    # on the query as typed, from its own search, never on whatever hits happen to be on
    # screen (they may be an older query's when typing is quick or the machine is busy).
    # A highlighted hit opens only when the arrows chose it for the hits shown.

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        self.picked = False
        self._search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str) -> None:
        self.post_message(
            self.Found(query, self.backend.find_households(query, self.kiosk.operator))
        )

    def on_home_screen_found(self, message: Found) -> None:
        if message.query != self.query_one("#search", Input).value:
            return  # an older search finished after a newer one started
        self._show_hits(message.query, message.hits)

    def _show_hits(self, query: str, hits: list[HouseholdHit]) -> None:
        table = self.query_one("#hits", DataTable)
        table.clear()
        for hit in hits:
            table.add_row(hit.code, hit.masked_head, hit.village, hit.group, key=hit.code)
        self.shown_query = query
        self.picked = False

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        search = self.query_one("#search", Input)
        query = event.value.strip()
        if not query:
            return
        # What is typed next replaces this query (the next code after a name search),
        # decided now rather than when the search answers.
        search.select_all()
        table = self.query_one("#hits", DataTable)
        if self.picked and self.shown_query == event.value and table.row_count:
            self._open(str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value))
            return
        self._resolve(query)

    @work(thread=True, exclusive=True, group="resolve")
    def _resolve(self, query: str) -> None:
        self.post_message(
            self.Resolved(query, self.backend.find_households(query, self.kiosk.operator))
        )

    def on_home_screen_resolved(self, message: Resolved) -> None:
        search = self.query_one("#search", Input)
        if message.query != search.value.strip():
            return  # typing went on meanwhile: that query decides
        hits = message.hits
        if len(hits) == 1:
            self._open(hits[0].code)
        elif hits:
            self._show_hits(search.value, hits)
            self.kiosk.say(self.t("tui.home.several", count=len(hits)))
        elif _names_a_code(message.query):
            self._open(message.query)  # a whole card or order code typed: its own message
        else:
            self.kiosk.say(self.t("tui.home.no_match", query=message.query), error=True)

    @on(DataTable.RowSelected, "#hits")
    def _hit_chosen(self, event: DataTable.RowSelected) -> None:
        self._open(str(event.row_key.value))

    def key_down(self) -> None:
        self._move_highlight(1)

    def key_up(self) -> None:
        self._move_highlight(-1)

    def _move_highlight(self, step: int) -> None:
        if self.focused is not self.query_one("#search", Input):
            return
        table = self.query_one("#hits", DataTable)
        if table.row_count == 0:
            return
        if self.picked:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))
        else:
            table.move_cursor(row=0)  # the first arrow picks the first hit
        self.picked = True

    @work(thread=True, exclusive=True, group="open")
    def _open(self, code: str) -> None:
        try:
            self.post_message(self.Opened(self.backend.household(code, self.kiosk.operator)))
        except DomainError as error:
            self.post_message(self.Failed(error))

    def on_home_screen_opened(self, message: Opened) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        self.query_one("#hits", DataTable).clear()
        self.kiosk.open_household(message.household)

    def on_home_screen_failed(self, message: Failed) -> None:
        self.kiosk.say_error(message.error)


def _names_a_code(query: str) -> bool:
    """A short code, card or order code (whole or garbled): opening it says what is wrong."""
    return ":" in query or (query.isascii() and any(char.isdigit() for char in query))
