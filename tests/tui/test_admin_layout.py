"""Every screen and dialog at the kiosk's two terminal sizes: each field is reached by Tab and
fully on screen once focused, and no number in a list is cut."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, Input

from kiosk.core.db import write_session
from kiosk.core.disputes import raise_dispute
from kiosk.tui.bindings import KEY
from kiosk.tui.dialogs.change_pin import ChangePinDialog
from kiosk.tui.screens.home import HomeScreen
from tests.support.builders import PlaceOrder, earn, household
from tests.support.clock import at
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in_as, type_into
from tests.support.worlds import RICE_COOKER, TOOTHPASTE
from tests.tui.test_admin_screens import declare, give

pytestmark = pytest.mark.world("admin")

SIZES = [(80, 24), (120, 40)]
# Places `open_screen` opens without arguments.
OPENED = [
    "receipts",
    "deadlines",
    "settings",
    "award",
    "declarations",
    "file-declaration",
    "disputes",
    "raise-dispute",
    "freezes",
    "notice",
]
# Screens and dialogs reached by keys from another (`_reach`).
REACHED = [
    "signin",
    "home",
    "household",
    "redeem",
    "confirm-redeem",
    "ask",
    "receipt",
    "handover",
    "cancel-line",
    "restock",
    "help",
    "change-pin",
]
SCREENS = OPENED + REACHED


def _world(engine: Engine) -> None:
    """Three-digit balances and a pending declaration and dispute, so lists hold numbers."""
    with write_session(engine) as session:
        for code, points in (("HP0001", 408), ("HP0002", 396), ("HP0003", 187)):
            earn(session, household(session, code), points, at(2026, 11, 2))
    declare(engine, "HP0002", "P08", helper="HP0003")
    give(engine, "HP0001", "P09", at(2026, 11, 3))
    with write_session(engine) as session:
        from kiosk.core.ledger import entries_of

        (entry,) = [
            e
            for e in entries_of(session, household(session, "HP0001").id, 2026)
            if e.rule_id == "P09"
        ]
        raise_dispute(
            session,
            entry_ref=entry.id,
            raised_by="户主本人",
            description="记错了",
            now=at(2026, 11, 4),
        )


def _fully_visible(app: Any, widget: Widget) -> bool:
    """The whole widget is drawn: not clipped by a container, not past the terminal's edge."""
    screen = app.screen
    try:
        geometry = screen.find_widget(widget)
    except Exception:
        return False
    terminal = Region(0, 0, *app.size)
    region = geometry.region
    return (
        bool(region) and geometry.clip.contains_region(region) and terminal.contains_region(region)
    )


_NUMBER = re.compile(r"[+-]?\d[\d.:\- ]*\Z").match


def _cut_numbers(app: Any) -> list[str]:
    """Columns of numbers in the lists that the terminal does not show whole: each must end
    within the list's visible width (a column past the edge shows 408 as `40`)."""
    cut: list[str] = []
    for table in app.screen.query(DataTable):
        if not table.display or table.row_count == 0:
            continue
        room = table.scrollable_content_region.width
        right = 0
        for index, column in enumerate(table.ordered_columns):
            right += column.get_render_width(table)
            # Points, counts, dates and times; a rule's text may be shortened, a number never.
            numbers = [
                str(table.get_cell_at(Coordinate(row, index))) for row in range(table.row_count)
            ]
            if any(_NUMBER(text) for text in numbers) and right > room:
                cut.append(f"#{table.id} {column.label}: {right} > {room}")
    return cut


async def _reach(app: Any, pilot: Any, place: str, order: str) -> None:
    """From home, signed in as 和平's village administrator, to `place` by keys."""
    if place in OPENED:
        app.open_screen(place)
    elif place in ("household", "redeem", "confirm-redeem", "ask"):
        await pilot.press(*"hp0002", "enter")
        await settle(pilot)
        if place != "household":
            await pilot.press(KEY["redeem"])
            await settle(pilot)
            await pilot.press(*"yg", "enter")
            await settle(pilot)
        if place == "confirm-redeem":
            await pilot.press(KEY["do"])
        elif place == "ask":
            await pilot.press("escape")  # an unconfirmed cart: asks first
    elif place == "receipt":
        app.open_screen("receipt", order)
    elif place in ("handover", "cancel-line"):
        await scan_burst(pilot, f"JFO:{order}")
        if place == "cancel-line":
            await pilot.press(KEY["refuse"])
    elif place == "restock":
        app.open_screen("deadlines")
        await settle(pilot)
        await pilot.press(KEY["record"])
    elif place == "help":
        await pilot.press(KEY["help"])
    elif place == "change-pin":
        app.push_screen(ChangePinDialog(app.operator, "482915"))
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("place", SCREENS)
async def test_every_field_is_reached_by_tab_and_seen_and_no_number_is_cut(
    make_app: AppFactory,
    engine: Engine,
    place_order: PlaceOrder,
    place: str,
    size: tuple[int, int],
) -> None:
    _world(engine)
    order = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 11, 10, 10, 0))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        if place == "signin":
            await settle(pilot)
        else:
            await sign_in_as(pilot, "admin-heping")
            await _reach(app, pilot, place, order)
        screen = app.screen
        assert place in ("signin", "home") or not isinstance(screen, HomeScreen), place
        focusable = list(screen.focus_chain)
        assert focusable, place
        reached: list[Widget] = []
        hidden: list[str] = []
        for _ in range(len(focusable) + 1):
            await pilot.press("tab")
            await pilot.pause()
            focused = screen.focused
            assert focused is not None
            reached.append(focused)
            if not _fully_visible(app, focused):
                hidden.append(f"{type(focused).__name__}#{focused.id}")
        missing = [f"{type(w).__name__}#{w.id}" for w in focusable if w not in reached]
        assert (missing, hidden) == ([], [])
        assert _cut_numbers(app) == []


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_lists_after_saving_a_declaration_and_a_dispute_show_every_number(
    make_app: AppFactory, engine: Engine, size: tuple[int, int]
) -> None:
    """Back from the form that saved one, the list holds the new row at once, its rows drawn
    one a line, and no column of numbers past the edge."""
    _world(engine)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in_as(pilot, "admin-heping")
        app.open_screen("declarations")
        await settle(pilot)
        await pilot.press(KEY["record"])
        await settle(pilot)
        await type_into(pilot, "#household", "HP0004")
        await type_into(pilot, "#helper", "HP0003")
        await type_into(pilot, "#rule-search", "P08")
        await pilot.press("enter")
        await settle(pilot)
        app.screen.query_one("#description", Input).value = "清理村道"
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert app.last_message == "申报已登记，待审核"
        table = app.screen.query_one("#pending", DataTable)
        assert table.row_count == 2
        assert table.region.height >= table.row_count + 1  # header and each row a line
        assert _cut_numbers(app) == []

        app.open_screen("disputes")
        await settle(pilot)
        await pilot.press(KEY["record"])
        await settle(pilot)
        await type_into(pilot, "#household", "HP0002")
        app.screen.query_one("#raised-by", Input).value = "户主本人"
        app.screen.query_one("#description", Input).value = "分数不对"
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert app.last_message == "异议已登记，待村支两委处理"
        table = app.screen.query_one("#disputes", DataTable)
        assert table.row_count == 2
        assert table.region.height >= table.row_count + 1
        assert _cut_numbers(app) == []
