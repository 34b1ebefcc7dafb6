"""The deadline board: pending lines by time left, filters, restocking; Enter hands a line over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label

from kiosk.core.clock import local
from kiosk.core.errors import BadInput, DomainError
from kiosk.core.fulfilment import (
    MAX_RESTOCK_QTY,
    BoardRow,
    RestockResult,
    Urgency,
)
from kiosk.core.masking import mask_name
from kiosk.services.counter import CatalogueRow
from kiosk.tui.bindings import bind
from kiosk.tui.dialogs.base import KioskDialog
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.shell import Kiosk
from kiosk.tui.widgets.deadline_counts import DeadlineCountsBar
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar

URGENCY_STYLE = {Urgency.OVERDUE: "bold red", Urgency.DUE_SOON: "bold yellow", Urgency.LATER: ""}


def span_text(app: Kiosk, span: timedelta) -> str:
    """A duration the way the board says it: days and hours, or hours and minutes."""
    minutes = int(abs(span).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return app.t("tui.span.dh", days=days, hours=hours)
    return app.t("tui.span.hm", hours=hours, minutes=minutes)


def time_left_text(app: Kiosk, row: BoardRow) -> str:
    key = "tui.deadlines.late" if row.urgency == Urgency.OVERDUE else "tui.deadlines.left"
    return app.t(key, span=span_text(app, row.time_left))


@dataclass(frozen=True)
class BoardFilter:
    village: str | None
    item_no: int | None
    household: str | None


class DeadlinesScreen(KioskScreen):
    CSS_PATH = "deadlines.tcss"
    HOWTO = "tui.help.howto.deadlines"
    WIDGET_KEYS = ("submit", "move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("filter", "focus_filters"),
        bind("restock", "restock"),
        bind("refresh", "refresh"),
        bind("back", "back"),
    ]

    @dataclass
    class Loaded(Message):
        wanted: BoardFilter
        rows: list[BoardRow]

    @dataclass
    class Failed(Message):
        error: DomainError

    @dataclass
    class Restocked(Message):
        result: RestockResult

    @dataclass
    class CatalogueLoaded(Message):
        rows: list[CatalogueRow]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[BoardRow] = []
        self.catalogue: list[CatalogueRow] = []  # what the restock dialog finds items in

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield DeadlineCountsBar()
        yield Label(self.t("tui.deadlines.title"), id="deadlines-title")
        with Horizontal(id="deadline-filters"):
            yield Input(placeholder=self.t("tui.deadlines.village"), id="filter-village")
            yield Input(placeholder=self.t("tui.deadlines.item"), id="filter-item")
            yield Input(placeholder=self.t("tui.deadlines.household"), id="filter-household")
        table: DataTable[Text] = DataTable(id="board", cursor_type="row", zebra_stripes=True)
        yield table
        yield Label("", id="board-empty")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#board", DataTable)
        table.add_columns(
            self.t("tui.col.left"),
            self.t("tui.col.due"),
            self.t("tui.col.order"),
            self.t("tui.col.code"),
            self.t("tui.col.head"),
            self.t("tui.col.item"),
            self.t("tui.col.qty"),
            self.t("tui.col.ready"),
        )
        table.focus()
        self.reload()
        self._load_catalogue()

    @work(thread=True, exclusive=True, group="board-catalogue")
    def _load_catalogue(self) -> None:
        operator = self.kiosk.operator
        village = self.backend.kiosk_village() or (operator.village_id if operator else None)
        self.post_message(self.CatalogueLoaded(self.backend.catalogue(village or "")))

    def on_deadlines_screen_catalogue_loaded(self, message: CatalogueLoaded) -> None:
        self.catalogue = message.rows

    def on_screen_resume(self) -> None:
        self.reload()  # back from a hand-over: those lines are gone from the board

    # --- filters ---

    def _wanted(self) -> BoardFilter:
        village = self.query_one("#filter-village", Input).value.strip()
        item = self.query_one("#filter-item", Input).value.strip()
        household = self.query_one("#filter-household", Input).value.strip()
        if item and not item.isdigit():
            raise BadInput("tui.deadlines.bad_item")
        return BoardFilter(village or None, int(item) if item else None, household or None)

    @on(Input.Changed)
    def _filter_changed(self, _event: Input.Changed) -> None:
        self.reload()

    @on(Input.Submitted)
    def _filter_submitted(self, _event: Input.Submitted) -> None:
        self.query_one("#board", DataTable).focus()

    def action_focus_filters(self) -> None:
        self.query_one("#filter-village", Input).focus()

    def action_refresh(self) -> None:
        self.reload()
        self.kiosk.refresh_counts()

    def reload(self) -> None:
        try:
            wanted = self._wanted()
        except DomainError as error:
            self.kiosk.say_error(error)
            return
        self._load(wanted)

    @work(thread=True, exclusive=True, group="board")
    def _load(self, wanted: BoardFilter) -> None:
        try:
            rows = self.backend.deadline_board(
                village=wanted.village, item_no=wanted.item_no, household=wanted.household
            )
        except DomainError as error:
            self.post_message(self.Failed(error))
            return
        self.post_message(self.Loaded(wanted, rows))

    def on_deadlines_screen_loaded(self, message: Loaded) -> None:
        try:
            if message.wanted != self._wanted():
                return  # an older filter's answer arrived after a newer one was typed
        except DomainError:
            return
        self.rows = message.rows
        table = self.query_one("#board", DataTable)
        row = table.cursor_row
        table.clear()
        for index, board_row in enumerate(message.rows):
            style = URGENCY_STYLE[board_row.urgency]
            line = board_row.line
            cells = (
                time_left_text(self.kiosk, board_row),
                f"{local(line.due_at):%m-%d %H:%M}",
                board_row.order_number,
                board_row.household_code,
                mask_name(board_row.head_name),  # the screen faces the counter
                line.name,
                str(line.qty),
                self.t("tui.deadlines.ready" if board_row.ready else "tui.deadlines.waiting"),
            )
            table.add_row(*(Text(cell, style=style) for cell in cells), key=str(index))
        if message.rows:
            table.move_cursor(row=min(row, len(message.rows) - 1))
        self.query_one("#board-empty", Label).update(
            "" if message.rows else self.t("tui.deadlines.empty")
        )

    def on_deadlines_screen_failed(self, message: Failed) -> None:
        self.kiosk.say_error(message.error)
        self.rows = []  # rows under a filter that failed would mislead
        self.query_one("#board", DataTable).clear()

    # --- goods arriving ---

    def action_restock(self) -> None:
        self.app.push_screen(RestockDialog(self.catalogue), self._restock_entered)

    def _restock_entered(self, entered: tuple[int, str] | None) -> None:
        if entered is None:
            return
        item, qty = entered
        try:
            quantity = int(qty.strip())
        except ValueError:
            self.kiosk.say_error(
                BadInput("qty.range", low=1, high=MAX_RESTOCK_QTY, qty=qty.strip())
            )
            return
        self._restock(item, quantity)

    @work(thread=True, exclusive=True, group="restock")
    def _restock(self, item_no: int, qty: int) -> None:
        operator = self.kiosk.operator
        if operator is None:
            return
        try:
            result = self.backend.restock(item_no, qty, operator.id)
        except DomainError as error:
            self.app.call_from_thread(self.kiosk.say_error, error)
            return
        self.post_message(self.Restocked(result))

    def on_deadlines_screen_restocked(self, message: Restocked) -> None:
        result = message.result
        self.kiosk.say(
            self.t(
                "tui.restock.done",
                name=result.name,
                qty=result.qty,
                on_hand=result.on_hand,
                ready=len(result.ready),
            )
        )
        self.reload()

    # --- opening an order ---

    @on(DataTable.RowSelected, "#board")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        index = int(str(event.row_key.value))
        if 0 <= index < len(self.rows):
            self.kiosk.open_screen("handover", self.rows[index].order_number)

    def action_back(self) -> None:
        self.app.pop_screen()


class RestockDialog(KioskDialog[tuple[int, str] | None]):
    """Goods delivered to the shop: which item (by number, name or pinyin, as on the redeem
    screen) and how many (as typed; the screen checks it)."""

    CSS_PATH = "deadlines.tcss"
    WIDGET_KEYS = ("submit", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("cancel", "cancel"),
    ]

    def __init__(self, catalogue: list[CatalogueRow]) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.item: int | None = None  # the one item the typed text names

    def compose(self) -> ComposeResult:
        with Vertical(id="restock-box"):
            yield Label(self.t("tui.restock.title"), id="restock-title")
            yield Input(placeholder=self.t("tui.restock.item"), id="restock-item")
            yield Label("", id="restock-match")
            yield Input(placeholder=self.t("tui.restock.qty"), id="restock-qty")
            yield Label(self.t("tui.restock.help"), id="restock-help")
        yield MessageLine()

    def on_mount(self) -> None:
        self.query_one("#restock-item", Input).focus()

    @on(Input.Changed, "#restock-item")
    def _item_typed(self, event: Input.Changed) -> None:
        self.item, line = self._find(event.value.strip())
        self.query_one("#restock-match", Label).update(line)

    def _find(self, query: str) -> tuple[int | None, str]:
        """The item `query` names, and the line saying so (or why none is chosen)."""
        if not query:
            return None, ""
        found = self.kiosk.backend.search_catalogue(query, self.catalogue)
        if len(found) == 1:
            return found[0].no, f"→ {found[0].no} {found[0].name}"
        if query.isdigit() and not self.catalogue:
            return int(query), ""  # the catalogue is still loading: the number is the item
        if not found:
            return None, self.t("tui.redeem.no_match")
        names = "、".join(f"{row.no} {row.name}" for row in found[:3])
        return None, self.t("tui.restock.several", count=len(found), names=names)

    @on(Input.Submitted, "#restock-item")
    def _item_entered(self) -> None:
        if self.item is None:
            self._say_which()
            return
        self.query_one("#restock-qty", Input).focus()

    @on(Input.Submitted, "#restock-qty")
    def _qty_entered(self) -> None:
        if self.item is None:
            self.query_one("#restock-item", Input).focus()
            self._say_which()
            return
        self.dismiss((self.item, self.query_one("#restock-qty", Input).value))

    def _say_which(self) -> None:
        typed = self.query_one("#restock-item", Input).value.strip()
        _, line = self._find(typed)
        self.kiosk.say(line or self.t("tui.restock.which"), error=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
