"""The award screen by role, driven by keys: who reaches it, the preview the rules give, confirm."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from kiosk.tui.bindings import KEY
from kiosk.tui.dialogs.ask import AskDialog
from kiosk.tui.screens.award import AwardScreen
from kiosk.tui.screens.home import HomeScreen
from tests.support.builders import points_of
from tests.support.pilot import (
    AppFactory,
    answer_yes,
    menu_ids,
    open_menu,
    settle,
    sign_in_as,
    type_into,
)

pytestmark = pytest.mark.world("admin")

ADMIN_ENTRIES = ["award", "declarations", "disputes", "freezes", "notice"]


def preview(app: Any) -> str:
    return str(app.screen.query_one("#preview").render())


async def choose_rule(pilot: Any, rule_id: str, query: str | None = None) -> None:
    """Search the lists (by the rule's number unless a query is given), pick the first match."""
    await type_into(pilot, "#rule-search", query or rule_id)  # Enter moves to the list
    await pilot.press("enter")
    await settle(pilot)
    assert pilot.app.screen.rule is not None and pilot.app.screen.rule.id == rule_id


async def test_a_shopkeeper_cannot_reach_awards(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await sign_in_as(pilot, "shop-heping")
        assert not set(ADMIN_ENTRIES) & set(menu_ids(app))
        # Even pushed directly, the screen sends a shopkeeper back.
        app.push_screen(AwardScreen())
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.last_message == "只有村管理员和街道管理员可以使用此功能"


async def test_administrators_see_the_administration_menu(make_app: AppFactory) -> None:
    for operator_id in ("admin-heping", "street-admin"):
        app = make_app()
        async with app.run_test() as pilot:
            await sign_in_as(pilot, operator_id)
            ids = menu_ids(app)
            assert [i for i in ids if i in ADMIN_ENTRIES] == ADMIN_ENTRIES


async def test_award_45_cigarette_boxes_with_preview_then_confirm(
    make_app: AppFactory, engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await open_menu(pilot, "award")
        assert isinstance(app.screen, AwardScreen)

        await type_into(pilot, "#household", "HP0001")
        assert "HP0001 林*禾" in str(app.screen.query_one("#household-info").render())
        await choose_rule(pilot, "P13.1", query="yh")  # 烟盒 by its pinyin initials
        await type_into(pilot, "#qty", "45", submit=False)
        assert "将加 10 分" in preview(app) and "余5个未计分" in preview(app)
        assert points_of(engine, "HP0001") == 0  # a preview writes nothing

        # F10 asks first; Esc, or Enter on the focused safe answer, writes nothing.
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert isinstance(app.screen, AskDialog)
        assert "HP0001：将加 10 分，确认记入？" in str(
            app.screen.query_one("#ask-question").render()
        )
        assert str(app.screen.query_one("#no").label) == "取消（Esc）"
        assert app.screen.focused is app.screen.query_one("#no")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press(KEY["do"], "enter")
        await settle(pilot)
        assert isinstance(app.screen, AwardScreen)
        assert points_of(engine, "HP0001") == 0
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        assert app.last_message == "已记入：+10"
        assert points_of(engine, "HP0001") == 10


async def test_the_preview_shows_the_month_cap_and_the_first_deduction(
    make_app: AppFactory, engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await open_menu(pilot, "award")
        await type_into(pilot, "#household", "HP0001")

        await choose_rule(pilot, "P09")
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        await choose_rule(pilot, "P09")
        assert "不能记分：本月已计过分（2026-11-16）" in preview(app)
        await pilot.press(KEY["do"])  # refused: nothing written, the reason said again
        await settle(pilot)
        assert points_of(engine, "HP0001") == 10

        for nth in range(1, 4):
            await choose_rule(pilot, "N11")
            assert f"第{nth}次警告教育" in preview(app)
            await pilot.press(KEY["do"])
            await answer_yes(pilot)
        await choose_rule(pilot, "N11")
        assert "将扣 2 分" in preview(app)
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        assert points_of(engine, "HP0001") == 8


async def test_a_mutual_help_award_credits_both(make_app: AppFactory, engine: Engine) -> None:
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await sign_in_as(pilot, "street-admin")
        await open_menu(pilot, "award")
        await type_into(pilot, "#household", "HP0002")
        await type_into(pilot, "#helper", "HP0003")
        await choose_rule(pilot, "P08")
        assert "帮助人 HP0003 同得 20 分" in preview(app)
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        assert (points_of(engine, "HP0002"), points_of(engine, "HP0003")) == (20, 20)


async def test_a_village_administrator_only_awards_its_village(
    make_app: AppFactory, engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await open_menu(pilot, "award")
        await type_into(pilot, "#household", "XZG0001")
        assert "只能管理本村的农户" in str(app.screen.query_one("#household-info").render())
        assert app.screen.household is None
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert points_of(engine, "XZG0001") == 0


async def test_a_card_scanned_on_the_award_screen_names_the_household_there(
    make_app: AppFactory, db: Any
) -> None:
    payload = db.signer().payload("HP0002", 1)
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await open_menu(pilot, "award")
        # A scanner burst: the payload's keys and Enter, as the USB scanner types them.
        await pilot.press(*payload, "enter")
        await settle(pilot)
        assert isinstance(app.screen, AwardScreen)
        assert "HP0002" in str(app.screen.query_one("#household-info").render())
