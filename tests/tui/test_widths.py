"""Names and rule texts take the width the terminal has, and what is cut ends in an ellipsis,
never at a pane's edge or a punctuation mark."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from kiosk.core.db import open_database, read_session
from kiosk.core.reference import ruleset_for
from kiosk.tui.screens.household import HouseholdScreen
from kiosk.tui.screens.redeem import RedeemScreen
from tests.support.pilot import AppFactory, scan_burst, settle, sign_in
from tests.support.worlds import TUI_NOW

pytestmark = pytest.mark.world("tui")

LONGEST_ITEM = "2.0米床上用品四件套"


def _column(table: DataTable[str], index: int) -> list[str]:
    return [str(table.get_cell_at(Coordinate(row, index))) for row in range(table.row_count)]


def _nothing_scrolls_off(table: DataTable[str]) -> bool:
    # The last column's right padding may lie under the vertical scrollbar; no text may.
    return table.virtual_size.width - table.cell_padding <= table.scrollable_content_region.width


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_item_names_take_the_width_there_is(
    make_app: AppFactory, payload_of: Callable[[str], str], size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await scan_burst(pilot, payload_of("HP0001"))
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, RedeemScreen)
        table = app.screen.query_one("#catalogue", DataTable)
        names = _column(table, 1)
        assert len(names) == 31 and _nothing_scrolls_off(table)
        if size == (120, 40):
            assert LONGEST_ITEM in names  # whole: the pane is wide enough
        else:
            assert LONGEST_ITEM not in names
            assert "2.0米床上用品…" in names  # cut, and marked as cut


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_rule_texts_are_cut_with_an_ellipsis_to_the_width_there_is(
    make_app: AppFactory, payload_of: Callable[[str], str], db_path: Path, size: tuple[int, int]
) -> None:
    engine = open_database(f"sqlite:///{db_path}")
    with read_session(engine) as session:
        ruleset = ruleset_for(session, "heping", TUI_NOW)
    engine.dispose()
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot)
        await scan_burst(pilot, payload_of("HP0002"))
        await settle(pilot)
        assert isinstance(app.screen, HouseholdScreen)
        table = app.screen.query_one("#entries", DataTable)
        shown = _column(table, 3)
        assert shown and _nothing_scrolls_off(table)
        rule_texts = []
        for cell in shown:
            rule_id, _, text = cell.partition(" ")
            rule = ruleset.get(rule_id)
            if rule is None:
                continue  # a redemption's receipt number
            rule_texts.append(cell)
            if text != rule.text:
                # Cut: the start of the text, then an ellipsis; nothing else.
                assert text.endswith("…") and rule.text.startswith(text[:-1]), cell
        assert rule_texts
        widest = max(cell_len(cell) for cell in rule_texts)
        # At 120 columns the texts get the room there is, not a fixed ten characters.
        assert widest > (40 if size == (120, 40) else 20)
