"""Help, settings (language), household details and the home menu, driven by keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.settings import load_settings
from kiosk.tui.bindings import KEY
from kiosk.tui.screens.help import HelpScreen
from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.settings import SettingsScreen
from tests.support.builders import Ledger
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in

pytestmark = pytest.mark.world("tui")


def _footer_labels(app) -> list[str]:
    return [binding.description for _, binding, enabled, _ in app.screen.active_bindings.values()]


async def test_help_opens_and_closes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        source = app.screen.query_one("#help").source
        # Home's own keys, not the redeem screen's confirm.
        assert "- `F2` **查找**" in source and "F10" not in source
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_switch_to_english_and_back(make_app: AppFactory, tmp_path: Path) -> None:
    settings_file = tmp_path / "kiosk.toml"
    settings_file.write_text('printer = "dummy"\n# kept\n', encoding="utf-8")
    app = make_app()
    app.settings_path = settings_file
    async with app.run_test() as pilot:
        await sign_in(pilot)
        assert "查找" in _footer_labels(app)
        menu = app.screen.query_one("#menu")
        ids = [menu.get_option_at_index(i).id for i in range(menu.option_count)]
        await pilot.press("f3")  # the menu; other areas may have added entries above
        await pilot.press(*["down"] * (ids.index("settings") + 1), "enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("down", "enter")  # English
        await settle(pilot)
        assert app.language == "en"
        assert isinstance(app.screen, HomeScreen)
        assert "Find" in _footer_labels(app)
        assert "Scan a points card" in str(app.screen.query_one("#home-prompt").render())
    assert load_settings(settings_file, environ={}).language == "en"
    assert "# kept" in settings_file.read_text(encoding="utf-8")


async def test_household_screen_shows_the_masked_name_until_asked(
    make_app: AppFactory, payload_of: Callable[[str], str], ledger: Ledger
) -> None:
    ledger.freeze("HP0003", "2026-06-30", "违法违纪影响期")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot)
        await scan_burst(pilot, payload_of("HP0003"))
        screen = app.screen
        assert isinstance(screen, HouseholdScreen)
        head = screen.household.head
        card = str(screen.query_one("#card").render())
        assert head not in card and screen.household.masked_head in card
        assert "和平村" in card and screen.household.group in card
        assert f"积分余额 {ledger.balance('HP0003')} 分" in card
        assert "冻结兑换至 2026-06-30（违法违纪影响期）" in card
        entries = screen.query_one("#entries")
        assert entries.row_count == min(8, len(screen.household.entries)) > 0
        await pilot.press(KEY["full_name"])
        assert head in str(screen.query_one("#card").render())
        await pilot.press(KEY["full_name"])
        assert head not in str(screen.query_one("#card").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_admins_see_at_least_the_shopkeepers_menu(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot, downs=2, pin="9999")
        assert app.operator is not None and app.operator.role == "street_admin"
        menu = app.screen.query_one("#menu")
        ids = {menu.get_option_at_index(i).id for i in range(menu.option_count)}
        assert {"find", "receipts", "settings", "help", "sign-out"} <= ids
