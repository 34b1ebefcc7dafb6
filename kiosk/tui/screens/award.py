"""Award and deduct (village administrators): household, rule, quantity, helper, preview, confirm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.core.errors import DomainError
from kiosk.core.ledger import EntryView
from kiosk.services.administration import (
    AdminHousehold,
    AwardPreview,
    RuleChoice,
    search_rules,
)
from kiosk.tui.bindings import bind
from kiosk.tui.screens.base import AdminScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class AwardScreen(AdminScreen):
    CSS_PATH = "award.tcss"
    WIDGET_KEYS = ("submit", "move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("award", "confirm"),
        bind("find", "focus_household"),
        bind("back", "back"),
    ]

    @dataclass
    class RulesLoaded(Message):
        choices: list[RuleChoice]

    @dataclass
    class HouseholdFound(Message):
        field: str  # "household" or "helper"
        household: AdminHousehold | None
        error: DomainError | None = None

    @dataclass
    class Previewed(Message):
        request: tuple[object, ...]
        preview: AwardPreview

    @dataclass
    class Awarded(Message):
        entries: list[EntryView]
        error: DomainError | None = None

    def __init__(self, household_code: str | None = None) -> None:
        super().__init__()
        self.initial_code = household_code
        self.choices: list[RuleChoice] = []
        self.household: AdminHousehold | None = None
        self.helper: AdminHousehold | None = None
        self.rule: RuleChoice | None = None
        self.preview: AwardPreview | None = None
        self.busy = False  # a confirmed award is being written: a second F10 must not repeat it

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t("tui.award.title"), id="award-title")
        with Horizontal(id="award"):
            with Vertical(id="award-left"):
                yield Label(self.t("tui.award.household"))
                yield Input(placeholder=self.t("tui.award.code_placeholder"), id="household")
                yield Static("", id="household-info")
                yield Label(self.t("tui.award.helper"))
                yield Input(placeholder=self.t("tui.award.helper_placeholder"), id="helper")
                yield Static("", id="helper-info")
                yield Label(self.t("tui.award.qty"))
                yield Input("1", restrict=r"[0-9]*", max_length=5, id="qty")
                yield Static("", id="preview")
            with Vertical(id="award-right"):
                yield Input(placeholder=self.t("tui.award.rule_placeholder"), id="rule-search")
                yield OptionList(id="rules")
        yield MessageLine()
        yield Footer()

    def start(self) -> None:
        self._load_rules(self.operator_village)
        household = self.query_one("#household", Input)
        household.focus()
        if self.initial_code:
            household.value = self.initial_code
            self._find("household", self.initial_code)

    def accept_scan(self, payload: str) -> bool:
        """A scanned card while this screen is open names the household being awarded."""
        self.query_one("#household", Input).value = payload
        self._find("household", payload)
        return True

    # --- rules ---

    @work(thread=True, exclusive=True, group="award-rules")
    def _load_rules(self, village_id: str | None) -> None:
        # A street administrator's list before a household is chosen: this kiosk's village's.
        chosen = village_id or self.backend.kiosk_village() or ""
        self.post_message(self.RulesLoaded(self.backend.admin.rule_choices(chosen)))

    def on_award_screen_rules_loaded(self, message: RulesLoaded) -> None:
        self.choices = message.choices
        self._show_rules(self.query_one("#rule-search", Input).value)

    def _show_rules(self, query: str) -> None:
        rules = self.query_one("#rules", OptionList)
        rules.clear_options()
        category = None
        for choice in search_rules(query, self.choices):
            if choice.category != category:
                category = choice.category
                rules.add_option(Option(f"── {category} ──", disabled=True))
            sign = "+" if choice.points > 0 else ""
            rules.add_option(Option(f"{sign}{choice.points:<4} {choice.label}", id=choice.id))

    @on(Input.Changed, "#rule-search")
    def _rule_query(self, event: Input.Changed) -> None:
        self._show_rules(event.value)

    @on(Input.Submitted, "#rule-search")
    def _rule_query_done(self, _event: Input.Submitted) -> None:
        rules = self.query_one("#rules", OptionList)
        rules.focus()
        if rules.highlighted is None:
            rules.action_first()

    @on(OptionList.OptionSelected, "#rules")
    def _rule_chosen(self, event: OptionList.OptionSelected) -> None:
        self.rule = next((c for c in self.choices if c.id == event.option.id), None)
        qty = self.query_one("#qty", Input)
        takes_quantity = self.rule is not None and self.rule.takes_quantity
        qty.disabled = not takes_quantity
        if not takes_quantity:
            qty.value = "1"
        else:
            qty.focus()
        self.refresh_preview()

    # --- households ---

    @on(Input.Submitted, "#household")
    def _household_typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._find("household", event.value)

    @on(Input.Submitted, "#helper")
    def _helper_typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._find("helper", event.value)
        else:
            self.helper = None
            self.query_one("#helper-info", Static).update("")
            self.refresh_preview()

    @work(thread=True, group="award-find")
    def _find(self, field: str, raw: str) -> None:
        try:
            found = self.backend.admin.find_household(raw, self.operator_id)
        except DomainError as error:
            self.post_message(self.HouseholdFound(field, None, error))
            return
        self.post_message(self.HouseholdFound(field, found))

    def on_award_screen_household_found(self, message: HouseholdFound) -> None:
        info = self.query_one(f"#{message.field}-info", Static)
        info.update(self.household_text(message.household, message.error))
        if message.household is None:
            if message.field == "household":
                self.household = None
            else:
                self.helper = None
            self.refresh_preview()
            return
        found = message.household
        if message.field == "household":
            self.household = found
            self._load_rules(found.village_id)
            self.query_one("#rule-search", Input).focus()
        else:
            self.helper = found
        self.refresh_preview()

    @on(Input.Changed, "#qty")
    def _qty_changed(self, _event: Input.Changed) -> None:
        self.refresh_preview()

    # --- preview and confirm ---

    def _request(self) -> tuple[str, str, int, str | None] | None:
        qty_text = self.query_one("#qty", Input).value.strip()
        if self.household is None or self.rule is None or not qty_text:
            return None
        return (
            self.household.id,
            self.rule.id,
            int(qty_text),
            self.helper.id if self.helper else None,
        )

    def refresh_preview(self) -> None:
        request = self._request()
        self.preview = None
        if request is None:
            self.query_one("#preview", Static).update(self.t("tui.award.choose"))
            return
        self._preview(request)

    @work(thread=True, exclusive=True, group="award-preview")
    def _preview(self, request: tuple[str, str, int, str | None]) -> None:
        household_id, rule_id, quantity, helper_id = request
        preview = self.backend.admin.preview_award(
            household_id=household_id,
            rule_id=rule_id,
            quantity=quantity,
            helper_id=helper_id,
            operator_id=self.operator_id,
        )
        self.post_message(self.Previewed(request, preview))

    def on_award_screen_previewed(self, message: Previewed) -> None:
        if message.request != self._request():
            return  # the form changed while the rules were being asked
        self.preview = message.preview
        self.query_one("#preview", Static).update(self.preview_text(message.preview))

    def preview_text(self, preview: AwardPreview) -> str:
        if preview.refusal is not None:
            return self.t("tui.award.refused", reason=self.kiosk.error_text(preview.refusal))
        if preview.kind == "warning":
            text = self.t("tui.award.will_warn", note=preview.note)
        elif preview.points < 0:
            text = self.t("tui.award.will_deduct", points=-preview.points)
        else:
            text = self.t("tui.award.will_add", points=preview.points)
        if preview.note and preview.kind != "warning":
            text += f"（{preview.note}）"
        if preview.helper_points is not None and self.helper is not None:
            text += "\n" + self.t(
                "tui.award.helper_too", code=self.helper.code, points=preview.helper_points
            )
        return text + "\n" + self.t("tui.award.press_confirm")

    def action_confirm(self) -> None:
        request = self._request()
        if self.busy or request is None or self.preview is None:
            return
        if self.preview.refusal is not None:
            self.kiosk.say_error(self.preview.refusal)
            return
        preview = self.preview
        if preview.kind == "warning":
            what = self.t("tui.award.will_warn", note=preview.note)
        elif preview.points < 0:
            what = self.t("tui.award.will_deduct", points=-preview.points)
        else:
            what = self.t("tui.award.will_add", points=preview.points)
        code = self.household.code if self.household else ""

        def go() -> None:
            if self.busy or self._request() != request:
                return  # the form changed while the question was open
            self.busy = True
            self._confirm(request)

        self.confirm_then(self.t("tui.decide.award", code=code, what=what), go)

    @work(thread=True, exclusive=True, group="award-confirm")
    def _confirm(self, request: tuple[str, str, int, str | None]) -> None:
        household_id, rule_id, quantity, helper_id = request
        try:
            entries = self.backend.admin.confirm_award(
                household_id=household_id,
                rule_id=rule_id,
                quantity=quantity,
                helper_id=helper_id,
                operator_id=self.operator_id,
            )
        except DomainError as error:
            self.post_message(self.Awarded([], error))
            return
        self.post_message(self.Awarded(entries))

    def on_award_screen_awarded(self, message: Awarded) -> None:
        self.busy = False
        if message.error is not None:
            self.kiosk.say_error(message.error)
            self.refresh_preview()
            return
        points = ", ".join(f"{entry.points:+d}" for entry in message.entries)
        self.kiosk.say(self.t("tui.award.done", points=points))
        # Start the next award from a clean rule and helper; the household stays chosen.
        self.rule = None
        self.helper = None
        self.query_one("#helper", Input).value = ""
        self.query_one("#helper-info", Static).update("")
        self.query_one("#qty", Input).value = "1"
        self.query_one("#rules", OptionList).highlighted = None
        if self.household is not None:
            self._find("household", self.household.code)
        self.query_one("#rule-search", Input).focus()

    def action_focus_household(self) -> None:
        self.query_one("#household", Input).focus()
