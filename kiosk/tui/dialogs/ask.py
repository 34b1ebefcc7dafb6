"""A yes-or-no question before something is lost (an unconfirmed cart): keeping is the default."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from kiosk.tui.bindings import bind
from kiosk.tui.dialogs.base import KioskDialog
from kiosk.tui.widgets.message_line import MessageLine


class AskDialog(KioskDialog[bool]):
    """Dismisses with True only when the operator chooses `yes`; Esc or Enter keeps things."""

    CSS_PATH = "ask.tcss"
    WIDGET_KEYS = ("submit",)
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("cancel", "keep"),
        bind("switch", "switch", show=False),
    ]

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Label(self.question, id="ask-question")
            with Horizontal(id="ask-buttons"):
                yield Button(self.no, variant="primary", id="no")
                yield Button(self.yes, variant="error", id="yes")
        yield MessageLine()

    def on_mount(self) -> None:
        # The safe answer has the focus: a stray Enter (a scanner's) keeps the cart.
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_switch(self) -> None:
        self.focus_next(Button)

    def action_keep(self) -> None:
        self.dismiss(False)
