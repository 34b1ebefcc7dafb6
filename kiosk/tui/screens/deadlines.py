"""The deadline board: pending lines by time left, and the overdue / due-today counts for home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Label

from kiosk.core.clock import local
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError
from kiosk.core.fulfilment import (
    MAX_RESTOCK_QTY,
    BoardRow,
    DeadlineCounts,
    RestockResult,
    Urgency,
    board,
    counts,
    exchange_point_for,
    restock,
)
from kiosk.core.masking import mask_name
from kiosk.core.reference import operator_by_id
from kiosk.tui.screens.base import KioskDialog, KioskScreen
from kiosk.tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from kiosk.tui.app import KioskApp

COUNTS_REFRESH_SECONDS = 60.0  # lines turn overdue as time passes, with nobody touching anything
URGENCY_STYLE = {Urgency.OVERDUE: "bold red", Urgency.DUE_SOON: "bold yellow", Urgency.LATER: ""}


def kiosk_point(app: KioskApp) -> str | None:
    """The exchange point this kiosk serves; None at the street office (every point)."""
    return app.backend.exchange_point()[0] or None


def span_text(app: KioskApp, span: timedelta) -> str:
    """A duration the way the board says it: days and hours, or hours and minutes."""
    minutes = int(abs(span).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return app.t("tui.span.dh", days=days, hours=hours)
    return app.t("tui.span.hm", hours=hours, minutes=minutes)


def time_left_text(app: KioskApp, row: BoardRow) -> str:
    key = "tui.deadlines.late" if row.urgency == Urgency.OVERDUE else "tui.deadlines.left"
    return app.t(key, span=span_text(app, row.time_left))


class DeadlineCountsBar(Widget):
    """Overdue and due-today counts, on the home screen at all times; click opens the board."""

    DEFAULT_CSS = """
    DeadlineCountsBar {
        height: 1;
        padding: 0 1;
        background: $success-darken-2;
    }
    DeadlineCountsBar.-due-today {
        background: $warning-darken-2;
    }
    DeadlineCountsBar.-overdue {
        background: $error;
        text-style: bold;
    }
    """

    @dataclass
    class Counted(Message):
        counts: DeadlineCounts

    def __init__(self) -> None:
        super().__init__(id="deadline-counts")
        self.counts: DeadlineCounts | None = None

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def on_mount(self) -> None:
        self.set_interval(COUNTS_REFRESH_SECONDS, self.reload)
        self.reload()

    def on_show(self, _event: events.Show) -> None:
        self.reload()  # back on the home screen after a hand-over elsewhere

    def reload(self) -> None:
        self._count()

    @work(thread=True, exclusive=True, group="deadline-counts")
    def _count(self) -> None:
        backend = self.kiosk.backend
        with read_session(backend.engine) as session:
            found = counts(session, backend.clock(), exchange_point=kiosk_point(self.kiosk))
        self.post_message(self.Counted(found))

    def on_deadline_counts_bar_counted(self, message: Counted) -> None:
        self.counts = message.counts
        self.set_class(message.counts.overdue > 0, "-overdue")
        self.set_class(message.counts.overdue == 0 and message.counts.due_today > 0, "-due-today")
        self.refresh()

    def render(self) -> Text:
        if self.counts is None:
            return Text(self.kiosk.t("tui.receipt.loading"))
        return Text(
            self.kiosk.t(
                "tui.deadlines.counts",
                overdue=self.counts.overdue,
                due_today=self.counts.due_today,
            )
        )

    def on_click(self) -> None:
        open_deadlines(self.kiosk)


def open_deadlines(app: KioskApp) -> None:
    """The menu entry's action: the board over whatever screen is showing."""
    if not isinstance(app.screen, DeadlinesScreen):
        app.push_screen(DeadlinesScreen())


def refresh_counts(app: KioskApp) -> None:
    """After a hand-over, restock or cancellation: every counts bar on the stack recounts."""
    for screen in app.screen_stack:
        for bar in screen.query(DeadlineCountsBar):
            bar.reload()


@dataclass(frozen=True)
class BoardFilter:
    village: str | None
    item_no: int | None
    household: str | None


class DeadlinesScreen(KioskScreen):
    CSS_PATH = "deadlines.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "focus_filters", "filter", id="filter", tooltip="filter"),
        Binding("f4", "restock", "restock", id="restock", tooltip="restock"),
        Binding("f5", "refresh", "refresh", id="refresh", tooltip="refresh"),
        Binding("escape", "back", "back", id="back", tooltip="back"),
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

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[BoardRow] = []

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
        refresh_counts(self.kiosk)

    def reload(self) -> None:
        try:
            wanted = self._wanted()
        except DomainError as error:
            self.kiosk.say_error(error)
            return
        self._load(wanted)

    @work(thread=True, exclusive=True, group="board")
    def _load(self, wanted: BoardFilter) -> None:
        backend = self.backend
        try:
            with read_session(backend.engine) as session:
                rows = board(
                    session,
                    backend.clock(),
                    village=wanted.village,
                    item_no=wanted.item_no,
                    household=wanted.household,
                    exchange_point=kiosk_point(self.kiosk),
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
        self.app.push_screen(RestockDialog(), self._restock_entered)

    def _restock_entered(self, entered: tuple[str, str] | None) -> None:
        if entered is None:
            return
        item, qty = entered
        if not item.strip().isdigit():
            self.kiosk.say_error(BadInput("tui.deadlines.bad_item"))
            return
        try:
            quantity = int(qty.strip())
        except ValueError:
            self.kiosk.say_error(
                BadInput("qty.range", low=1, high=MAX_RESTOCK_QTY, qty=qty.strip())
            )
            return
        self._restock(int(item), quantity)

    @work(thread=True, exclusive=True, group="restock")
    def _restock(self, item_no: int, qty: int) -> None:
        kiosk, backend = self.kiosk, self.backend
        if kiosk.operator is None:
            return
        try:
            with write_session(backend.engine) as session:
                operator = operator_by_id(session, kiosk.operator.id)
                point = exchange_point_for(session, operator, kiosk_point(kiosk))
                result = restock(session, point, item_no, qty, operator, backend.clock())
        except DomainError as error:
            self.app.call_from_thread(kiosk.say_error, error)
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
        from kiosk.tui.screens.handover import HandoverScreen

        index = int(str(event.row_key.value))
        if 0 <= index < len(self.rows):
            self.app.push_screen(HandoverScreen(self.rows[index].order_number))

    def action_back(self) -> None:
        self.app.pop_screen()


class RestockDialog(KioskDialog[tuple[str, str] | None]):
    """Goods delivered to the shop: which item and how many (as typed; the screen checks)."""

    CSS_PATH = "deadlines.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "cancel", id="cancel", tooltip="cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="restock-box"):
            yield Label(self.t("tui.restock.title"), id="restock-title")
            yield Input(placeholder=self.t("tui.deadlines.item"), id="restock-item")
            yield Input(placeholder=self.t("tui.restock.qty"), id="restock-qty")
            yield Label(self.t("tui.restock.help"), id="restock-help")

    def on_mount(self) -> None:
        self.query_one("#restock-item", Input).focus()

    @on(Input.Submitted, "#restock-item")
    def _item_entered(self) -> None:
        self.query_one("#restock-qty", Input).focus()

    @on(Input.Submitted, "#restock-qty")
    def _qty_entered(self) -> None:
        self.dismiss(
            (
                self.query_one("#restock-item", Input).value,
                self.query_one("#restock-qty", Input).value,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
