"""A list of requests to decide, and the keys that decide them: declarations and disputes alike.

A subclass says what the list holds (its columns, how to load it) and what each decision
key does; loading, the highlighted row, the note field, one decision at a time and the
reload afterwards are the same for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, Static

from kiosk.core.clock import local
from kiosk.core.declarations import DeclarationView
from kiosk.core.disputes import DisputeView
from kiosk.core.errors import DomainError
from kiosk.core.masking import mask_name
from kiosk.tui.screens.base import AdminScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar

Item = TypeVar("Item")


class DecisionListScreen(AdminScreen, Generic[Item]):
    """The pending requests of the administrator's village; a key decides the highlighted one."""

    TITLE_KEY: ClassVar[str]
    EMPTY_KEY: ClassVar[str]
    NOTE_KEY: ClassVar[str]  # the placeholder of the reason / note field
    COLUMN_KEYS: ClassVar[tuple[str, ...]]
    LIST_ID: ClassVar[str]  # the table's id
    NOTE_ID: ClassVar[str]  # the note field's id
    CSS_PATH = "decisions.tcss"

    @dataclass
    class Loaded(Message):
        items: list[Any]

    @dataclass
    class Decided(Message):
        item: Any | None
        error: DomainError | None = None

    def __init__(self) -> None:
        super().__init__()
        self.items: list[Item] = []
        self.busy = False

    # --- what a subclass says ---

    def load(self) -> list[Item]:
        """The list as it stands (called in a worker)."""
        raise NotImplementedError

    def cells(self, item: Item) -> tuple[str, ...]:
        raise NotImplementedError

    def key_of(self, item: Item) -> str:
        raise NotImplementedError

    def decided_text(self, item: Item) -> str:
        raise NotImplementedError

    # --- the list ---

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Label(self.t(self.TITLE_KEY), classes="decisions-title")
        table: DataTable[str] = DataTable(id=self.LIST_ID, cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id=f"{self.LIST_ID}-empty", classes="decisions-empty")
        yield Input(placeholder=self.t(self.NOTE_KEY), id=self.NOTE_ID)
        yield MessageLine()
        yield Footer()

    def start(self) -> None:
        table = self.query_one(f"#{self.LIST_ID}", DataTable)
        table.add_columns(*(self.t(key) for key in self.COLUMN_KEYS))
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()  # back from filing one

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="decision-list")
    def _load(self) -> None:
        self.post_message(self.Loaded(self.load()))

    def on_decision_list_screen_loaded(self, message: Loaded) -> None:
        self.items = message.items
        table = self.query_one(f"#{self.LIST_ID}", DataTable)
        table.clear()
        for item in self.items:
            table.add_row(*self.cells(item), key=self.key_of(item))
        empty = "" if self.items else self.t(self.EMPTY_KEY)
        self.query_one(f"#{self.LIST_ID}-empty", Static).update(empty)

    def selected(self) -> Item | None:
        table = self.query_one(f"#{self.LIST_ID}", DataTable)
        if not self.items or table.cursor_row < 0:
            return None
        return self.items[min(table.cursor_row, len(self.items) - 1)]

    @property
    def note(self) -> str:
        return self.query_one(f"#{self.NOTE_ID}", Input).value

    # --- deciding ---

    def decide(self, decision: Callable[[Item], Item]) -> None:
        """Decide the highlighted item by `decision(item)` (called in a worker)."""
        chosen = self.selected()
        if chosen is None:
            self.kiosk.say(self.t("tui.admin.pick"), error=True)
            return
        if self.busy:
            return
        self.busy = True
        self._decide(chosen, decision)

    @work(thread=True, exclusive=True, group="decision")
    def _decide(self, item: Item, decision: Callable[[Item], Item]) -> None:
        try:
            decided = decision(item)
        except DomainError as error:
            self.post_message(self.Decided(None, error))
            return
        self.post_message(self.Decided(decided))

    def on_decision_list_screen_decided(self, message: Decided) -> None:
        self.busy = False
        if message.item is None:
            if message.error is not None:
                self.kiosk.say_error(message.error)
            return
        self.kiosk.say(self.decided_text(message.item))
        self.query_one(f"#{self.NOTE_ID}", Input).value = ""
        self.reload()


class DeclarationList(DecisionListScreen[DeclarationView]):
    """Declarations (自主申报 / 互助申报) waiting for the village's decision."""

    TITLE_KEY = "tui.decl.title"
    EMPTY_KEY = "tui.decl.empty"
    NOTE_KEY = "tui.decl.reason"
    COLUMN_KEYS = (
        "tui.col.date",
        "tui.col.code",
        "tui.col.head",
        "tui.col.rule",
        "tui.col.qty",
        "tui.col.helper",
        "tui.col.description",
        "tui.col.photos",
    )
    LIST_ID = "pending"
    NOTE_ID = "reason"

    def load(self) -> list[DeclarationView]:
        return self.backend.admin.pending_declarations(self.operator_village)

    def cells(self, item: DeclarationView) -> tuple[str, ...]:
        return (
            f"{local(item.created_at):%m-%d %H:%M}",
            item.household_code,
            mask_name(item.household_head),
            f"{item.rule_id} {item.rule_text}",
            str(item.quantity),
            item.helper_code or "",
            item.description,
            str(len(item.evidence)),
        )

    def key_of(self, item: DeclarationView) -> str:
        return item.id

    def decided_text(self, item: DeclarationView) -> str:
        if item.replayed:
            return self.t("tui.decl.replayed")
        if item.status == "approved":
            return self.t("tui.decl.approved", points=item.points)
        return self.t("tui.decl.rejected")


class DisputeList(DecisionListScreen[DisputeView]):
    """Disputes (异议) of the village, open ones first to uphold or correct."""

    TITLE_KEY = "tui.disp.title"
    EMPTY_KEY = "tui.disp.empty"
    NOTE_KEY = "tui.disp.note"
    COLUMN_KEYS = (
        "tui.col.date",
        "tui.col.code",
        "tui.col.entry",
        "tui.col.raised_by",
        "tui.col.description",
        "tui.col.status",
    )
    LIST_ID = "disputes"
    NOTE_ID = "note"

    def __init__(self) -> None:
        super().__init__()
        self.open_only = True

    def load(self) -> list[DisputeView]:
        return self.backend.admin.disputes(self.operator_village, open_only=self.open_only)

    def cells(self, item: DisputeView) -> tuple[str, ...]:
        entry = (
            f"{local(item.entry_created_at):%m-%d} {self.t(f'kind.{item.entry_kind}')} "
            f"{item.entry_points:+d} {item.entry_rule_id or ''}"
        )
        return (
            f"{local(item.created_at):%m-%d}",
            item.household_code,
            entry,
            item.raised_by,
            item.description,
            self.t(f"dispute.status.{item.status}"),
        )

    def key_of(self, item: DisputeView) -> str:
        return item.id

    def decided_text(self, item: DisputeView) -> str:
        return self.t("tui.disp.decided", status=self.t(f"dispute.status.{item.status}"))
