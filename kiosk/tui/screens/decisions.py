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

from kiosk.core.errors import DomainError
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

    def decide(
        self,
        decision: Callable[[Item], Item],
        question: Callable[[Item], str] | None = None,
    ) -> None:
        """Decide the highlighted item by `decision(item)` (called in a worker), once the
        operator has said yes to `question(item)` if there is one."""
        chosen = self.selected()
        if chosen is None:
            self.kiosk.say(self.t("tui.admin.pick"), error=True)
            return
        if self.busy:
            return

        def go() -> None:
            if self.busy:
                return
            self.busy = True
            self._decide(chosen, decision)

        if question is None:
            go()
        else:
            self.confirm_then(question(chosen), go)

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
