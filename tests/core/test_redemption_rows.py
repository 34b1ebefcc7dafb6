"""What redeem writes, row by row, now that it inserts with Core statements and answers
without reading its order back: the answer equals a re-read, every column is what the ORM
models would have written, and the origin numbers come in the order they always did."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import Refused
from kiosk.core.models import (
    Handover,
    LedgerEntry,
    OrderLine,
    RedemptionOrder,
    StockMovement,
)
from kiosk.core.redemption import RedeemLine, RedeemResult, order_view, redeem
from tests.support.builders import NOW, earn, household, operator
from tests.support.clock import at


@pytest.fixture
def funded(engine: Engine) -> Engine:
    with write_session(engine) as session:
        earn(session, household(session, "HP0001"), 200, at(2026, 10, 5))
    return engine


def _redeem(session: Session, lines: list[RedeemLine], order_id: str | None = None) -> RedeemResult:
    return redeem(
        session,
        household=household(session, "HP0001"),
        lines=lines,
        operator=operator(session, "shop-heping"),
        now=NOW,
        order_id=order_id,
    )


def test_the_answer_equals_the_order_read_back(funded: Engine) -> None:
    lines = [RedeemLine(2, 3, hand_over=True), RedeemLine(25, 1), RedeemLine(3, 2, True)]
    with write_session(funded) as session:
        result = _redeem(session, lines, order_id="order-rows-1")
    with read_session(funded) as session:
        stored = session.get(RedemptionOrder, "order-rows-1")
        assert stored is not None
        assert order_view(session, stored) == result


def test_every_column_is_what_the_models_would_write(funded: Engine) -> None:
    with write_session(funded) as session:
        result = _redeem(session, [RedeemLine(2, 1, hand_over=True)], order_id="order-rows-2")
    with read_session(funded) as session:
        order = session.get(RedemptionOrder, "order-rows-2")
        assert order is not None and order.server_seq is None
        assert (order.operator_id, order.exchange_point_id, order.points_year) == (
            "shop-heping",
            "heping-shop",
            2026,
        )
        (entry,) = session.exec(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all()
        assert (entry.kind, entry.points, entry.group_id, entry.note) == (
            "redemption",
            -result.total,
            order.id,
            order.number,
        )
        assert (entry.rule_id, entry.server_seq, entry.received_at, entry.reverses_id) == (
            None,
            None,
            None,
            None,
        )
        (line,) = session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
        (handover,) = session.exec(select(Handover).where(Handover.line_id == line.id)).all()
        (movement,) = session.exec(
            select(StockMovement).where(StockMovement.ref_id == handover.id)
        ).all()
        assert (movement.delta, movement.reason, movement.item_no) == (-1, "handover", 2)
        assert handover.server_seq is None and movement.server_seq is None


def test_origin_numbers_keep_their_order(funded: Engine) -> None:
    """The order, its entry, then each handed line's hand-over and stock movement."""
    lines = [RedeemLine(2, 1, hand_over=True), RedeemLine(25, 1), RedeemLine(3, 1, True)]
    with write_session(funded) as session:
        _redeem(session, lines, order_id="order-rows-3")
    with read_session(funded) as session:
        order = session.get(RedemptionOrder, "order-rows-3")
        assert order is not None
        entry = session.exec(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).one()
        by_line = {
            line.item_no: line.id
            for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id))
        }
        seqs = [order.origin_seq, entry.origin_seq]
        for item_no in (2, 3):
            handover = session.exec(
                select(Handover).where(Handover.line_id == by_line[item_no])
            ).one()
            movement = session.exec(
                select(StockMovement).where(StockMovement.ref_id == handover.id)
            ).one()
            seqs += [handover.origin_seq, movement.origin_seq]
        assert seqs == list(range(seqs[0], seqs[0] + 6))
        assert order.number == f"K-HP-01-{order.receipt_seq:06d}"


def test_pending_entries_in_the_session_count(engine: Engine) -> None:
    """An award added but not flushed pays for a redemption in the same session, as it did
    when the balance was an ORM query (which flushed first)."""
    with write_session(engine) as session:
        earn(session, household(session, "HP0002"), 20, at(2026, 10, 5))
        result = redeem(
            session,
            household=household(session, "HP0002"),
            lines=[RedeemLine(2, 1)],
            operator=operator(session, "shop-heping"),
            now=NOW,
        )
        assert result.balance_before == 20


def test_a_refused_hand_over_writes_nothing_even_if_the_caller_goes_on(funded: Engine) -> None:
    """Stock is checked before the first insert, so a caller that catches the refusal and
    commits anyway commits no half order."""
    with write_session(funded) as session, pytest.raises(Refused) as caught:
        _redeem(session, [RedeemLine(2, 1), RedeemLine(1, 51, hand_over=True)])  # 50 on hand
    assert caught.value.key == "stock.short"
    with read_session(funded) as session:
        assert session.exec(select(col(RedemptionOrder.id))).all() == []
        assert session.exec(select(col(OrderLine.id))).all() == []
