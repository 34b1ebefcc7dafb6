"""Declarations (自主申报 / 互助申报): the pending list of the village to approve or reject, and
filing a new one (the household by code, by scan or from a photo of its card)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.core.clock import local
from kiosk.core.declarations import DeclarationView
from kiosk.core.errors import DomainError
from kiosk.core.masking import mask_name
from kiosk.services.administration import AdminHousehold, RuleChoice, search_rules
from kiosk.tui.bindings import bind
from kiosk.tui.screens.admin import evidence_dir_for
from kiosk.tui.screens.base import AdminScreen
from kiosk.tui.screens.decisions import DecisionListScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class DeclarationsScreen(DecisionListScreen[DeclarationView]):
    """The village's pending declarations: approve (awards through `award`) or reject."""

    TITLE_KEY = "tui.decl.title"
    EMPTY_KEY = "tui.decl.empty"
    NOTE_KEY = "tui.decl.reason"
    # Numbers before the long texts: at 80 columns a rule's text may run off, a count never.
    COLUMN_KEYS = (
        "tui.col.date",
        "tui.col.code",
        "tui.col.head",
        "tui.col.qty",
        "tui.col.photos",
        "tui.col.helper",
        "tui.col.rule",
        "tui.col.description",
    )
    LIST_ID = "pending"
    NOTE_ID = "reason"
    HOWTO = "tui.help.howto.decisions"
    WIDGET_KEYS = ("move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("approve", "approve"),
        bind("reject", "reject"),
        bind("file-declaration", "file"),
        bind("refresh", "refresh"),
        bind("back", "back"),
    ]

    def load(self) -> list[DeclarationView]:
        return self.backend.admin.pending_declarations(self.operator_village)

    def cells(self, item: DeclarationView) -> tuple[str, ...]:
        return (
            f"{local(item.created_at):%m-%d %H:%M}",
            item.household_code,
            mask_name(item.household_head),
            str(item.quantity),
            str(len(item.evidence)),
            item.helper_code or "",
            f"{item.rule_id} {item.rule_text}",
            item.description,
        )

    def key_of(self, item: DeclarationView) -> str:
        return item.id

    def decided_text(self, item: DeclarationView) -> str:
        if item.replayed:
            return self.t("tui.decl.replayed")
        if item.status == "approved":
            return self.t("tui.decl.approved", points=item.points)
        return self.t("tui.decl.rejected")

    def action_approve(self) -> None:
        operator_id = self.operator_id
        self.decide(
            lambda item: self.backend.admin.decide_declaration(item.id, operator_id),
            lambda item: self.t(
                "tui.decide.approve",
                code=item.household_code,
                rule=f"{item.rule_id} {item.rule_text}",
                qty=item.quantity,
            ),
        )

    def action_reject(self) -> None:
        operator_id, reason = self.operator_id, self.note
        self.decide(
            lambda item: self.backend.admin.decide_declaration(item.id, operator_id, reason=reason)
        )

    def action_file(self) -> None:
        self.kiosk.open_screen("file-declaration")

    def action_refresh(self) -> None:
        self.reload()


class FileDeclarationScreen(AdminScreen):
    """Filing a declaration for a villager at the committee's terminal or the kiosk."""

    CSS_PATH = "decisions.tcss"
    WIDGET_KEYS = ("submit", "move", "next-field")
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("save", "confirm"),
        bind("back", "back"),
    ]

    @dataclass
    class HouseholdFound(Message):
        field: str
        household: AdminHousehold | None
        error: DomainError | None = None

    @dataclass
    class Filed(Message):
        declaration: DeclarationView | None
        error: DomainError | None = None

    @dataclass
    class RulesLoaded(Message):
        choices: list[RuleChoice]

    def __init__(self) -> None:
        super().__init__()
        self.choices: list[RuleChoice] = []
        self.rule: RuleChoice | None = None
        self.household: AdminHousehold | None = None
        self.helper: AdminHousehold | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t("tui.decl.file_title"), id="declarations-title")
        # Every field has its label above it (a placeholder goes once the field is filled);
        # the form scrolls on a short terminal and Tab brings each field into view.
        with VerticalScroll(id="declaration-form"):
            with Horizontal(classes="field-pair"):
                with Vertical():
                    yield Label(self.t("tui.award.household"), classes="field-label")
                    yield Input(placeholder=self.t("tui.award.code_placeholder"), id="household")
                with Vertical():
                    yield Label(self.t("tui.decl.card_photo"), classes="field-label")
                    yield Input(placeholder=self.t("tui.decl.card_photo"), id="card-photo")
            yield Static("", id="household-info")
            with Horizontal(classes="field-pair"):
                with Vertical():
                    yield Label(self.t("tui.award.helper"), classes="field-label")
                    yield Input(placeholder=self.t("tui.award.helper_placeholder"), id="helper")
                with Vertical():
                    yield Label(self.t("tui.award.qty"), classes="field-label")
                    yield Input("1", restrict=r"[0-9]*", max_length=5, id="qty")
            yield Static("", id="helper-info")
            yield Label(self.t("tui.decl.rule_label"), classes="field-label")
            yield Input(placeholder=self.t("tui.award.rule_placeholder"), id="rule-search")
            yield OptionList(id="rules")
            yield Static(self.t("tui.decl.rule_none"), id="rule-info")
            yield Label(self.t("tui.decl.description"), classes="field-label")
            yield Input(placeholder=self.t("tui.decl.description"), id="description")
            yield Label(self.t("tui.decl.photos"), classes="field-label")
            yield Input(placeholder=self.t("tui.decl.photos"), id="photos")
        yield MessageLine()
        yield Footer()

    def start(self) -> None:
        self.query_one("#household", Input).focus()
        self._load_rules(self.operator_village)

    # --- the rule, searched as on the award screen ---

    @work(thread=True, exclusive=True, group="declaration-rules")
    def _load_rules(self, village_id: str | None) -> None:
        chosen = village_id or self.backend.kiosk_village() or ""
        # Only the positive list is declared (自主申报 / 互助申报 of a good deed).
        choices = [c for c in self.backend.admin.rule_choices(chosen) if c.points > 0]
        self.post_message(self.RulesLoaded(choices))

    def on_file_declaration_screen_rules_loaded(self, message: RulesLoaded) -> None:
        self.choices = message.choices
        self._show_rules(self.query_one("#rule-search", Input).value)

    def _show_rules(self, query: str) -> None:
        rules = self.query_one("#rules", OptionList)
        rules.clear_options()
        for choice in search_rules(query, self.choices):
            rules.add_option(Option(f"+{choice.points:<4} {choice.label}", id=choice.id))

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
        self.query_one("#rule-info", Static).update(
            self.t("tui.decl.rule_chosen", rule=self.rule.label)
            if self.rule
            else self.t("tui.decl.rule_none")
        )
        self.query_one("#description", Input).focus()

    def accept_scan(self, payload: str) -> bool:
        self.query_one("#household", Input).value = payload
        self._find("household", payload, photo=False)
        return True

    @on(Input.Submitted, "#household")
    def _household(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._find("household", event.value.strip(), photo=False)

    @on(Input.Submitted, "#card-photo")
    def _card_photo(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._find("household", event.value.strip(), photo=True)

    @on(Input.Submitted, "#helper")
    def _helper(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._find("helper", event.value.strip(), photo=False)
        else:
            self.helper = None
            self.query_one("#helper-info", Static).update("")

    @work(thread=True, group="declaration-find")
    def _find(self, field: str, raw: str, *, photo: bool) -> None:
        try:
            found = (
                self.backend.admin.household_from_photo(Path(raw), self.operator_id)
                if photo
                else self.backend.admin.find_household(raw, self.operator_id)
            )
        except DomainError as error:
            self.post_message(self.HouseholdFound(field, None, error))
            return
        self.post_message(self.HouseholdFound(field, found))

    def on_file_declaration_screen_household_found(self, message: HouseholdFound) -> None:
        found = message.household
        self.query_one(f"#{message.field}-info", Static).update(
            self.household_text(found, message.error)
        )
        if found is not None and message.field == "household":
            self.query_one("#household", Input).value = found.code
        if message.field == "household":
            self.household = found
        else:
            self.helper = found

    def action_confirm(self) -> None:
        if self.busy:
            return
        if self.household is None:
            self.kiosk.say(self.t("tui.award.choose"), error=True)
            return
        qty_text = self.query_one("#qty", Input).value.strip() or "0"
        photos = [
            Path(part.strip())
            for part in self.query_one("#photos", Input).value.split(",")
            if part.strip()
        ]
        self.busy = True
        self._file(
            self.household.id,
            self.rule.id if self.rule else "",
            int(qty_text),
            self.query_one("#description", Input).value,
            self.helper.id if self.helper else None,
            photos,
        )

    @work(thread=True, exclusive=True, group="declaration-file")
    def _file(
        self,
        household_id: str,
        rule_id: str,
        quantity: int,
        description: str,
        helper_id: str | None,
        photos: list[Path],
    ) -> None:
        try:
            filed = self.backend.admin.file_declaration(
                household_id=household_id,
                rule_id=rule_id,
                quantity=quantity,
                description=description,
                helper_id=helper_id,
                photos=photos,
                evidence_dir=evidence_dir_for(self.backend),
                operator_id=self.operator_id,
            )
        except DomainError as error:
            self.post_message(self.Filed(None, error))
            return
        self.post_message(self.Filed(filed))

    def on_file_declaration_screen_filed(self, message: Filed) -> None:
        self.busy = False
        if message.error is not None:
            self.kiosk.say_error(message.error)
            return
        self.app.pop_screen()
        self.kiosk.say(self.t("tui.decl.filed"))
