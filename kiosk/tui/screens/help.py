"""The help of the screen the operator was on: its how-to and every key it answers to."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Markdown

from kiosk.tui.bindings import KeyRow, bind, key_name
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class HelpScreen(KioskScreen):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [bind("back", "back")]

    def __init__(self, rows: list[KeyRow], howto: str | None = None) -> None:
        """`rows`: the keys of the screen beneath (`kiosk.tui.bindings.active_keys`);
        `howto`: the text key of its how-to, if it has one."""
        super().__init__()
        self.rows = rows
        self.howto = howto

    def body(self) -> str:
        """The page as Markdown: how-to, then one table row per key."""
        language = self.kiosk.language
        parts = [f"# {self.t('key.help')}", self.t("tui.help.scan")]
        if self.howto:
            parts.append(self.t(self.howto))
        # One line a key (a table's ruled rows take two): at 80x24 most keys fit unscrolled.
        lines = [f"## {self.t('tui.help.keys')}", ""]
        for row in self.rows:
            keys = " ".join(key_name(key, language) for key in row.keys)
            label, tip = self.t(f"key.{row.binding_id}"), self.t(f"key.{row.binding_id}.tip")
            lines.append(f"- `{keys}` **{label}**：{tip}")
        return "\n\n".join(parts) + "\n\n" + "\n".join(lines) + "\n"

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with VerticalScroll(id="help-scroll"):
            yield Markdown(self.body(), id="help")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_back(self) -> None:
        self.app.pop_screen()
