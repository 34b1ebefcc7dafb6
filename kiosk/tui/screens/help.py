"""How the kiosk works, and every key, in the operator's language."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Markdown

from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar


class HelpScreen(KioskScreen):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "back", id="back", tooltip="back")
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with VerticalScroll(id="help-scroll"):
            yield Markdown(self.t("tui.help.body"), id="help")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_back(self) -> None:
        self.app.pop_screen()
