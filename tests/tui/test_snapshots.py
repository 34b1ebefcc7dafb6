"""Snapshots of the main screens at the kiosk's terminal sizes (80x24 and 120x40).

Fixed clock (conftest.NOW) and seeded demo data; update with `pytest --snapshot-update`
only after looking at the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input

from tests.support.builders import Ledger
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in

pytestmark = pytest.mark.world("tui")

SIZES = [(80, 24), (120, 40)]


async def _steady(pilot: Any) -> None:
    """No blinking cursor, no toast: what is left is the screen itself."""
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
class TestSignIn:
    def test_demo_sign_in(
        self, snap_compare: Callable[..., bool], make_app: AppFactory, size
    ) -> None:
        async def run_before(pilot: Any) -> None:
            await _steady(pilot)

        assert snap_compare(make_app(demo=True), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestHome:
    def test_home_with_a_search(
        self, snap_compare: Callable[..., bool], make_app: AppFactory, size
    ) -> None:
        async def run_before(pilot: Any) -> None:
            await sign_in(pilot)
            await pilot.press("h", "p", "0", "0", "0")
            await _steady(pilot)

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestHousehold:
    def test_frozen_household_after_a_scan(
        self,
        snap_compare: Callable[..., bool],
        make_app: AppFactory,
        payload_of: Callable[[str], str],
        ledger: Ledger,
        size,
    ) -> None:
        ledger.freeze("HP0003", "2026-06-30", "家庭成员违法违纪")

        async def run_before(pilot: Any) -> None:
            await sign_in(pilot)
            await scan_burst(pilot, payload_of("HP0003"))
            await _steady(pilot)

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestRedeem:
    def test_cart_with_toothpaste_and_rice_cooker(
        self,
        snap_compare: Callable[..., bool],
        make_app: AppFactory,
        payload_of: Callable[[str], str],
        ledger: Ledger,
        size,
    ) -> None:
        ledger.give("HP0001")

        async def run_before(pilot: Any) -> None:
            await sign_in(pilot)
            await scan_burst(pilot, payload_of("HP0001"))
            await pilot.press("f5")
            await settle(pilot)
            await pilot.press("y", "g", "enter", "d", "f", "b", "enter", "tab")
            await _steady(pilot)

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)

    def test_confirm_dialog(
        self,
        snap_compare: Callable[..., bool],
        make_app: AppFactory,
        payload_of: Callable[[str], str],
        ledger: Ledger,
        size,
    ) -> None:
        ledger.give("HP0001")

        async def run_before(pilot: Any) -> None:
            await sign_in(pilot)
            await scan_burst(pilot, payload_of("HP0001"))
            await pilot.press("f5")
            await settle(pilot)
            await pilot.press("y", "g", "enter", "d", "f", "b", "enter", "f10")
            await _steady(pilot)

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
