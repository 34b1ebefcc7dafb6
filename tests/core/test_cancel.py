"""Cancelling a pending line: its points come back exactly once, by a reversing entry."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.core.clock import from_db
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.errors import BadInput, DomainError, Refused
from kiosk.core.fulfilment import CancelResult, cancel_line, hand_over
from kiosk.core.ledger import balance
from kiosk.core.models import Cancellation, LedgerEntry, OrderLine
from tests.support.builders import PlaceOrder, assert_ledger_ok, dump, household, operator, order
from tests.support.clock import at
from tests.support.worlds import RICE_COOKER, TOOTHPASTE

pytestmark = pytest.mark.world("fulfilment")


def _cancel(
    engine: Engine,
    number: str,
    line_no: int,
    when: datetime,
    who: str = "admin-heping",
    reason: str = "供货商断货",
) -> CancelResult:
    with write_session(engine) as session:
        return cancel_line(
            session, order(session, number), line_no, reason, operator(session, who), when
        )


def _balance(engine: Engine, code: str, year: int = 2026) -> int:
    with read_session(engine) as session:
        return balance(session, household(session, code).id, year)


def _refunds(engine: Engine) -> list[LedgerEntry]:
    with Session(engine) as session:
        return list(session.exec(select(LedgerEntry).where(LedgerEntry.kind == "refund")))


def test_cancel_refunds_the_line_by_a_reversing_entry(
    engine: Engine, place_order: PlaceOrder
) -> None:
    start = _balance(engine, "HP0001")
    number = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1))
    assert _balance(engine, "HP0001") == start - 183
    result = _cancel(engine, number, 2, at(2026, 12, 5))
    assert result.refunded == 180
    assert result.balance_after == start - 3 == _balance(engine, "HP0001")
    assert result.line.status == "cancelled" and result.line.cancel_reason == "供货商断货"
    with Session(engine) as session:
        refund = session.get(LedgerEntry, result.refund_entry_id)
        redemption = session.exec(
            select(LedgerEntry).where(
                LedgerEntry.kind == "redemption", LedgerEntry.order_id == order(session, number).id
            )
        ).one()
        assert refund is not None
        assert (refund.kind, refund.points, refund.reverses_id) == ("refund", 180, redemption.id)
        assert redemption.points == -183  # the order itself is never edited
        assert order(session, number).total == 183
    assert_ledger_ok(engine)


def test_cancel_refunds_exactly_once_however_often_it_is_repeated(
    engine: Engine, place_order: PlaceOrder, db_path: Path
) -> None:
    number = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1))
    start = _balance(engine, "HP0001")
    _cancel(engine, number, 1, at(2026, 12, 2))
    after_first = dump(db_path)
    for attempt in range(10):
        with pytest.raises(Refused) as again:
            _cancel(engine, number, 1, at(2026, 12, 2, 11, attempt), who="street-admin")
        assert again.value.key == "cancel.twice"
    assert dump(db_path) == after_first
    assert _balance(engine, "HP0001") == start + 180
    assert len(_refunds(engine)) == 1
    assert_ledger_ok(engine)


def test_two_admins_racing_on_one_file_refund_once(
    engine: Engine, place_order: PlaceOrder, db_path: Path
) -> None:
    number = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1))
    start = _balance(engine, "HP0001")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def cancel_from(operator_id: str) -> None:
        # Each thread is its own kiosk process as far as SQLite is concerned: its own engine.
        own = open_database(f"sqlite:///{db_path}")
        try:
            barrier.wait()
            outcomes.append(_cancel(own, number, 1, at(2026, 12, 3), who=operator_id))
        except DomainError as error:
            outcomes.append(error)
        finally:
            own.dispose()

    threads = [
        threading.Thread(target=cancel_from, args=(who,))
        for who in ("admin-heping", "street-admin")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["CancelResult", "Refused"]
    refused = next(outcome for outcome in outcomes if isinstance(outcome, Refused))
    assert refused.key == "cancel.twice"
    assert len(_refunds(engine)) == 1
    assert _balance(engine, "HP0001") == start + 180
    assert_ledger_ok(engine)


def test_a_shopkeeper_may_not_cancel(
    engine: Engine, place_order: PlaceOrder, db_path: Path
) -> None:
    number = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1))
    before = dump(db_path)
    with pytest.raises(Refused) as refused:
        _cancel(engine, number, 1, at(2026, 12, 2), who="shop-heping")
    assert refused.value.key == "cancel.role"
    assert "administrator" in refused.value.message("en")
    with pytest.raises(Refused) as other_village:
        _cancel(engine, number, 1, at(2026, 12, 2), who="admin-xizige")
    assert other_village.value.key == "operator.village"
    assert dump(db_path) == before


def test_handed_lines_cannot_be_cancelled_nor_cancelled_ones_handed(
    engine: Engine, place_order: PlaceOrder, db_path: Path
) -> None:
    number = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1))
    with write_session(engine) as session:
        hand_over(
            session, order(session, number), [1], operator(session, "shop-heping"), at(2026, 12, 1)
        )
    before = dump(db_path)
    with pytest.raises(Refused) as handed:
        _cancel(engine, number, 1, at(2026, 12, 2))
    assert handed.value.key == "cancel.handed"
    assert dump(db_path) == before
    _cancel(engine, number, 2, at(2026, 12, 2))
    with Session(engine) as session:
        handed_lines = session.exec(select(Cancellation.line_id)).all()
        assert [session.get(OrderLine, line_id).item_no for line_id in handed_lines] == [  # type: ignore[union-attr]
            RICE_COOKER
        ]
    assert_ledger_ok(engine)


@pytest.mark.parametrize("reason", ["", "   ", "x" * 201])
def test_a_cancellation_needs_a_reason(
    engine: Engine, place_order: PlaceOrder, db_path: Path, reason: str
) -> None:
    number = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1))
    before = dump(db_path)
    with pytest.raises(BadInput) as bad:
        _cancel(engine, number, 1, at(2026, 12, 2), reason=reason)
    assert bad.value.key == "cancel.reason"
    assert dump(db_path) == before


def test_a_december_line_cancelled_in_january_is_refunded_into_december(
    engine: Engine, place_order: PlaceOrder
) -> None:
    """次年清零 (points reset on 1 January): December points spent on an order come back to
    the old year when the line is cancelled after New Year, never into the new one."""
    number = place_order("HP0001", [RICE_COOKER], at(2026, 12, 30))
    before_2026 = _balance(engine, "HP0001", 2026)
    start_2027 = _balance(engine, "HP0001", 2027)
    result = _cancel(engine, number, 1, at(2027, 1, 2))
    with Session(engine) as session:
        refund = session.get(LedgerEntry, result.refund_entry_id)
        assert refund is not None and refund.points_year == 2026
        # Booked at the old year's last instant, as corrections of an old year are.
        assert from_db(refund.created_at) == at(2027, 1, 1, 0) - timedelta(microseconds=1)
        cancellation = session.exec(select(Cancellation)).one()
        assert cancellation.refund_entry_id == refund.id
    assert _balance(engine, "HP0001", 2027) == start_2027
    assert _balance(engine, "HP0001", 2026) == before_2026 + 180
    assert_ledger_ok(engine)


def test_a_refund_within_the_year_is_dated_at_the_cancellation(
    engine: Engine, place_order: PlaceOrder
) -> None:
    number = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1))
    result = _cancel(engine, number, 1, at(2026, 12, 3))
    with Session(engine) as session:
        refund = session.get(LedgerEntry, result.refund_entry_id)
        assert refund is not None and refund.points_year == 2026
        assert from_db(refund.created_at) == at(2026, 12, 3)
