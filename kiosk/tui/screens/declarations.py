"""Declarations (自主申报 / 互助申报): the pending list of the village to approve or reject, and
filing a new one (the household by code, by scan or from a photo of its card)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Static

from kiosk.core.clock import local
from kiosk.core.declarations import DeclarationView
from kiosk.core.errors import BadInput, DomainError
from kiosk.core.masking import mask_name
from kiosk.tui.screens.admin import (
    AdminHousehold,
    decide_declaration,
    evidence_dir_for,
    file_new_declaration,
    find_household,
    household_from_photo,
    operator_village,
    pending_declarations,
)
from kiosk.tui.screens.award import AdminScreen
from kiosk.tui.widgets.status_bar import StatusBar


class DeclarationsScreen(AdminScreen):
    CSS_PATH = "declarations.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "approve", "approve", id="approve", tooltip="approve"),
        Binding("f8", "reject", "reject", id="reject", tooltip="reject"),
        Binding("f2", "file", "file-declaration", id="file-declaration", tooltip="file"),
        Binding("f5", "refresh", "refresh", id="refresh", tooltip="refresh"),
        Binding("escape", "back", "back", id="back", tooltip="back"),
    ]

    @dataclass
    class Loaded(Message):
        declarations: list[DeclarationView]

    @dataclass
    class Decided(Message):
        declaration: DeclarationView | None
        error: DomainError | None = None

    def __init__(self) -> None:
        super().__init__()
        self.declarations: list[DeclarationView] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t("tui.decl.title"), id="declarations-title")
        table: DataTable[str] = DataTable(id="pending", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="pending-empty")
        yield Input(placeholder=self.t("tui.decl.reason"), id="reason")
        yield Footer()

    def start(self) -> None:
        self.query_one("#pending", DataTable).add_columns(
            self.t("tui.col.date"),
            self.t("tui.col.code"),
            self.t("tui.col.head"),
            self.t("tui.col.rule"),
            self.t("tui.col.qty"),
            self.t("tui.col.helper"),
            self.t("tui.col.description"),
            self.t("tui.col.photos"),
        )
        self.query_one("#pending", DataTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()  # back from filing one

    def reload(self) -> None:
        self._load(operator_village(self.kiosk))

    @work(thread=True, exclusive=True, group="declarations")
    def _load(self, village_id: str | None) -> None:
        self.post_message(self.Loaded(pending_declarations(self.backend, village_id)))

    def on_declarations_screen_loaded(self, message: Loaded) -> None:
        self.declarations = message.declarations
        table = self.query_one("#pending", DataTable)
        table.clear()
        for d in message.declarations:
            table.add_row(
                f"{local(d.created_at):%m-%d %H:%M}",
                d.household_code,
                mask_name(d.household_head),
                f"{d.rule_id} {d.rule_text}",
                str(d.quantity),
                d.helper_code or "",
                d.description,
                str(len(d.evidence)),
                key=d.id,
            )
        empty = "" if message.declarations else self.t("tui.decl.empty")
        self.query_one("#pending-empty", Static).update(empty)

    def selected(self) -> DeclarationView | None:
        table = self.query_one("#pending", DataTable)
        if not self.declarations or table.cursor_row < 0:
            return None
        return self.declarations[min(table.cursor_row, len(self.declarations) - 1)]

    def action_approve(self) -> None:
        self._decide(None)

    def action_reject(self) -> None:
        self._decide(self.query_one("#reason", Input).value)

    def _decide(self, reason: str | None) -> None:
        chosen = self.selected()
        if chosen is None:
            self.kiosk.say(self.t("tui.admin.pick"), error=True)
            return
        if self.busy:
            return
        self.busy = True
        self._decide_worker(chosen.id, reason)

    @work(thread=True, exclusive=True, group="declaration-decide")
    def _decide_worker(self, ref: str, reason: str | None) -> None:
        try:
            decided = decide_declaration(self.backend, ref, self.operator_id, reason=reason)
        except DomainError as error:
            self.post_message(self.Decided(None, error))
            return
        self.post_message(self.Decided(decided))

    def on_declarations_screen_decided(self, message: Decided) -> None:
        self.busy = False
        if message.error is not None or message.declaration is None:
            if message.error is not None:
                self.kiosk.say_error(message.error)
            return
        decided = message.declaration
        if decided.replayed:
            self.kiosk.say(self.t("tui.decl.replayed"))
        elif decided.status == "approved":
            self.kiosk.say(self.t("tui.decl.approved", points=decided.points))
        else:
            self.kiosk.say(self.t("tui.decl.rejected"))
        self.query_one("#reason", Input).value = ""
        self.reload()

    def action_file(self) -> None:
        self.app.push_screen(FileDeclarationScreen())

    def action_refresh(self) -> None:
        self.reload()


class FileDeclarationScreen(AdminScreen):
    """Filing a declaration for a villager at the committee's terminal or the kiosk."""

    CSS_PATH = "declarations.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "confirm", "confirm", id="confirm", tooltip="confirm"),
        Binding("escape", "back", "back", id="back", tooltip="back"),
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

    def __init__(self) -> None:
        super().__init__()
        self.household: AdminHousehold | None = None
        self.helper: AdminHousehold | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t("tui.decl.file_title"), id="declarations-title")
        yield Input(placeholder=self.t("tui.award.code_placeholder"), id="household")
        yield Input(placeholder=self.t("tui.decl.card_photo"), id="card-photo")
        yield Static("", id="household-info")
        yield Input(placeholder=self.t("tui.award.helper_placeholder"), id="helper")
        yield Static("", id="helper-info")
        yield Input(placeholder=self.t("tui.decl.rule"), id="rule")
        yield Input("1", restrict=r"[0-9]*", max_length=5, id="qty")
        yield Input(placeholder=self.t("tui.decl.description"), id="description")
        yield Input(placeholder=self.t("tui.decl.photos"), id="photos")
        yield Footer()

    def start(self) -> None:
        self.query_one("#household", Input).focus()

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
                household_from_photo(self.backend, Path(raw), self.operator_id)
                if photo
                else find_household(self.backend, raw, self.operator_id)
            )
        except DomainError as error:
            self.post_message(self.HouseholdFound(field, None, error))
            return
        self.post_message(self.HouseholdFound(field, found))

    def on_file_declaration_screen_household_found(self, message: HouseholdFound) -> None:
        info = self.query_one(f"#{message.field}-info", Static)
        found = message.household
        if found is None:
            reason = self.kiosk.error_text(message.error) if message.error else ""
            info.update(f"✗ {reason}")
        else:
            info.update(
                self.t(
                    "tui.award.household_line",
                    code=found.code,
                    head=found.masked_head,
                    group=found.group,
                    balance=found.balance,
                )
            )
            if message.field == "household":
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
            self.query_one("#rule", Input).value.strip(),
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
            if not rule_id:
                raise BadInput("rule.unknown", rule="")
            filed = file_new_declaration(
                self.backend,
                household_id=household_id,
                rule_id=rule_id,
                quantity=quantity,
                description=description,
                helper_id=helper_id,
                photos=photos,
                evidence_dir=evidence_dir_for(self.backend),
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
        self.kiosk.say(self.t("tui.decl.filed"))
        self.app.pop_screen()
