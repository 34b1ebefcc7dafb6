"""The catalogue at the central: an item added under the next number, an item retired (no new
redemptions, open orders still handed over), each change logged and stamped for the pull."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import col

from kiosk.core.awards import award
from kiosk.core.central_models import RegisterChange
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import NotFound
from kiosk.core.households import resolve_household
from kiosk.core.models import CatalogItem, CatalogPrice, OrderLine
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from tests.register.conftest import HEPING_ADMIN, NOW, STREET_ADMIN, Office


def _item(office: Office, no: int) -> CatalogItem:
    with read_session(office.engine) as session:
        item = session.get(CatalogItem, no)
    assert item is not None
    return item


def test_an_item_is_added_under_the_next_number_and_offered(office: Office) -> None:
    result = office.run(
        "catalog",
        "add",
        "--name",
        "洗洁精（大瓶）",
        "--points",
        "12",
        "--due-class",
        "daily",
        "--operator",
        STREET_ADMIN,
        "--json",
    )

    assert result.code == 0, result.err
    added = result.json()
    assert added == {
        "item_no": 32,
        "name": "洗洁精（大瓶）",
        "points": 12,
        "due_class": "daily",
        "active": True,
    }
    assert _item(office, 32).server_seq is None
    listed = office.run("catalog", "list", "--json").json()
    assert listed[-1]["item_no"] == 32 and listed[-1]["due_days"] == 2


@pytest.mark.parametrize(
    ("argv", "by"),
    [
        (["--name", "牙刷", "--points", "1", "--due-class", "daily"], STREET_ADMIN),
        (["--name", "新物品", "--points", "0", "--due-class", "daily"], STREET_ADMIN),
        (["--name", "", "--points", "5", "--due-class", "daily"], STREET_ADMIN),
        (["--name", "新物品", "--points", "5"], STREET_ADMIN),
        (["--name", "新物品", "--points", "5", "--due-class", "daily"], HEPING_ADMIN),
    ],
    ids=["name exists", "zero points", "empty name", "no due class", "not a street admin"],
)
def test_items_that_may_not_be_added(office: Office, argv: list[str], by: str) -> None:
    result = office.run("catalog", "add", *argv, "--operator", by)

    assert result.code == 2 and result.err
    with read_session(office.engine) as session:
        assert session.get(CatalogItem, 32) is None


def test_a_retired_item_cannot_be_redeemed_but_open_orders_are_handed_over(
    office: Office,
) -> None:
    office.run(
        "household",
        "add",
        "--village",
        "和平",
        "--group",
        "1组",
        "--head",
        "甲乙",
        "--operator",
        STREET_ADMIN,
    )
    with write_session(office.engine) as session:
        operator = operator_by_id(session, STREET_ADMIN)
        household = resolve_household(session, "HP0001")
        award(session, household=household, rule_id="P09", quantity=1, operator=operator, now=NOW)
        order = redeem(
            session,
            household=household,
            lines=[RedeemLine(3, 1, False)],
            operator=operator,
            now=NOW,
            exchange_point_id="heping-shop",
        ).number

    # The goods were in the shop before the item was retired (a retired item is restocked only while lines of it are owed).
    restocked = office.run(
        "restock", "3", "5", "--exchange-point", "heping-shop", "--operator", STREET_ADMIN
    )
    assert restocked.code == 0, restocked.err

    retired = office.run("catalog", "retire", "3", "--operator", STREET_ADMIN, "--json")

    assert retired.code == 0 and retired.json()["active"] is False
    assert 3 not in [row["item_no"] for row in office.run("catalog", "list", "--json").json()]
    with write_session(office.engine) as session:
        operator = operator_by_id(session, STREET_ADMIN)
        household = resolve_household(session, "HP0001")
        with pytest.raises(NotFound):
            redeem(
                session,
                household=household,
                lines=[RedeemLine(3, 1, False)],
                operator=operator,
                now=NOW,
                exchange_point_id="heping-shop",
            )
    handed = office.run("handover", order, "--operator", STREET_ADMIN)
    assert handed.code == 0, handed.err
    with read_session(office.engine) as session:
        log = session.scalars(
            select(RegisterChange).where(col(RegisterChange.subject) == "catalog:3")
        ).one()
    assert (log.action, log.operator_id) == ("retire", STREET_ADMIN)
    again = office.run("catalog", "retire", "3", "--operator", STREET_ADMIN)
    assert again.code == 2 and "停止兑换" in again.err


def _redeem_one(office: Office, item_no: int, when: datetime) -> OrderLine:
    with write_session(office.engine) as session:
        operator = operator_by_id(session, STREET_ADMIN)
        household = resolve_household(session, "HP0001")
        award(session, household=household, rule_id="P03", quantity=1, operator=operator, now=when)
        order = redeem(
            session,
            household=household,
            lines=[RedeemLine(item_no, 1, False)],
            operator=operator,
            now=when,
            exchange_point_id="heping-shop",
        )
        return session.scalars(
            select(OrderLine).where(col(OrderLine.id) == order.lines[0].line_id)
        ).one()


def test_a_new_price_holds_from_its_day_and_orders_keep_theirs(office: Office) -> None:
    office.run(
        "household", "add", "--village", "和平", "--group", "1组", "--head", "甲乙",
        "--operator", STREET_ADMIN,
    )  # fmt: skip
    first = _item(office, 2).points
    priced = office.run(
        "catalog", "price", "2", str(first + 1), "--from", "2026-12-10",
        "--operator", STREET_ADMIN, "--json",
    )  # fmt: skip

    assert priced.code == 0, priced.err
    assert priced.json() == {
        "item_no": 2,
        "name": _item(office, 2).name,
        "points": first + 1,
        "from": "2026-12-10",
        "before": first,
    }
    # Until the day, the old price: in the list and on an order; from it, the new one.
    listed = {r["item_no"]: r["points"] for r in office.run("catalog", "list", "--json").json()}
    assert listed[2] == first
    before = _redeem_one(office, 2, NOW)
    eve = datetime(2026, 12, 9, 15, 59, tzinfo=UTC)  # 23:59 in Chongqing
    on_the_day = datetime(2026, 12, 9, 16, 0, tzinfo=UTC)  # midnight in Chongqing
    assert _redeem_one(office, 2, eve).unit_points == first
    after = _redeem_one(office, 2, on_the_day)
    assert (before.unit_points, after.unit_points, after.points) == (first, first + 1, first + 1)
    # The order made before keeps the price it was made at.
    with read_session(office.engine) as session:
        kept = session.get(OrderLine, before.id)
        assert kept is not None and kept.unit_points == first
        log = session.scalars(
            select(RegisterChange).where(
                col(RegisterChange.subject) == "catalog:2", col(RegisterChange.action) == "price"
            )
        ).one()
    assert (log.before, log.after) == (
        {"points": first},
        {"points": first + 1, "from": "2026-12-10"},
    )
    # The same again changes nothing; a second price for the day is refused.
    assert office.run(
        "catalog", "price", "2", str(first + 1), "--from", "2026-12-10", "--operator", STREET_ADMIN
    ).code == 0  # fmt: skip
    other = office.run(
        "catalog", "price", "2", str(first + 2), "--from", "2026-12-10", "--operator", STREET_ADMIN
    )  # fmt: skip
    assert other.code == 2 and "另选日期" in other.err


@pytest.mark.parametrize(
    ("argv", "by", "says"),
    [
        (["2", "5", "--from", "2026-12-02"], STREET_ADMIN, "明天"),  # today
        (["2", "5", "--from", "2026-11-30"], STREET_ADMIN, "明天"),
        (["2", "-1", "--from", "2026-12-10"], STREET_ADMIN, "-1"),
        (["2", "1000000000", "--from", "2026-12-10"], STREET_ADMIN, "1000000000"),
        (["99", "5", "--from", "2026-12-10"], STREET_ADMIN, "99"),
        (["2", "5", "--from", "2026-12-10"], HEPING_ADMIN, ""),
        (["2", "5"], STREET_ADMIN, "--from"),
    ],
    ids=["today", "past", "negative", "a billion", "no such item", "not a street admin", "no day"],
)
def test_prices_that_may_not_be_set(office: Office, argv: list[str], by: str, says: str) -> None:
    result = office.run("catalog", "price", *argv, "--operator", by)

    assert result.code == 2 and says in result.err, result.err
    with read_session(office.engine) as session:
        assert session.scalars(select(CatalogPrice)).first() is None
