"""The home screen's menu: one entry per place, each with the roles that may open it.

An entry's id is also the place id the app opens (`kiosk.tui.places`) and the text key
"menu.<id>" of its label; "find" and "sign-out" are the home screen's own actions. The home
screen shows only the entries the signed-in operator's role allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.models import Role

EVERYONE: tuple[str, ...] = ()
ADMINS: tuple[str, ...] = (Role.VILLAGE_ADMIN, Role.STREET_ADMIN)


@dataclass(frozen=True)
class MenuEntry:
    id: str  # the place it opens, and the text key "menu.<id>" of its label
    roles: tuple[str, ...]  # who may open it; empty: every signed-in operator


MENU: list[MenuEntry] = [
    MenuEntry("find", EVERYONE),
    MenuEntry("receipts", EVERYONE),
    MenuEntry("deadlines", EVERYONE),
    # Award, freeze and administration screens: village and street administrators.
    MenuEntry("award", ADMINS),
    MenuEntry("declarations", ADMINS),
    MenuEntry("disputes", ADMINS),
    MenuEntry("freezes", ADMINS),
    MenuEntry("notice", ADMINS),
    MenuEntry("settings", EVERYONE),
    MenuEntry("help", EVERYONE),
    MenuEntry("sign-out", EVERYONE),
]


def entries_for(role: str) -> list[MenuEntry]:
    return [entry for entry in MENU if not entry.roles or role in entry.roles]
