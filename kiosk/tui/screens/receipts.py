"""Recent orders and the print queue: preview, reprint, and retry a printer that failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Label

from kiosk.core.clock import local
from kiosk.services.counter import OrderSummary
from kiosk.tui.bindings import bind
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class ReceiptsScreen(KioskScreen):
    CSS_PATH = "receipts.tcss"
    HOWTO = "tui.help.howto.receipts"
    WIDGET_KEYS = ("submit", "move")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("reprint", "reprint"),
        bind("retry-print", "retry"),
        bind("back", "back"),
    ]

    @dataclass
    class Loaded(Message):
        orders: list[OrderSummary]

    def __init__(self, household_code: str | None = None) -> None:
        super().__init__()
        self.household_code = household_code
        self.orders: list[OrderSummary] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t("tui.receipts.title"), id="receipts-title")
        table: DataTable[str] = DataTable(id="orders", cursor_type="row", zebra_stripes=True)
        yield table
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#orders", DataTable)
        table.add_columns(
            self.t("tui.col.order"),
            self.t("tui.col.code"),
            self.t("tui.col.time"),
            self.t("tui.col.points"),
            self.t("tui.col.print"),
        )
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="orders")
    def _load(self) -> None:
        orders = self.backend.recent_orders()
        if self.household_code:
            orders = [o for o in orders if o.household_code == self.household_code]
        self.post_message(self.Loaded(orders))

    def on_receipts_screen_loaded(self, message: Loaded) -> None:
        self.orders = message.orders
        table = self.query_one("#orders", DataTable)
        row = table.cursor_row
        table.clear()
        for order in message.orders:
            table.add_row(
                order.number,
                order.household_code,
                f"{local(order.created_at):%m-%d %H:%M}",
                str(order.total),
                self.t(f"tui.print.{order.print_status}"),
                key=order.number,
            )
        if message.orders:
            table.move_cursor(row=min(row, len(message.orders) - 1))

    def _selected(self) -> str | None:
        table = self.query_one("#orders", DataTable)
        if not self.orders:
            return None
        return self.orders[min(table.cursor_row, len(self.orders) - 1)].number

    @on(DataTable.RowSelected, "#orders")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.kiosk.open_screen("receipt", str(event.row_key.value))

    def action_reprint(self) -> None:
        if number := self._selected():
            self._reprint(number)

    @work(thread=True, exclusive=True, group="reprint")
    def _reprint(self, number: str) -> None:
        self.backend.reprint(number)
        self.app.call_from_thread(self._reprinted, number)

    def _reprinted(self, number: str) -> None:
        self.kiosk.say(self.t("tui.receipt.reprint_queued", number=number))
        self.kiosk.start_printing()
        self.reload()

    def action_retry(self) -> None:
        self.kiosk.say(self.t("tui.print.retrying"))
        self.kiosk.start_printing()  # the app reloads this list when the printer answers

    def action_back(self) -> None:
        self.app.pop_screen()
