"""What the household pages show, read through the domain: the owed goods are the board's lines
of the household (any exchange point), the notice is the village's with names masked, the
history names each rule in plain words, the rules page lists the set in force."""

from __future__ import annotations

from kiosk.core.db import read_session
from kiosk.core.fulfilment.board import board
from kiosk.core.masking import mask_name
from kiosk.core.reference import ruleset_for
from tests.sync.harness import NOW
from tests.sync.web.conftest import Site
from tests.sync.web.records import OBJECTION, REJECTION, owe_goods, rejected_and_disputed


def test_owed_goods_are_the_boards_lines_of_the_household(site: Site) -> None:
    # Goods ordered for two households, not yet handed over.
    owe_goods(site.central.engine, site.households[0].id, 1)
    owe_goods(site.central.engine, site.households[1].id, 2)
    with read_session(site.central.engine) as session:
        rows = board(session, NOW, village="heping")
    assert len({row.household_code for row in rows}) >= 2
    code = rows[0].household_code
    household = next(h for h in site.households if h.code == code)
    mine = [row for row in rows if row.household_code == code]
    page = site.signed_in(household).get(f"/h/{code}/owed").text
    assert page.count('<span class="what">') == len(mine)
    for row in mine:
        assert f"{row.line.name} ×{row.line.qty}" in page
    others = {row.line.name for row in rows if row.household_code != code} - {
        row.line.name for row in mine
    }
    for name in others:
        assert name not in page


def test_notice_history_and_rules_come_from_the_domain(site: Site) -> None:
    household = site.households[0]
    client = site.signed_in(household)
    notice = client.get(f"/h/{household.code}/notice").text
    for other in site.households:
        assert mask_name(other.head_name) in notice
    with read_session(site.central.engine) as session:
        rules = {rule.id: rule for rule in ruleset_for(session, "heping", NOW).rules}
    history = client.get(f"/h/{household.code}/history").text
    assert any(rule.behaviour in history for rule in rules.values())
    listed = client.get(f"/h/{household.code}/rules").text
    for rule in rules.values():
        assert rule.behaviour.replace("&", "&amp;") in listed


def test_declarations_and_objections_show_where_they_stand(site: Site) -> None:
    household, neighbour = site.households[0], site.households[1]
    filed = rejected_and_disputed(site.central.engine, household.id, neighbour.id)
    page = site.signed_in(household).get(f"/h/{household.code}/requests").text
    assert filed.rule_text in page
    assert "已驳回" in page and f"原因：{REJECTION}" in page
    assert OBJECTION in page and "待处理" in page
    # The neighbour sees nothing of it on its own page.
    theirs = site.signed_in(neighbour).get(f"/h/{neighbour.code}/requests").text
    assert OBJECTION not in theirs and REJECTION not in theirs
