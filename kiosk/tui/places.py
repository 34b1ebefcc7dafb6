"""Every screen the kiosk can open, by place id: the one module that imports them all.

Screens open one another by id through the app (`Kiosk.open_screen`), so no screen imports
another and the menu names places, not classes. The ids of the home menu's entries are
places here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from kiosk.tui.screens.award import AwardScreen
from kiosk.tui.screens.deadlines import DeadlinesScreen
from kiosk.tui.screens.declarations import DeclarationsScreen, FileDeclarationScreen
from kiosk.tui.screens.disputes import DisputesScreen, RaiseDisputeScreen
from kiosk.tui.screens.freeze import FreezeScreen
from kiosk.tui.screens.handover import HandoverScreen
from kiosk.tui.screens.help import HelpScreen
from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.notice import NoticeScreen
from kiosk.tui.screens.receipt import ReceiptScreen
from kiosk.tui.screens.receipts import ReceiptsScreen
from kiosk.tui.screens.redeem import RedeemScreen
from kiosk.tui.screens.settings import SettingsScreen
from kiosk.tui.screens.signin import SignInScreen

# Each place's screen class, called with the arguments `open_screen` was given.
PLACES: dict[str, Callable[..., Screen[Any]]] = {
    "signin": SignInScreen,
    "home": HomeScreen,
    "household": HouseholdScreen,
    "redeem": RedeemScreen,
    "receipts": ReceiptsScreen,
    "receipt": ReceiptScreen,
    "deadlines": DeadlinesScreen,
    "handover": HandoverScreen,
    "help": HelpScreen,
    "settings": SettingsScreen,
    "award": AwardScreen,
    "declarations": DeclarationsScreen,
    "file-declaration": FileDeclarationScreen,
    "disputes": DisputesScreen,
    "raise-dispute": RaiseDisputeScreen,
    "freezes": FreezeScreen,
    "notice": NoticeScreen,
}
