"""Handing an order's goods over: choose its pending lines, hand them over, print the slip."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Static

from kiosk.core.clock import local
from kiosk.core.errors import DomainError
from kiosk.core.fulfilment import (
    CANCELLING_ROLES,
    CancelResult,
    DeadlineCounts,
    FulfilmentLine,
    HandoverResult,
    LineStatus,
    OrderRecord,
)
from kiosk.core.masking import mask_name
from kiosk.tui.bindings import bind
from kiosk.tui.dialogs.base import KioskDialog
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar

STATUS_STYLE = {
    LineStatus.OVERDUE: "bold red",
    LineStatus.PENDING: "",
    LineStatus.HANDED: "dim",
    LineStatus.CANCELLED: "dim strike",
}


class HandoverScreen(KioskScreen):
    CSS_PATH = "handover.tcss"
    WIDGET_KEYS = ("submit", "move")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("pick-line", "toggle_line"),
        bind("deliver", "deliver"),
        bind("order-receipt", "order_receipt"),
        bind("cancel-line", "cancel_line"),
        bind("back", "back"),
    ]

    @dataclass
    class Loaded(Message):
        record: OrderRecord
        ready: set[str]  # line ids the shelf holds goods for

    @dataclass
    class Delivered(Message):
        result: HandoverResult
        counts: DeadlineCounts  # counted after it, for the counts bars

    @dataclass
    class Failed(Message):
        error: DomainError

    @dataclass
    class Cancelled(Message):
        result: CancelResult
        counts: DeadlineCounts

    def __init__(self, order_number: str) -> None:
        super().__init__()
        self.order_number = order_number
        self.record: OrderRecord | None = None
        self.chosen: set[int] = set()  # line numbers ticked for handing over
        self.ready: set[str] = set()
        self.saving = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t("tui.handover.title", number=self.order_number), id="handover-title")
        yield Static(self.t("tui.receipt.loading"), id="handover-order")
        table: DataTable[Text] = DataTable(id="handover-lines", cursor_type="row")
        yield table
        yield Label(self.t("tui.handover.help"), id="handover-help")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#handover-lines", DataTable)
        table.add_columns(
            self.t("tui.col.pick"),
            self.t("tui.col.no"),
            self.t("tui.col.item"),
            self.t("tui.col.qty"),
            self.t("tui.col.due"),
            self.t("tui.col.status"),
            self.t("tui.col.ready"),
        )
        table.focus()
        self._load()

    # --- loading ---

    @work(thread=True, exclusive=True, group="handover-load")
    def _load(self) -> None:
        try:
            record, ready = self.backend.order_to_hand_over(self.order_number)
        except DomainError as error:
            self.post_message(self.Failed(error))
            return
        self.post_message(self.Loaded(record, ready))

    def on_handover_screen_loaded(self, message: Loaded) -> None:
        first = self.record is None
        self.record = message.record
        self.ready = message.ready
        open_nos = {line.line_no for line in message.record.open_lines}
        if first:
            # What is on the shelf is what the shopkeeper most likely hands over now.
            self.chosen = {
                line.line_no for line in message.record.open_lines if line.line_id in message.ready
            }
        self.chosen &= open_nos
        record = message.record
        self.query_one("#handover-order", Static).update(
            self.t(
                "tui.handover.order",
                code=record.household_code,
                head=mask_name(record.head_name),
                at=f"{local(record.created_at):%Y-%m-%d %H:%M}",
                total=record.total,
            )
        )
        self._fill()
        if not open_nos:
            self.query_one("#handover-help", Label).update(
                self.t("handover.nothing_pending", order=record.number)
            )

    def _fill(self) -> None:
        if self.record is None:
            return
        table = self.query_one("#handover-lines", DataTable)
        row = table.cursor_row
        table.clear()
        for line in self.record.lines:
            style = STATUS_STYLE[line.status]
            cells = (
                "[x]" if line.line_no in self.chosen else ("[ ]" if line.open else ""),
                str(line.line_no),
                line.name,
                str(line.qty),
                f"{local(line.due_at):%m-%d %H:%M}",
                self._status_text(line),
                ""
                if not line.open
                else self.t(
                    "tui.deadlines.ready" if line.line_id in self.ready else "tui.deadlines.waiting"
                ),
            )
            table.add_row(*(Text(cell, style=style) for cell in cells), key=str(line.line_no))
        if self.record.lines:
            table.move_cursor(row=min(row, len(self.record.lines) - 1))

    def _status_text(self, line: FulfilmentLine) -> str:
        if line.status == LineStatus.HANDED and line.handed_at is not None:
            key = "tui.handover.handed_late" if line.late else "tui.handover.handed"
            return self.t(key, at=f"{local(line.handed_at):%m-%d %H:%M}")
        return self.t(f"tui.handover.status.{line.status}")

    def on_handover_screen_failed(self, message: Failed) -> None:
        self.saving = False
        if message.error.key == "stock.short":
            # The domain's words say to record the delivery; here the shopkeeper is told
            # where: the deadline board's restock key (the text names it from the keymap).
            self.kiosk.say(self.t("tui.handover.no_stock", **message.error.params), error=True)
        else:
            self.kiosk.say_error(message.error)
        if self.record is None:
            self.query_one("#handover-order", Static).update(self.kiosk.error_text(message.error))

    # --- choosing lines ---

    def _line_under_cursor(self) -> FulfilmentLine | None:
        if self.record is None or not self.record.lines:
            return None
        table = self.query_one("#handover-lines", DataTable)
        return self.record.lines[min(table.cursor_row, len(self.record.lines) - 1)]

    def action_toggle_line(self) -> None:
        line = self._line_under_cursor()
        if line is None or not line.open:
            return
        self.chosen ^= {line.line_no}
        self._fill()

    @on(DataTable.RowSelected, "#handover-lines")
    def _row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_toggle_line()

    # --- handing over ---

    def action_deliver(self) -> None:
        if self.record is None or self.saving:
            return
        self.saving = True
        self.kiosk.say(self.t("tui.handover.saving"))
        self._deliver(sorted(self.chosen))

    @work(thread=True, exclusive=True, group="handover-save")
    def _deliver(self, line_nos: list[int]) -> None:
        operator = self.kiosk.operator
        if operator is None:
            return
        try:
            # An empty choice: the service says to choose at least one line.
            result = self.backend.hand_over(self.order_number, line_nos, operator.id)
        except DomainError as error:
            self.post_message(self.Failed(error))
            return
        # Counted here, in the same worker: the counts bars change with the message saying
        # the goods were handed over, not a recount later.
        self.post_message(self.Delivered(result, self.backend.deadline_counts()))

    def on_handover_screen_delivered(self, message: Delivered) -> None:
        self.saving = False
        result = message.result
        self.kiosk.say(
            self.t("tui.handover.done", count=len(result.handed), late=result.late_count)
        )
        self.kiosk.start_printing()
        self.kiosk.show_counts(message.counts)
        self.chosen = set()
        self._load()

    # --- cancelling (administrators: it refunds points) ---

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_line":
            operator = self.kiosk.operator
            return operator is not None and operator.role in CANCELLING_ROLES
        return True

    def action_cancel_line(self) -> None:
        line = self._line_under_cursor()
        if line is None or not line.open:
            return
        line_no = line.line_no

        def reason_given(reason: str | None) -> None:
            if reason is not None:
                self._cancel(line_no, reason)

        self.app.push_screen(CancelLineDialog(line.name, line.points), reason_given)

    @work(thread=True, exclusive=True, group="handover-save")
    def _cancel(self, line_no: int, reason: str) -> None:
        operator = self.kiosk.operator
        if operator is None:
            return
        try:
            result = self.backend.cancel_line(self.order_number, line_no, reason, operator.id)
        except DomainError as error:
            self.post_message(self.Failed(error))
            return
        self.post_message(self.Cancelled(result, self.backend.deadline_counts()))

    def on_handover_screen_cancelled(self, message: Cancelled) -> None:
        result = message.result
        self.kiosk.say(
            self.t(
                "tui.cancel.done",
                name=result.line.name,
                points=result.refunded,
                balance=result.balance_after,
            )
        )
        self.kiosk.show_counts(message.counts)
        self._load()

    def action_order_receipt(self) -> None:
        self.kiosk.open_screen("receipt", self.order_number)

    def action_back(self) -> None:
        self.app.pop_screen()


class CancelLineDialog(KioskDialog[str | None]):
    """The reason for cancelling a line; dismisses with it, or None to keep the line."""

    CSS_PATH = "handover.tcss"
    WIDGET_KEYS = ("submit",)
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("cancel", "keep"),
    ]

    def __init__(self, name: str, points: int) -> None:
        super().__init__()
        self.line_name = name
        self.points = points

    def compose(self) -> ComposeResult:
        with Vertical(id="cancel-box"):
            yield Label(
                self.t("tui.cancel.title", name=self.line_name, points=self.points),
                id="cancel-title",
            )
            yield Input(placeholder=self.t("tui.cancel.reason"), id="cancel-reason")
            yield Label(self.t("tui.cancel.help"), id="cancel-help")
        yield MessageLine()

    def on_mount(self) -> None:
        self.query_one("#cancel-reason", Input).focus()

    @on(Input.Submitted, "#cancel-reason")
    def _reason_entered(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)  # an empty reason is refused by the service, with its message

    def action_keep(self) -> None:
        self.dismiss(None)
