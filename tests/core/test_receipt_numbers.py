"""Receipt numbers without gaps: a kiosk's orders are numbered by a counter of their own, not
by the per-origin seq awards and hand-overs take from, a refused order leaves no hole, and a
database migrated from the seq numbering keeps every printed number and continues after it."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.awards import award
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import Refused
from kiosk.core.migrations import alembic_config
from kiosk.core.models import RedemptionOrder
from kiosk.core.redemption import RedeemLine, redeem
from tests.support.builders import NOW, earn, household, operator


@pytest.fixture
def funded(engine: Engine) -> Engine:
    with write_session(engine) as session:
        earn(session, household(session, "HP0001"), 500, NOW)
    return engine


def _buy(engine: Engine, item_no: int = 2, qty: int = 1) -> str:
    with write_session(engine) as session:
        return redeem(
            session,
            household=household(session, "HP0001"),
            lines=[RedeemLine(item_no, qty, hand_over=True)],
            operator=operator(session, "shop-heping"),
            now=NOW,
        ).number


def _award(engine: Engine) -> None:
    with write_session(engine) as session:
        award(
            session,
            household=household(session, "HP0002"),
            rule_id="P01",
            quantity=1,
            operator=operator(session, "admin-heping"),
            now=NOW,
        )


def _orders(engine: Engine) -> list[tuple[str, int | None, int]]:
    with read_session(engine) as session:
        return [
            (o.number, o.receipt_seq, o.origin_seq)
            for o in session.exec(select(RedemptionOrder).order_by(RedemptionOrder.origin_seq))  # type: ignore[arg-type]
        ]


def test_awards_and_refused_orders_leave_no_gap_in_receipt_numbers(funded: Engine) -> None:
    first = _buy(funded)
    _award(funded)
    _award(funded)
    with pytest.raises(Refused):
        _buy(funded, item_no=2, qty=99)  # over the balance: nothing written
    second = _buy(funded)
    _award(funded)
    third = _buy(funded)
    assert [first, second, third] == ["K-HP-01-000001", "K-HP-01-000002", "K-HP-01-000003"]
    seqs = [seq for _number, _receipt, seq in _orders(funded)]
    assert seqs[1] - seqs[0] > 1  # the origin's seq did move on in between


def test_migrated_orders_keep_their_printed_numbers_and_the_counter_continues(
    funded: Engine,
) -> None:
    """Orders recorded before the counter were numbered by origin_seq (with gaps); they keep
    those numbers, and the first counted order follows the highest of them."""
    _buy(funded)
    _award(funded)
    _buy(funded)
    config = alembic_config(funded)
    command.downgrade(config, "0008")  # before the receipt counter
    with funded.begin() as connection:
        # As the old code numbered them: by the order's origin_seq.
        connection.execute(
            text("UPDATE redemptionorder SET number = 'K-HP-01-' || printf('%06d', origin_seq)")
        )
        printed = [row[0] for row in connection.execute(text("SELECT number FROM redemptionorder"))]
    command.upgrade(config, "head")
    legacy = _orders(funded)
    assert [number for number, _receipt, _seq in legacy] == sorted(printed)
    assert all(receipt is None for _number, receipt, _seq in legacy)
    highest = max(seq for _number, _receipt, seq in legacy)

    _award(funded)
    after = [_buy(funded), _buy(funded)]
    assert after == [f"K-HP-01-{highest + 1:06d}", f"K-HP-01-{highest + 2:06d}"]
    assert [receipt for _n, receipt, _s in _orders(funded)][-2:] == [highest + 1, highest + 2]
