"""The home screen's menu: one entry per screen, each with the roles that may open it.

Other areas add their screens here (awards, freezes and administration are for village and
street administrators): append a `MenuEntry` whose `open` pushes the screen. The home
screen shows only the entries the signed-in operator's role allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.core.models import Role

if TYPE_CHECKING:
    from kiosk.tui.app import KioskApp

EVERYONE: tuple[str, ...] = ()
ADMINS: tuple[str, ...] = (Role.VILLAGE_ADMIN, Role.STREET_ADMIN)


@dataclass(frozen=True)
class MenuEntry:
    id: str  # also the i18n key "menu.<id>" of its label
    roles: tuple[str, ...]  # who may open it; empty: every signed-in operator
    open: Callable[[KioskApp], None]


def _find_household(app: KioskApp) -> None:
    from kiosk.tui.screens.home import HomeScreen

    if isinstance(app.screen, HomeScreen):
        app.screen.focus_search()


def _receipts(app: KioskApp) -> None:
    from kiosk.tui.screens.receipts import ReceiptsScreen

    app.push_screen(ReceiptsScreen())


def _deadlines(app: KioskApp) -> None:
    from kiosk.tui.screens.deadlines import open_deadlines

    open_deadlines(app)


def _settings(app: KioskApp) -> None:
    from kiosk.tui.screens.settings import SettingsScreen

    app.push_screen(SettingsScreen())


def _help(app: KioskApp) -> None:
    app.action_help()


def _sign_out(app: KioskApp) -> None:
    app.sign_out()


def _admin(opener: str) -> Callable[[KioskApp], None]:
    """An administration screen's opener (issue 6), imported only when chosen."""

    def open_screen(app: KioskApp) -> None:
        from kiosk.tui.screens import admin

        getattr(admin, opener)(app)

    return open_screen


MENU: list[MenuEntry] = [
    MenuEntry("find", EVERYONE, _find_household),
    MenuEntry("receipts", EVERYONE, _receipts),
    MenuEntry("deadlines", EVERYONE, _deadlines),
    # Award, freeze and administration screens (village and street administrators) go here.
    MenuEntry("award", ADMINS, _admin("open_award")),
    MenuEntry("declarations", ADMINS, _admin("open_declarations")),
    MenuEntry("disputes", ADMINS, _admin("open_disputes")),
    MenuEntry("freezes", ADMINS, _admin("open_freezes")),
    MenuEntry("notice", ADMINS, _admin("open_notice")),
    MenuEntry("settings", EVERYONE, _settings),
    MenuEntry("help", EVERYONE, _help),
    MenuEntry("sign-out", EVERYONE, _sign_out),
]


def entries_for(role: str) -> list[MenuEntry]:
    return [entry for entry in MENU if not entry.roles or role in entry.roles]
