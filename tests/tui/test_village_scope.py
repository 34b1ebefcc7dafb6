"""A village's operators serve its households only: other villages' neither appear in the
search nor open from a card or a typed code; a street administrator serves them all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import DataTable

from kiosk.core.db import open_database, read_session
from kiosk.core.models import Household, Village
from kiosk.tui.screens.home import HomeScreen
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.widgets.message_line import MessageLine
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in

pytestmark = pytest.mark.world("tui")


def _namesakes(db_path: Path) -> tuple[Household, str, list[str]]:
    """A household of another village whose head's surname 和平 also has, the other
    village's name, and the codes of every household with that surname."""
    engine = open_database(f"sqlite:///{db_path}")
    with read_session(engine) as session:
        households = session.exec(select(Household).order_by(Household.code)).all()
        heping = {h.head_name[0] for h in households if h.village_id == "heping"}
        other = next(h for h in households if h.village_id != "heping" and h.head_name[0] in heping)
        village = session.get(Village, other.village_id)
        assert village is not None
        surname = [h.code for h in households if h.head_name[0] == other.head_name[0]]
    engine.dispose()
    return other, village.name, surname


def _codes(app: object) -> list[str]:
    table = app.screen.query_one("#hits", DataTable)  # type: ignore[attr-defined]
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def _message_on_screen(app: object) -> str:
    return app.screen.query_one(MessageLine).message  # type: ignore[attr-defined]


async def test_a_shopkeeper_never_finds_or_opens_another_villages_household(
    make_app: AppFactory, db_path: Path, payload_of: Callable[[str], str]
) -> None:
    other, village, namesakes = _namesakes(db_path)
    refusal = f"{other.code} 是{village}村的农户，本村兑换点不能为其办理，请到{village}村办理"
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot)
        # By surname: only 和平's namesakes are listed.
        await pilot.press(other.head_name[0])
        await settle(pilot)
        assert other.code not in _codes(app)
        assert _codes(app) and all(code.startswith("HP") for code in _codes(app))
        assert set(_codes(app)) < set(namesakes)
        # By its whole code, typed: refused at once, in one whole line.
        await pilot.press("backspace", *other.code.lower(), "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert _message_on_screen(app) == refusal
        # By its card: refused before any screen of it opens.
        await scan_burst(pilot, payload_of(other.code))
        assert isinstance(app.screen, HomeScreen)
        assert _message_on_screen(app) == refusal
        assert not any(isinstance(screen, HouseholdScreen) for screen in app.screen_stack)


async def test_a_street_administrator_finds_every_village(
    make_app: AppFactory, db_path: Path, payload_of: Callable[[str], str]
) -> None:
    other, _, _ = _namesakes(db_path)
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in(pilot, downs=2, pin="9999")
        assert app.operator is not None and app.operator.role == "street_admin"
        await pilot.press(other.head_name[0])
        await settle(pilot)
        assert other.code in _codes(app)
        await scan_burst(pilot, payload_of(other.code))
        assert isinstance(app.screen, HouseholdScreen)
        assert app.screen.household.code == other.code
