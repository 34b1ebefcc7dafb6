"""Settings the counter may change (the interface language), and the ones it may only read."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Label, RadioButton, RadioSet, Static

from kiosk.settings import LANGUAGES, save_language
from kiosk.tui.bindings import bind
from kiosk.tui.screens.base import KioskScreen
from kiosk.tui.widgets.message_line import MessageLine
from kiosk.tui.widgets.status_bar import StatusBar

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


class SettingsScreen(KioskScreen):
    CSS_PATH = "settings.tcss"
    WIDGET_KEYS = ("submit", "move")
    BINDINGS: ClassVar[list[BindingType]] = [bind("back", "back")]

    def compose(self) -> ComposeResult:
        settings = self.kiosk.settings
        yield StatusBar()
        with Vertical(id="settings-box"):
            yield Label(self.t("tui.settings.language"), classes="settings-title")
            with RadioSet(id="language"):
                for language in LANGUAGES:
                    yield RadioButton(
                        LANGUAGE_NAMES[language],
                        value=language == self.kiosk.language,
                        name=language,
                    )
            yield Label(self.t("tui.settings.fixed"), classes="settings-title")
            yield Static(
                "\n".join(
                    [
                        self.t("tui.settings.printer", printer=settings.printer),
                        self.t(
                            "tui.settings.paper",
                            width=settings.paper_width,
                            columns=settings.columns,
                            encoding=settings.encoding,
                        ),
                        self.t("tui.settings.point", point=self.kiosk.exchange_point_name),
                        self.t("tui.settings.idle", minutes=f"{settings.idle_minutes:g}"),
                        self.t("tui.settings.file", path=self.kiosk.settings_path or "-"),
                    ]
                ),
                id="fixed",
            )
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#language", RadioSet).focus()

    @on(RadioSet.Changed, "#language")
    def _language_chosen(self, event: RadioSet.Changed) -> None:
        language = event.pressed.name or "zh"
        if language == self.kiosk.language:
            return
        if self.kiosk.settings_path is not None:
            try:
                save_language(self.kiosk.settings_path, language)
            except OSError as error:
                self.kiosk.say(self.t("tui.settings.not_saved", error=str(error)), error=True)
        self.kiosk.set_language(language)
        self.kiosk.say(self.kiosk.t("tui.settings.language_set"))

    def action_back(self) -> None:
        self.app.pop_screen()
