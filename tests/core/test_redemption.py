"""Redemption through the service: balance and freeze checks, quantities, idempotent order ids,
hand-overs with stock, and operators acting for their own village."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError, NotFound, Refused
from kiosk.core.ledger import balance
from kiosk.core.models import Handover, LedgerEntry, OrderLine, RedemptionOrder, StockMovement
from kiosk.core.redemption import (
    RedeemLine,
    RedeemResult,
    merge_lines,
    parse_item_specs,
    quote,
    redeem,
)
from kiosk.core.reference import stock_levels
from tests.support.builders import NOW, dump, earn, household, operator
from tests.support.clock import at
from tests.support.worlds import Db


@pytest.fixture
def funded(engine: Engine) -> Engine:
    """HP0001 holds 100 points and XZG0001 holds 50, earned in October."""
    with write_session(engine) as session:
        earn(session, household(session, "HP0001"), 100, at(2026, 10, 5))
        earn(session, household(session, "XZG0001"), 50, at(2026, 10, 5))
    return engine


def buy(
    engine: Engine,
    lines: Sequence[RedeemLine],
    *,
    code: str = "HP0001",
    by: str = "shop-heping",
    when: datetime = NOW,
    order_id: str | None = None,
) -> RedeemResult:
    with write_session(engine) as session:
        return redeem(
            session,
            household=household(session, code),
            lines=lines,
            operator=operator(session, by),
            now=when,
            order_id=order_id,
        )


def refused(engine: Engine, db: Db, lines: Sequence[RedeemLine], **kwargs: object) -> DomainError:
    """The redemption fails and the database file is byte-for-byte as it was."""
    before = dump(db.path)
    with pytest.raises(DomainError) as caught:
        buy(engine, lines, **kwargs)  # type: ignore[arg-type]
    assert dump(db.path) == before
    return caught.value


def points_of(engine: Engine, code: str = "HP0001") -> int:
    with read_session(engine) as session:
        return balance(session, household(session, code).id, 2026)


def test_redemption_writes_order_lines_and_one_entry(funded: Engine) -> None:
    result = buy(funded, [RedeemLine(2, 2), RedeemLine(25, 1)])
    assert (result.total, result.balance_before, result.balance_after) == (71, 100, 29)
    assert result.number == "K-HP-01-000001"  # this kiosk's origin and its first number
    with read_session(funded) as session:
        (entry,) = session.exec(select(LedgerEntry).where(LedgerEntry.kind == "redemption")).all()
        assert (entry.points, entry.order_id, entry.group_id) == (
            -71,
            result.order_id,
            result.order_id,
        )
        lines = session.exec(select(OrderLine).where(OrderLine.order_id == result.order_id)).all()
        assert sorted((line.item_no, line.qty, line.points) for line in lines) == [
            (2, 2, 6),
            (25, 1, 65),
        ]
    assert points_of(funded) == 29


def test_redeeming_the_whole_balance_leaves_zero(funded: Engine) -> None:
    buy(funded, [RedeemLine(27, 1)])  # 6斤棉被, 100 points
    assert points_of(funded) == 0


def test_over_the_balance_is_refused_and_nothing_written(db: Db, funded: Engine) -> None:
    error = refused(funded, db, [RedeemLine(28, 1)])  # 电磁炉, 150 points
    assert isinstance(error, Refused)
    assert (error.key, error.params) == ("redeem.over_balance", {"total": 150, "balance": 100})


def test_a_negative_balance_cannot_redeem(db: Db, engine: Engine) -> None:
    with write_session(engine) as session:
        earn(session, household(session, "HP0003"), -2, at(2026, 10, 5))
    assert refused(engine, db, [RedeemLine(1, 1)], code="HP0003").key == "redeem.negative_balance"


def test_an_empty_order_is_refused(db: Db, funded: Engine) -> None:
    assert refused(funded, db, []).key == "redeem.empty"


@pytest.mark.parametrize("qty", [0, -1, 100, 10**9])
def test_absurd_quantities_are_bad_input(db: Db, funded: Engine, qty: int) -> None:
    error = refused(funded, db, [RedeemLine(1, qty)])
    assert isinstance(error, BadInput) and error.key == "qty.range"


def test_repeated_items_merge_and_their_sum_is_checked(db: Db, funded: Engine) -> None:
    assert merge_lines([RedeemLine(2, 1), RedeemLine(3, 1), RedeemLine(2, 2, True)]) == [
        RedeemLine(2, 3, True),
        RedeemLine(3, 1),
    ]
    assert refused(funded, db, [RedeemLine(1, 60), RedeemLine(1, 60)]).key == "qty.range"


@pytest.mark.parametrize("no", [0, 32, -1, 10**9])
def test_unknown_items_are_not_found(db: Db, funded: Engine, no: int) -> None:
    error = refused(funded, db, [RedeemLine(no, 1)])
    assert isinstance(error, NotFound) and error.key == "item.unknown"


@pytest.mark.parametrize("spec", ["x", "2:", "2:two", ":3", "2:3:4", ""])
def test_bad_item_specs_are_bad_input(spec: str) -> None:
    if spec == "2:":
        assert parse_item_specs([spec]) == [(2, 1)]  # a bare colon means one
        return
    with pytest.raises(BadInput):
        parse_item_specs([spec])


def test_same_order_id_twice_is_one_order_and_one_entry(funded: Engine) -> None:
    first = buy(funded, [RedeemLine(5, 1)], order_id="order-0001")
    again = buy(funded, [RedeemLine(5, 1)], order_id="order-0001")
    assert (again.replayed, first.replayed) == (True, False)
    assert (again.number, again.total, again.balance_after) == (first.number, 6, 94)
    with read_session(funded) as session:
        assert session.exec(select(func.count()).select_from(RedemptionOrder)).one() == 1
        assert session.exec(select(func.count()).where(LedgerEntry.kind == "redemption")).one() == 1
    assert points_of(funded) == 94


def test_shopkeeper_redeems_for_own_village_only(db: Db, funded: Engine) -> None:
    error = refused(funded, db, [RedeemLine(1, 1)], code="XZG0001", by="shop-heping")
    assert error.key == "operator.village"
    result = buy(funded, [RedeemLine(1, 1)], code="XZG0001", by="shop-xizige")
    assert result.exchange_point_id == "xizige-shop"


def test_hand_over_at_the_counter_takes_stock(funded: Engine) -> None:
    result = buy(funded, [RedeemLine(2, 3, hand_over=True), RedeemLine(3, 1)])
    handed = {line.no: line.handed_at for line in result.lines}
    assert handed[2] == NOW and handed[3] is None
    with read_session(funded) as session:
        assert stock_levels(session, "heping-shop", [2, 3]) == {2: 47, 3: 50}
        assert session.exec(select(func.count()).select_from(Handover)).one() == 1


def test_short_stock_refuses_the_whole_order(db: Db, funded: Engine) -> None:
    with write_session(funded) as session:
        session.add(
            StockMovement(
                id="take-all-soap",
                exchange_point_id="heping-shop",
                item_no=3,
                delta=-50,
                reason="adjust",
                created_at=NOW,
                origin="test-setup",
                origin_seq=999,
            )
        )
    error = refused(
        funded, db, [RedeemLine(2, 1, hand_over=True), RedeemLine(3, 1, hand_over=True)]
    )
    assert error.key == "stock.short"


def test_quote_agrees_with_redeem(funded: Engine) -> None:
    with read_session(funded) as session:
        offer = quote(session, household(session, "HP0001"), [RedeemLine(24, 2)], NOW)
        assert (offer.total, offer.balance, offer.allowed) == (100, 100, True)
        too_much = quote(session, household(session, "HP0001"), [RedeemLine(24, 3)], NOW)
        assert too_much.refusal is not None and too_much.refusal.key == "redeem.over_balance"
