"""The first sign-in with the office's one-time PIN: the operator chooses a PIN of their own.

The one-time PIN was printed or read out by the office, so others may know it; until a new
one is chosen nothing else opens. The new PIN is typed twice (a mistyped PIN would lock its
owner out), checked by the register's rules (six digits, not 000000 or 123456, not the old
one) and stored on this kiosk only (kiosk.services.register.change_pin).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label

from kiosk.core.errors import DomainError
from kiosk.core.pins import PIN_DIGITS
from kiosk.services.counter import SignedIn
from kiosk.tui.bindings import bind
from kiosk.tui.dialogs.base import KioskDialog
from kiosk.tui.widgets.message_line import MessageLine


class ChangePinDialog(KioskDialog[bool]):
    """Dismisses with True once the new PIN is stored, False when the operator gives up."""

    CSS_PATH = "change_pin.tcss"
    WIDGET_KEYS = ("submit",)
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("cancel", "give_up"),
    ]

    @dataclass
    class Changed(Message):
        pass

    @dataclass
    class Refused(Message):
        error: DomainError

    def __init__(self, operator: SignedIn, one_time_pin: str) -> None:
        super().__init__()
        self.operator = operator
        self.one_time_pin = one_time_pin

    def compose(self) -> ComposeResult:
        with Vertical(id="change-pin-box"):
            yield Label(self.t("tui.pin.title", name=self.operator.name), id="change-pin-title")
            yield Label(self.t("tui.pin.why", digits=PIN_DIGITS), id="change-pin-why")
            yield Label(self.t("tui.pin.new"))
            yield self._pin_input("new-pin")
            yield Label(self.t("tui.pin.again"))
            yield self._pin_input("repeat-pin")
        yield MessageLine()

    def _pin_input(self, input_id: str) -> Input:
        return Input(
            password=True,
            max_length=PIN_DIGITS,
            restrict=r"[0-9]*",
            id=input_id,
            placeholder=self.t("tui.signin.pin_placeholder"),
        )

    def on_mount(self) -> None:
        self.query_one("#new-pin", Input).focus()

    @on(Input.Submitted, "#new-pin")
    def _first_typed(self) -> None:
        self.query_one("#repeat-pin", Input).focus()

    @on(Input.Submitted, "#repeat-pin")
    def _second_typed(self) -> None:
        new = self.query_one("#new-pin", Input).value
        if new != self.query_one("#repeat-pin", Input).value:
            self._start_again(self.t("tui.pin.differ"))
            return
        self._store(new)

    @work(thread=True, exclusive=True, group="change-pin")
    def _store(self, new_pin: str) -> None:
        # scrypt, twice: off the UI thread.
        try:
            self.kiosk.backend.change_pin(self.operator.id, self.one_time_pin, new_pin)
        except DomainError as error:
            self.post_message(self.Refused(error))
            return
        self.post_message(self.Changed())

    def on_change_pin_dialog_changed(self, _message: Changed) -> None:
        self.dismiss(True)

    def on_change_pin_dialog_refused(self, message: Refused) -> None:
        self._start_again(self.kiosk.error_text(message.error))

    def _start_again(self, why: str) -> None:
        for input_id in ("#new-pin", "#repeat-pin"):
            self.query_one(input_id, Input).value = ""
        self.query_one("#new-pin", Input).focus()
        self.kiosk.say(why, error=True)

    def action_give_up(self) -> None:
        self.dismiss(False)
