"""The locked screen: choose an operator, type the PIN; nothing else works until then."""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.core.errors import DomainError
from kiosk.core.masking import mask_name
from kiosk.services.counter import OperatorChoice, SignedIn
from kiosk.tui.dialogs.change_pin import ChangePinDialog
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar

MAX_PIN_LENGTH = 8


class SignInScreen(KioskScreen):
    CSS_PATH = "signin.tcss"
    WIDGET_KEYS = ("submit", "move")

    @dataclass
    class Verified(Message):
        operator: SignedIn
        pin: str  # the one-time PIN, when the operator must replace it

    @dataclass
    class Rejected(Message):
        error: DomainError

    @dataclass
    class OperatorsLoaded(Message):
        operators: list[OperatorChoice]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="signin-box"):
            yield Label(self.t("tui.signin.title"), id="signin-title")
            yield Label(self.t("tui.signin.choose"))
            yield OptionList(id="operators")
            yield Label(self.t("tui.signin.pin"), id="pin-label")
            yield Input(
                password=True,
                max_length=MAX_PIN_LENGTH,
                restrict=r"[0-9]*",
                id="pin",
                placeholder=self.t("tui.signin.pin_placeholder"),
            )
            yield Static("", id="signin-message")
            if self.kiosk.settings.demo:
                yield Static(self.t("tui.signin.demo_pins"), id="demo-pins")
        yield MessageLine()
        yield Footer()

    def __init__(self) -> None:
        super().__init__()
        self.operators: list[OperatorChoice] = []

    def on_mount(self) -> None:
        self.query_one("#operators", OptionList).focus()
        self._load_operators()

    @work(thread=True, exclusive=True)
    def _load_operators(self) -> None:
        self.post_message(self.OperatorsLoaded(self.backend.operators()))

    def on_sign_in_screen_operators_loaded(self, message: OperatorsLoaded) -> None:
        options = self.query_one("#operators", OptionList)
        options.clear_options()
        self.operators = message.operators
        for choice in message.operators:
            label = f"{choice.name}  {self.t(f'role.{choice.role}')}"
            if choice.village:
                label += f"  {choice.village}"
            if choice.demo_pin:
                label += f"  (PIN {choice.demo_pin})"
            options.add_option(Option(label, id=choice.id))
        if message.operators:
            options.highlighted = 0
        else:
            # A fresh database: nobody can sign in until the street office's data arrives.
            self._show(self.t("tui.signin.no_operators"))

    @on(OptionList.OptionSelected, "#operators")
    def _operator_chosen(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(OptionList.OptionHighlighted, "#operators")
    def _operator_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # The PIN box names whose PIN it takes: a PIN typed under someone else's row is
        # "wrong" and counts against that operator.
        choice = next((c for c in self.operators if c.id == event.option.id), None)
        label = self.query_one("#pin-label", Label)
        if choice is None:
            label.update(self.t("tui.signin.pin"))
            return
        label.update(
            self.t(
                "tui.signin.pin_of",
                name=mask_name(choice.name),
                role=self.t(f"role.{choice.role}"),
            )
        )

    @on(Input.Submitted, "#pin")
    def _pin_entered(self, event: Input.Submitted) -> None:
        options = self.query_one("#operators", OptionList)
        if options.highlighted is None:
            self._show(self.t("tui.signin.choose_first"))
            options.focus()
            return
        option = options.get_option_at_index(options.highlighted)
        assert option.id is not None
        self._verify(option.id, event.value)

    @work(thread=True, exclusive=True, group="signin")
    def _verify(self, operator_id: str, pin: str) -> None:
        # scrypt is deliberately slow: off the UI thread.
        try:
            operator = self.backend.sign_in(operator_id, pin)
        except DomainError as error:
            self.post_message(self.Rejected(error))
            return
        self.post_message(self.Verified(operator, pin if operator.must_change_pin else ""))

    def on_sign_in_screen_verified(self, message: Verified) -> None:
        pin = self.query_one("#pin", Input)
        pin.value = ""
        self._show("")
        # The last sign-out's words are not for the next operator.
        self.query_one(MessageLine).show("")
        operator = message.operator
        if not operator.must_change_pin:
            self.kiosk.signed_in(operator)
            return

        def chosen(changed: bool | None) -> None:
            if changed:
                self.kiosk.signed_in(replace(operator, must_change_pin=False))
                self.kiosk.say(self.t("tui.pin.changed"))
            else:
                self._show(self.t("tui.pin.given_up"))

        self.app.push_screen(ChangePinDialog(operator, message.pin), chosen)

    def on_sign_in_screen_rejected(self, message: Rejected) -> None:
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()
        self._show(self.kiosk.error_text(message.error))

    def _show(self, text: str) -> None:
        self.query_one("#signin-message", Static).update(text)
        if text:
            self.kiosk.last_message = text

    def on_screen_resume(self) -> None:
        self.query_one("#pin", Input).value = ""
        self.query_one("#operators", OptionList).focus()

    def start_over(self) -> None:
        """After a sign-out: the next person starts from the first row (a shopkeeper), not
        from the row of whoever signed in last (often an administrator, whose PIN the
        shopkeeper's would then be checked against, and counted wrong)."""
        self.query_one("#pin", Input).value = ""
        self._show("")
        options = self.query_one("#operators", OptionList)
        if options.option_count:
            options.highlighted = 0
        options.focus()
