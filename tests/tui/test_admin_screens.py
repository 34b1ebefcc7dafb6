"""The declarations, disputes, freeze and notice screens by role, driven by keys on a real
database: a village administrator sees only its village; decisions go through the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from kiosk.core.awards import award
from kiosk.core.db import write_session
from kiosk.core.declarations import file_declaration
from kiosk.printables.cards import CardFace, render_card
from kiosk.tui.bindings import KEY
from kiosk.tui.dialogs.ask import AskDialog
from kiosk.tui.screens.declarations import DeclarationsScreen, FileDeclarationScreen
from kiosk.tui.screens.disputes import DisputesScreen, RaiseDisputeScreen
from kiosk.tui.screens.freeze import FreezeScreen
from kiosk.tui.screens.notice import NoticeScreen
from tests.support.builders import household, operator, points_of
from tests.support.clock import at
from tests.support.pilot import (
    AppFactory,
    answer_yes,
    open_menu,
    settle,
    sign_in_as,
    type_into,
)
from tests.support.worlds import Db

pytestmark = pytest.mark.world("admin")

SIZE = (150, 44)


def declare(engine: Engine, code: str, rule_id: str, helper: str | None = None) -> None:
    # A self-declaration needs a photo (并上传照片等相关证据); keep it beside the database.
    folder = Path(str(engine.url.database)).parent
    photos: list[Path] = []
    if helper is None:
        photos = [folder / "deed.png"]
        Image.new("RGB", (8, 8), (0, 120, 0)).save(photos[0])
    with write_session(engine) as session:
        file_declaration(
            session,
            household=household(session, code),
            rule_id=rule_id,
            quantity=1,
            description="参加村里组织的公益劳动",
            now=at(2026, 11, 14),
            helper=household(session, helper) if helper else None,
            photos=photos,
            evidence_dir=folder / "evidence",
        )


def give(engine: Engine, code: str, rule_id: str, when: Any) -> None:
    with write_session(engine) as session:
        award(
            session,
            household=household(session, code),
            rule_id=rule_id,
            quantity=1,
            operator=operator(session, "street-admin"),
            now=when,
        )


def rows(app: Any, selector: str) -> int:
    return int(app.screen.query_one(selector).row_count)


async def test_declarations_of_the_village_approved_rejected_and_filed(
    make_app: AppFactory, engine: Engine, db: Db, tmp_path: Path
) -> None:
    declare(engine, "HP0002", "P08", helper="HP0003")
    declare(engine, "XZG0001", "P08")  # another village: not on this administrator's list
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await open_menu(pilot, "declarations")
        assert isinstance(app.screen, DeclarationsScreen)
        assert rows(app, "#pending") == 1

        # F9 asks; Esc keeps it pending.
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert isinstance(app.screen, AskDialog)
        question = str(app.screen.query_one("#ask-question").render())
        assert question.startswith("通过 HP0002 的申报：P08")
        await pilot.press("escape")
        await settle(pilot)
        assert (points_of(engine, "HP0002"), rows(app, "#pending")) == (0, 1)
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        assert app.last_message == "申报已通过，记入 20 分"
        assert (points_of(engine, "HP0002"), points_of(engine, "HP0003")) == (20, 20)
        assert rows(app, "#pending") == 0

        # File one from a photo of the household's card, then reject it with a reason.
        await pilot.press(KEY["record"])
        await settle(pilot)
        assert isinstance(app.screen, FileDeclarationScreen)
        card = tmp_path / "card.png"
        payload = db.signer().payload("HP0004", 1)
        render_card(CardFace(payload, "HP0004", "和平", "3组", "陶一帆", 1)).save(card)
        # A path is chosen, not scanned: put it in the field and press Enter, since typing
        # eight characters in one fast burst is what a scanner does.
        photo_field = app.screen.query_one("#card-photo")
        photo_field.focus()
        photo_field.value = str(card)
        await pilot.press("enter")
        await settle(pilot)
        assert "HP0004 陶*帆" in str(app.screen.query_one("#household-info").render())
        # The rule is searched as on the award screen (its words, initials or number).
        await type_into(pilot, "#rule-search", "P08")
        await pilot.press("enter")
        await settle(pilot)
        assert "已选：P08" in str(app.screen.query_one("#rule-info").render())
        assert app.screen.focused is app.screen.query_one("#description")
        app.screen.query_one("#description").value = "清理村道垃圾桶"
        app.screen.query_one("#photos").value = str(card)  # 并上传照片等相关证据
        # Filled in, every field still says what it is.
        labels = [str(label.render()) for label in app.screen.query(".field-label")]
        assert "农户（户号或扫积分卡）" in labels and "申报的事情" in labels
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert app.last_message == "申报已登记，待审核"
        assert isinstance(app.screen, DeclarationsScreen)
        assert rows(app, "#pending") == 1

        # Four eyes: the administrator who filed it may not decide it.
        await type_into(pilot, "#reason", "not P08", submit=False)
        await pilot.press(KEY["refuse"])
        await settle(pilot)
        assert app.last_message == "这条申报是您本人登记的，须由另一位管理员审核"
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        assert app.last_message == "这条申报是您本人登记的，须由另一位管理员审核"
        assert rows(app, "#pending") == 1 and points_of(engine, "HP0004") == 0

    other = make_app()
    async with other.run_test(size=SIZE) as pilot:
        await sign_in_as(pilot, "street-admin")
        await open_menu(pilot, "declarations")
        codes = [other.screen.query_one("#pending").get_row_at(i)[1] for i in range(2)]
        other.screen.query_one("#pending").move_cursor(row=codes.index("HP0004"))
        await pilot.press(KEY["refuse"])  # no reason yet: refused, still pending
        await settle(pilot)
        assert "驳回申报请写明原因" in other.last_message
        await type_into(pilot, "#reason", "not P08", submit=False)
        await pilot.press(KEY["refuse"])
        await settle(pilot)
        assert other.last_message == "申报已驳回"
        assert rows(other, "#pending") == 1  # only 惜字阁's is left
        assert points_of(engine, "HP0004") == 0


async def test_a_dispute_recorded_and_corrected_restores_the_balance(
    make_app: AppFactory, engine: Engine
) -> None:
    give(engine, "HP0001", "P09", at(2026, 11, 1))
    for day in (2, 3, 4, 5):
        give(engine, "HP0001", "N11", at(2026, 11, day))
    assert points_of(engine, "HP0001") == 8
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await open_menu(pilot, "disputes")
        assert isinstance(app.screen, DisputesScreen)
        assert rows(app, "#disputes") == 0

        await pilot.press(KEY["record"])
        await settle(pilot)
        assert isinstance(app.screen, RaiseDisputeScreen)
        await type_into(pilot, "#household", "HP0001")
        assert rows(app, "#entries") == 5  # newest first: the deduction is highlighted
        app.screen.query_one("#raised-by").value = "林小禾"
        app.screen.query_one("#description").value = "那天已经分好类"
        await pilot.press(KEY["do"])
        await settle(pilot)
        assert app.last_message == "异议已登记，待村支两委处理"
        assert isinstance(app.screen, DisputesScreen)
        assert rows(app, "#disputes") == 1

        await type_into(pilot, "#note", "ok", submit=False)
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        # Four eyes: whoever recorded it may not decide it.
        assert app.last_message == "这条异议是您本人登记的，须由另一位管理员处理"
        assert points_of(engine, "HP0001") == 8

    other = make_app()
    async with other.run_test(size=SIZE) as pilot:
        await sign_in_as(pilot, "street-admin")
        await open_menu(pilot, "disputes")
        await type_into(pilot, "#note", "ok", submit=False)
        await pilot.press(KEY["do"])
        await settle(pilot)
        question = str(other.screen.query_one("#ask-question").render())
        assert question == "更正 HP0001 的记录（扣分 -2），冲回这 -2 分？"
        await answer_yes(pilot)
        assert other.last_message == "异议已处理：已更正"
        assert points_of(engine, "HP0001") == 10
        assert rows(other, "#disputes") == 0
        await pilot.press(KEY["find"])  # decided ones too: it stays in the history
        await settle(pilot)
        assert rows(other, "#disputes") == 1


async def test_freeze_and_lift_within_the_village_only(
    make_app: AppFactory, engine: Engine
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await open_menu(pilot, "freezes")
        assert isinstance(app.screen, FreezeScreen)
        await type_into(pilot, "#code", "HP0004", submit=False)
        await type_into(pilot, "#until", "2026-12-31", submit=False)
        await type_into(pilot, "#reason", "ban", submit=False)
        await pilot.press(KEY["do"])
        await settle(pilot)
        question = str(app.screen.query_one("#ask-question").render())
        assert question == "冻结 HP0004 兑换至 2026-12-31？"
        await pilot.press("escape")
        await settle(pilot)
        assert rows(app, "#frozen") == 0
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        assert app.last_message == "HP0004 冻结兑换至 2026-12-31"
        assert rows(app, "#frozen") == 1

        await type_into(pilot, "#code", "XZG0001", submit=False)
        await type_into(pilot, "#until", "2026-12-31", submit=False)
        await type_into(pilot, "#reason", "ban", submit=False)
        await pilot.press(KEY["do"])
        await answer_yes(pilot)
        assert "只能管理本村的农户" in app.last_message
        assert rows(app, "#frozen") == 1

        app.screen.query_one("#code").value = ""
        await type_into(pilot, "#reason", "lifted", submit=False)
        app.screen.query_one("#frozen").focus()
        await pilot.press(KEY["refuse"])
        await settle(pilot)
        assert app.last_message == "HP0004 已解除冻结"
        assert rows(app, "#frozen") == 0


async def test_the_notice_screen_ranks_and_exports(
    make_app: AppFactory, engine: Engine, tmp_path: Path
) -> None:
    give(engine, "HP0001", "P08", at(2026, 10, 20))
    give(engine, "HP0002", "P03", at(2026, 11, 2))
    give(engine, "XZG0001", "P01", at(2026, 11, 3))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in_as(pilot, "admin-heping")
        await open_menu(pilot, "notice")
        assert isinstance(app.screen, NoticeScreen)
        village = app.screen.query_one("#village")
        assert (village.value, village.disabled) == ("和平", True)
        assert app.screen.query_one("#quarter").value == "2026Q4"
        table = app.screen.query_one("#notice")
        assert [table.get_row_at(i)[:5] for i in range(2)] == [
            ["1", "HP0001", "林*禾", "1组", "20"],
            ["2", "HP0002", "欧**燕", "2组", "10"],
        ]
        assert rows(app, "#notice") == 4  # every participating household of 和平
        assert rows(app, "#month-top") == 1  # November: only HP0002 earned
        out = tmp_path / "notice.pdf"
        await type_into(pilot, "#out", str(out), submit=False)
        await pilot.press(KEY["print_copy"])
        await settle(pilot)
        assert app.last_message == f"公示已导出：{out}"
        assert out.read_bytes().startswith(b"%PDF")

    street = make_app()
    async with street.run_test(size=SIZE) as pilot:
        await sign_in_as(pilot, "street-admin")
        await open_menu(pilot, "notice")
        village = street.screen.query_one("#village")
        assert village.disabled is False
        await type_into(pilot, "#village", "惜字阁")
        assert street.screen.query_one("#notice").get_row_at(0)[1] == "XZG0001"
