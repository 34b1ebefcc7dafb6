"""Snapshots of the counter's safeguards at the kiosk's terminal sizes: several households
found by name (the message line says what to do), and the question before a cart is dropped."""

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
    """No blinking cursor: what is left is the screen itself."""
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
class TestCounter:
    def test_several_households_found_by_name(
        self, snap_compare: Callable[..., bool], make_app: AppFactory, size: tuple[int, int]
    ) -> None:
        async def run_before(pilot: Any) -> None:
            await sign_in(pilot)
            await pilot.press("f2", "永", "红", "enter")
            await _steady(pilot)

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)

    def test_the_question_before_a_cart_is_dropped(
        self,
        snap_compare: Callable[..., bool],
        make_app: AppFactory,
        payload_of: Callable[[str], str],
        ledger: Ledger,
        size: tuple[int, int],
    ) -> None:
        ledger.give("HP0001")

        async def run_before(pilot: Any) -> None:
            await sign_in(pilot)
            await scan_burst(pilot, payload_of("HP0001"))
            await pilot.press("f5")
            await settle(pilot)
            await pilot.press("y", "g", "enter", "d", "f", "b", "enter")
            await settle(pilot)
            await scan_burst(pilot, payload_of("HP0003"))  # the next villager's card
            await _steady(pilot)

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
