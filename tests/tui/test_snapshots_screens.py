"""Snapshots of the screens and dialogs the main flows' snapshots do not cover, at the kiosk's
terminal sizes (80x24 and 120x40): receipts, the receipt preview, the deadline board, hand-over
and restock, and every administrator's screen, with the admin world's Chinese data.

Fixed clock (the admin world's instant); update with `pytest --snapshot-update` only after
looking at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from textual.widgets import Input

from kiosk.tui.bindings import KEY
from kiosk.tui.dialogs.change_pin import ChangePinDialog
from tests.support.builders import Ledger, PlaceOrder
from tests.support.clock import at
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in_as, type_into
from tests.support.worlds import RICE_COOKER, TOOTHPASTE
from tests.tui.test_admin_layout import _world

pytestmark = pytest.mark.world("admin")

SIZES = [(80, 24), (120, 40)]
Before = Callable[[Any], Awaitable[None]]


async def _steady(pilot: Any) -> None:
    """No blinking cursor, no toast: what is left is the screen itself."""
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.fixture
def order(engine: Engine, place_order: PlaceOrder) -> str:
    """The admin world's lists, and an order of 和平 HP0001 still owing a toothpaste (overdue)
    and a rice cooker (due tomorrow): its number."""
    _world(engine)
    return place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 11, 10, 10, 0))


@pytest.fixture
def shot(
    snap_compare: Callable[..., bool], make_app: AppFactory, size: tuple[int, int]
) -> Callable[[Before], bool]:
    """Signed in as 和平's village administrator, `before` drives the app to the screen."""

    def take(before: Before) -> bool:
        async def run_before(pilot: Any) -> None:
            await sign_in_as(pilot, "admin-heping")
            await before(pilot)
            await _steady(pilot)

        return bool(snap_compare(make_app(), terminal_size=size, run_before=run_before))

    return take


async def _open(pilot: Any, place: str, *args: object) -> None:
    pilot.app.open_screen(place, *args)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
class TestCounterScreens:
    def test_receipts(self, shot: Callable[[Before], bool], order: str) -> None:
        assert shot(lambda pilot: _open(pilot, "receipts"))

    def test_receipt_preview(self, shot: Callable[[Before], bool], order: str) -> None:
        assert shot(lambda pilot: _open(pilot, "receipt", order))

    def test_deadlines(self, shot: Callable[[Before], bool], order: str) -> None:
        assert shot(lambda pilot: _open(pilot, "deadlines"))

    def test_restock_dialog(self, shot: Callable[[Before], bool], order: str) -> None:
        async def before(pilot: Any) -> None:
            await _open(pilot, "deadlines")
            await pilot.press(KEY["record"], *"dfb")
            await settle(pilot)

        assert shot(before)

    def test_hand_over(self, shot: Callable[[Before], bool], order: str) -> None:
        async def before(pilot: Any) -> None:
            await scan_burst(pilot, f"JFO:{order}")
            await pilot.press("space")

        assert shot(before)

    def test_settings(self, shot: Callable[[Before], bool], order: str) -> None:
        assert shot(lambda pilot: _open(pilot, "settings"))

    def test_help_of_the_redeem_screen(self, shot: Callable[[Before], bool], order: str) -> None:
        async def before(pilot: Any) -> None:
            await pilot.press(*"hp0002", "enter")
            await settle(pilot)
            await pilot.press(KEY["redeem"])
            await settle(pilot)
            await pilot.press(KEY["help"])

        assert shot(before)

    def test_change_pin_dialog(self, shot: Callable[[Before], bool], order: str) -> None:
        async def before(pilot: Any) -> None:
            # What a one-time PIN opens after sign-in (tests/tui/test_signin.py drives it).
            pilot.app.push_screen(ChangePinDialog(pilot.app.operator, "482915"))
            await settle(pilot)

        assert shot(before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
class TestAdminScreens:
    def test_award_with_a_rule_chosen(self, shot: Callable[[Before], bool], order: str) -> None:
        async def before(pilot: Any) -> None:
            await _open(pilot, "award")
            await type_into(pilot, "#household", "HP0003")
            await type_into(pilot, "#rule-search", "P09")
            await pilot.press("enter")

        assert shot(before)

    def test_award_by_the_count(self, shot: Callable[[Before], bool], order: str) -> None:
        # 47 cigarette packets at 5 points a batch of 20: 10 points, 7 left over and not kept.
        async def before(pilot: Any) -> None:
            await _open(pilot, "award")
            await type_into(pilot, "#household", "HP0003")
            await type_into(pilot, "#rule-search", "烟盒")
            await pilot.press("enter")
            await type_into(pilot, "#qty", "47", submit=False)

        assert shot(before)

    def test_declarations(self, shot: Callable[[Before], bool], order: str) -> None:
        assert shot(lambda pilot: _open(pilot, "declarations"))

    def test_filing_a_declaration(self, shot: Callable[[Before], bool], order: str) -> None:
        async def before(pilot: Any) -> None:
            await _open(pilot, "file-declaration")
            await type_into(pilot, "#household", "HP0004")
            await type_into(pilot, "#helper", "HP0003")
            await type_into(pilot, "#rule-search", "P08")
            await pilot.press("enter")

        assert shot(before)

    def test_disputes(self, shot: Callable[[Before], bool], order: str) -> None:
        assert shot(lambda pilot: _open(pilot, "disputes"))

    def test_raising_a_dispute(self, shot: Callable[[Before], bool], order: str) -> None:
        async def before(pilot: Any) -> None:
            await _open(pilot, "raise-dispute")
            await type_into(pilot, "#household", "HP0002")

        assert shot(before)

    def test_freezes(self, shot: Callable[[Before], bool], order: str, ledger: Ledger) -> None:
        ledger.freeze("HP0003", "2026-12-31", "家庭成员违法违纪")

        async def before(pilot: Any) -> None:
            await _open(pilot, "freezes")
            await type_into(pilot, "#code", "HP0005", submit=False)

        assert shot(before)

    def test_notice(self, shot: Callable[[Before], bool], order: str) -> None:
        assert shot(lambda pilot: _open(pilot, "notice"))
