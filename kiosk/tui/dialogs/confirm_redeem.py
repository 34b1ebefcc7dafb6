"""The last look before an order commits: lines, what is handed over now, total and balance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Label

from kiosk.tui.bindings import bind
from kiosk.tui.dialogs.base import KioskDialog
from kiosk.tui.widgets.message_line import MessageLine


@dataclass(frozen=True)
class ConfirmLine:
    name: str
    qty: int
    points: int
    hand_over: bool
    due_days: int


class ConfirmRedeemDialog(KioskDialog[bool]):
    """Dismisses with True to commit the order, False to go back to the cart."""

    CSS_PATH = "confirm_redeem.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("confirm", "confirm", priority=True),
        bind("cancel", "cancel"),
    ]

    def __init__(
        self, household_line: str, lines: list[ConfirmLine], total: int, balance: int
    ) -> None:
        super().__init__()
        self.household_line = household_line
        self.lines = lines
        self.total = total
        self.balance = balance

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(self.t("tui.confirm.title"), id="confirm-title")
            yield Label(self.household_line)
            table: DataTable[str] = DataTable(id="confirm-lines", cursor_type="none")
            yield table
            yield Label(
                self.t(
                    "tui.confirm.totals",
                    total=self.total,
                    before=self.balance,
                    after=self.balance - self.total,
                ),
                id="confirm-totals",
            )
            with Horizontal(id="confirm-buttons"):
                yield Button(self.t("tui.confirm.yes"), variant="success", id="yes")
                yield Button(self.t("tui.confirm.no"), variant="default", id="no")
        yield MessageLine()

    def on_mount(self) -> None:
        table = self.query_one("#confirm-lines", DataTable)
        table.add_columns(
            self.t("tui.col.item"),
            self.t("tui.col.qty"),
            self.t("tui.col.points"),
            self.t("tui.col.state"),
        )
        for line in self.lines:
            state = (
                self.t("tui.redeem.handed")
                if line.hand_over
                else self.t("tui.redeem.pending_days", days=line.due_days)
            )
            table.add_row(line.name, str(line.qty), str(line.points), state)
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
