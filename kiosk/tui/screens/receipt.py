"""One order and its receipt as the paper shows it; reprint from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Static

from kiosk.core.clock import local
from kiosk.core.errors import DomainError
from kiosk.core.redemption import RedeemResult
from kiosk.tui.bindings import bind
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class ReceiptScreen(KioskScreen):
    CSS_PATH = "receipt.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("reprint", "reprint"),
        bind("back", "back"),
    ]

    @dataclass
    class Loaded(Message):
        order: RedeemResult
        paper: str

    @dataclass
    class Failed(Message):
        error: DomainError

    def __init__(self, order_number: str) -> None:
        super().__init__()
        self.order_number = order_number
        self.paper = ""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="receipt-panes"):
            yield Static(self.t("tui.receipt.loading"), id="order-info")
            with VerticalScroll(id="paper-scroll"):
                yield Static("", id="paper")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        paper = self.query_one("#paper-scroll")
        # The roll, plus border, padding and the scrollbar.
        paper.styles.width = self.kiosk.settings.columns + 6
        paper.focus()
        self._load()

    @work(thread=True, exclusive=True, group="receipt")
    def _load(self) -> None:
        try:
            order, paper = self.backend.receipt_preview(self.order_number)
        except DomainError as error:
            self.post_message(self.Failed(error))
            return
        self.post_message(self.Loaded(order, paper))

    def on_receipt_screen_loaded(self, message: Loaded) -> None:
        order = message.order
        self.paper = message.paper
        lines = [
            self.t("tui.receipt.number", number=order.number),
            self.t("tui.receipt.household", code=order.household_code),
            self.t("tui.receipt.time", at=f"{local(order.created_at):%Y-%m-%d %H:%M}"),
            self.t("tui.receipt.total", total=order.total),
            self.t("tui.receipt.balance", before=order.balance_before, after=order.balance_after),
            "",
        ]
        for line in order.lines:
            # As the receipt: handed over at the counter, or owed then (and when it was
            # handed over later, if it was).
            if line.at_counter:
                state = self.t("tui.redeem.handed")
            else:
                state = self.t("tui.receipt.due", due=f"{local(line.due_at):%m-%d %H:%M}")
                if line.handed_at is not None:
                    handed = f"{local(line.handed_at):%m-%d %H:%M}"
                    state += self.t("tui.receipt.handed_later", at=handed)
            lines.append(f"{line.name} x{line.qty}  {line.points}  {state}")
        self.query_one("#order-info", Static).update("\n".join(lines))
        self.query_one("#paper", Static).update(message.paper)

    def on_receipt_screen_failed(self, message: Failed) -> None:
        self.kiosk.say_error(message.error)
        self.query_one("#order-info", Static).update(self.kiosk.error_text(message.error))

    def action_reprint(self) -> None:
        self._reprint()

    @work(thread=True, exclusive=True, group="reprint")
    def _reprint(self) -> None:
        try:
            self.backend.reprint(self.order_number)
        except DomainError as error:
            self.app.call_from_thread(self.kiosk.say_error, error)
            return
        self.app.call_from_thread(self._reprinted)

    def _reprinted(self) -> None:
        self.kiosk.say(self.t("tui.receipt.reprint_queued", number=self.order_number))
        self.kiosk.start_printing()
        self._load()

    def action_back(self) -> None:
        self.app.pop_screen()
