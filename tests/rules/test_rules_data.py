"""Every line of 附件1 and 附件2 and every item of 附件3 is in the data as the document has it,
and every line a person can award is awarded (and every item redeemed) through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from catalog.items import DueClass, load_items
from catalog.search import search_items
from kiosk.core.awards import award
from kiosk.core.clock import from_db
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import Refused
from kiosk.core.ledger import balance
from kiosk.core.models import OrderLine
from kiosk.core.redemption import RedeemLine, redeem
from rules.loader import street_ruleset
from rules.model import Cadence, Eligibility, RuleList
from tests.support.builders import NOW, entries, household, operator

PO, MONTHLY, RATE = Cadence.PER_OCCURRENCE, Cadence.MONTHLY, Cadence.RATE

# 附件1 积分制正面清单: (id, points, cadence, per, unit, a phrase of the document's text).
POSITIVE = (
    ("P01", 100, PO, None, None, "制止正在侵害他人人身安全"),
    ("P02", 20, PO, None, None, "举报各类违法犯罪行为并经调查属实"),
    ("P03", 10, PO, None, None, "弘扬孝老敬老传统"),
    ("P04", 20, Cadence.EVALUATION, None, None, "进入村级评议红榜"),
    ("P05", 100, PO, None, None, "评上区级美丽庭院"),
    ("P06", 50, PO, None, None, "评上镇级美丽庭院"),
    ("P07", 10, PO, None, None, "评上村级美丽庭院"),
    ("P08", 20, PO, None, None, "参与村委会组织的各项公益活动"),
    ("P09", 10, MONTHLY, None, None, "清洁卫生美化、洁化"),
    ("P10", 10, MONTHLY, None, None, "清洁卫生序化"),
    ("P10A", 20, MONTHLY, None, None, "完成无害化卫生厕所改造"),
    ("P11", 10, MONTHLY, None, None, "各类垃圾倾倒在指定地点"),
    ("P12", 10, MONTHLY, None, None, "鸡鸭圈养，狗拴链"),
    ("P13.1", 5, RATE, 20, "个", "烟盒20个/5分"),
    ("P13.2", 10, RATE, 20, "个", "瓶瓶罐罐20个/10分"),
    ("P13.3", 10, RATE, 10, "斤", "废纸10斤/10分"),
    ("P13.4", 10, RATE, 10, "个", "废电池10个/10分"),
    ("P13.5", 10, RATE, 5, "斤", "地膜5斤/10分"),
    ("P13.6", 10, RATE, 2, "斤", "废铁2斤/10分"),
    ("P14", 500, Cadence.BONUS_YEARLY, None, None, "年度累计获得积分前五"),
    ("P15", 50, Cadence.BONUS_MONTHLY, None, None, "月度累计获得积分前五"),
)

# 附件2 积分制负面清单.
NEGATIVE = (
    ("N01", -10, PO, None, None, "不赡养老人"),
    ("N02", -20, PO, None, None, "酒驾醉驾"),
    ("N03", -2, PO, None, None, "畜禽散养"),
    ("N04", -2, PO, None, None, "两违"),
    ("N05", -2, PO, None, None, "与邻里发生矛盾"),
    ("N06", -2, PO, None, None, "没有履行孝老爱亲义务"),
    ("N07", -5, PO, None, None, "非法上访"),
    ("N08", -2, PO, None, None, "秸秆焚烧"),
    ("N09", 0, Cadence.FREEZE, None, None, "在影响期间只积分，不参与兑换"),
    ("N10", -2, PO, None, None, "拒不整改"),
    ("N11", -2, Cadence.WARN_THEN_DEDUCT, None, None, "前三次予以警告教育"),
    ("N12", -2, Cadence.EVALUATION, None, None, "连续两次及以上村级垃圾分类黑榜"),
)

# 附件3 大足区积分制试点兑换物品, in 序号 order.
CATALOGUE = (
    ("牙刷", 1), ("牙膏", 3), ("香皂", 5), ("洗洁精", 5), ("毛巾", 6), ("400g食用盐", 7),
    ("蚝油", 7), ("马桶刷", 8), ("料酒", 10), ("洗手液", 10), ("酱油", 12), ("食醋", 12),
    ("扫把簸箕套装", 15), ("拖鞋", 18), ("垃圾桶", 20), ("枕芯", 25), ("卫生纸10卷", 25),
    ("保温杯", 25), ("30元话费", 30), ("洗衣液", 30), ("大米10斤", 35), ("菜板", 40),
    ("不锈汤锅", 45), ("食用油（5L）", 50), ("电热水壶", 65), ("毛毯", 80), ("6斤棉被", 100),
    ("电磁炉", 150), ("电饭煲", 180), ("2.0米床上用品四件套", 200), ("太阳能庭院灯", 260),
)  # fmt: skip
APPLIANCES = {"电热水壶", "电磁炉", "电饭煲", "太阳能庭院灯"}

RULES = street_ruleset()
AWARDABLE = [line for line in POSITIVE + NEGATIVE if RULES.get(line[0]).awardable_by_hand]  # type: ignore[union-attr]


def test_the_lists_hold_exactly_the_documents_lines() -> None:
    expected = [line[0] for line in POSITIVE + NEGATIVE]
    assert [rule.id for rule in RULES.rules] == expected
    assert RULES.effective_from.isoformat() == "2022-12-08"


@pytest.mark.parametrize(
    ("rule_id", "points", "cadence", "per", "unit", "phrase"), POSITIVE + NEGATIVE
)
def test_each_line_has_the_documents_points_and_cadence(
    rule_id: str, points: int, cadence: Cadence, per: int | None, unit: str | None, phrase: str
) -> None:
    rule = RULES.get(rule_id)
    assert rule is not None
    assert (rule.points, rule.cadence, rule.per, rule.unit) == (points, cadence, per, unit)
    assert phrase in rule.text
    assert rule.list is (RuleList.POSITIVE if rule_id.startswith("P") else RuleList.NEGATIVE)
    if rule_id == "N11":
        assert rule.warnings == 3


def test_the_catalogue_holds_the_documents_31_items() -> None:
    items = load_items()
    assert [(item.name, item.points) for item in items] == list(CATALOGUE)
    assert [item.no for item in items] == list(range(1, 32))
    for item in items:
        expected = DueClass.APPLIANCE if item.name in APPLIANCES else DueClass.DAILY
        assert (item.due_class, item.due_days) == (expected, 7 if item.name in APPLIANCES else 2)


@pytest.mark.parametrize(
    ("query", "first"), [("yg", "牙膏"), ("2", "牙膏"), ("电饭", "电饭煲"), ("tyn", "太阳能庭院灯")]
)
def test_catalogue_search_by_number_name_and_initials(query: str, first: str) -> None:
    assert search_items(query, load_items())[0].name == first


@pytest.mark.parametrize(("rule_id", "points", "cadence", "per", "unit", "phrase"), AWARDABLE)
def test_each_awardable_line_awarded_once_writes_its_entry(
    engine: Engine,
    rule_id: str,
    points: int,
    cadence: Cadence,
    per: int | None,
    unit: str | None,
    phrase: str,
) -> None:
    quantity = per or 1
    rule = RULES.get(rule_id)
    assert rule is not None
    earlier = 0
    if rule.eligibility is Eligibility.ABOVE_VILLAGE_AVERAGE:
        # 美丽庭院 goes to households above the village average: HP0001 earns first.
        with write_session(engine) as session:
            award(session, household=household(session, "HP0001"), rule_id="P01", quantity=1,
                  operator=operator(session, "admin-heping"), now=NOW - timedelta(days=1))  # fmt: skip
        earlier = 100
    with write_session(engine) as session:
        target = household(session, "HP0001")
        result = award(
            session,
            household=target,
            rule_id=rule_id,
            quantity=quantity,
            operator=operator(session, "admin-heping"),
            now=NOW,
        )
    with read_session(engine) as session:
        (entry,) = [
            e for e in entries(session, household(session, "HP0001")) if e.rule_id == rule_id
        ]
        if cadence is Cadence.WARN_THEN_DEDUCT:
            expected_points, kind = 0, "warning"  # the first of three warnings
        else:
            expected_points, kind = points, "award" if points > 0 else "deduction"
        assert (entry.points, entry.kind, entry.rule_id, entry.quantity, entry.remainder) == (
            expected_points, kind, rule_id, quantity, None
        )  # fmt: skip
        assert entry.rule_version == "tangxiang-2022@2022-12-08" == result.rule_version
        assert (entry.points_year, entry.operator_id, entry.origin) == (
            2026,
            "admin-heping",
            "K-HP-01",
        )
        assert from_db(entry.created_at) == NOW
        assert balance(session, entry.household_id, 2026) == earlier + expected_points
        assert [view.id for view in result.entries] == [entry.id]


@pytest.mark.parametrize(
    ("rule_id", "key"),
    [
        ("P14", "rule.system_only"),
        ("P15", "rule.system_only"),
        ("N09", "rule.use_freeze"),
        ("P04", "rule.from_evaluation"),
        ("N12", "rule.from_evaluation"),
    ],
)
def test_bonus_and_freeze_lines_cannot_be_awarded_by_hand(
    engine: Engine, rule_id: str, key: str
) -> None:
    with pytest.raises(Refused) as refused, write_session(engine) as session:
        award(
            session,
            household=household(session, "HP0001"),
            rule_id=rule_id,
            quantity=1,
            operator=operator(session, "street-admin"),
            now=NOW,
        )
    assert refused.value.key == key
    with read_session(engine) as session:
        assert entries(session, household(session, "HP0001")) == []


@pytest.mark.parametrize("no", range(1, 32))
def test_each_catalogue_item_is_redeemable_with_its_due_date(engine: Engine, no: int) -> None:
    name, points = CATALOGUE[no - 1]
    with write_session(engine) as session:
        award(
            session,
            household=household(session, "HP0002"),
            rule_id="P01",
            quantity=3,
            operator=operator(session, "admin-heping"),
            now=NOW - timedelta(days=1),
        )
    with write_session(engine) as session:
        result = redeem(
            session,
            household=household(session, "HP0002"),
            lines=[RedeemLine(no, 1)],
            operator=operator(session, "shop-heping"),
            now=NOW,
        )
    days = 7 if name in APPLIANCES else 2
    (line,) = result.lines
    assert (line.no, line.name, line.qty, line.points) == (no, name, 1, points)
    assert line.due_at == NOW + timedelta(days=days)
    assert (result.total, result.balance_before, result.balance_after) == (
        points,
        300,
        300 - points,
    )
    with read_session(engine) as session:
        stored = session.get(OrderLine, line.line_id)
        assert stored is not None and from_db(stored.due_at) == NOW + timedelta(days=days)
        assert stored.due_class == ("appliance" if name in APPLIANCES else "daily")
        assert balance(session, household(session, "HP0002").id, 2026) == 300 - points
