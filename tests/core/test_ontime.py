"""The monthly on-time rate per exchange point, against numbers worked out by hand."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.engine import Engine

from kiosk.core.db import read_session, write_session
from kiosk.core.fulfilment import (
    LineStatus,
    cancel_line,
    hand_over,
    on_time_rates,
    order_report,
    restock,
)
from kiosk.core.models import ExchangePoint
from tests.support.builders import PlaceOrder, assert_ledger_ok, operator, order
from tests.support.clock import at
from tests.support.worlds import KETTLE, RICE_COOKER, SOAP, TOOTHPASTE

pytestmark = pytest.mark.world("fulfilment")


def _hand(engine: Engine, number: str, when: datetime, who: str = "shop-heping") -> None:
    with write_session(engine) as session:
        hand_over(session, order(session, number), None, operator(session, who), when)


def test_december_on_time_rate_by_hand(engine: Engine, place_order: PlaceOrder) -> None:
    # 和平 (heping-shop), lines due in December 2026 (Chongqing), and their outcome:
    a = place_order("HP0001", [TOOTHPASTE], at(2026, 12, 1, 10))  # due 12-03 10:00
    _hand(engine, a, at(2026, 12, 3, 10, 0))  # at the due instant: on time
    b = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1, 10))  # due 12-08 10:00
    with write_session(engine) as session:
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        restock(session, point, RICE_COOKER, 1, operator(session, "shop-heping"), at(2026, 12, 9))
    _hand(engine, b, at(2026, 12, 9, 10))  # a day late
    c = place_order("HP0002", [SOAP], at(2026, 12, 10, 9))  # due 12-12: cancelled, left out
    with write_session(engine) as session:
        cancel_line(
            session,
            order(session, c),
            1,
            "不要了",
            operator(session, "admin-heping"),
            at(2026, 12, 11),
        )
    place_order("HP0002", [TOOTHPASTE], at(2026, 12, 20, 9))  # due 12-22, never handed: late
    place_order("HP0001", [SOAP], at(2026, 12, 24, 10))  # due 12-26, after "now": open
    d = place_order("HP0002", [SOAP], at(2026, 11, 29, 0, 30))  # due 12-01 00:30 (11-30 UTC)
    _hand(engine, d, at(2026, 11, 30, 8))  # on time, and due in December by Chongqing's clock
    place_order("HP0001", [KETTLE], at(2026, 12, 29, 12))  # due 2027-01-05: January's
    e = place_order("HP0002", [TOOTHPASTE], at(2026, 11, 27, 10))  # due 11-29: November's
    _hand(engine, e, at(2026, 12, 2))
    # 惜字阁 (xizige-shop): one line due in December, handed over on time.
    f = place_order("XZG0001", [TOOTHPASTE], at(2026, 12, 5, 10))
    _hand(engine, f, at(2026, 12, 6), who="shop-xizige")

    now = at(2026, 12, 25, 12)
    with read_session(engine) as session:
        report = on_time_rates(session, 2026, 12, now)
        november = on_time_rates(session, 2026, 11, now)
    rows = {row.exchange_point_id: row for row in report.rows}
    heping, xizige = rows["heping-shop"], rows["xizige-shop"]
    # Due and decided: a, b, the never-handed toothpaste, d = 4; on time: a, d; late: b + 1.
    assert (heping.due, heping.on_time, heping.late, heping.open) == (4, 2, 2, 1)
    assert heping.rate == 0.5
    assert (xizige.due, xizige.on_time, xizige.rate) == (1, 1, 1.0)
    assert rows["sanhe-shop"].rate is None
    assert (report.total.due, report.total.on_time) == (5, 3)
    payload = report.as_json()
    assert payload["month"] == "2026-12"
    assert payload["total"] == {
        "exchange_point": "*",
        "name": "",
        "village": "",
        "due": 5,
        "on_time": 3,
        "late": 2,
        "open": 1,
        "rate": 0.6,
    }
    # November: only e, handed on 12-02 after its 11-29 deadline.
    november_heping = {row.exchange_point_id: row for row in november.rows}["heping-shop"]
    assert (november_heping.due, november_heping.on_time, november_heping.late) == (1, 0, 1)
    # Once 12-26 has passed, the open line counts as late.
    with read_session(engine) as session:
        after = on_time_rates(session, 2026, 12, at(2027, 1, 2))
    heping_after = {row.exchange_point_id: row for row in after.rows}["heping-shop"]
    assert (heping_after.due, heping_after.on_time, heping_after.open) == (5, 2, 0)
    assert_ledger_ok(engine)


def test_order_report_filters_lines_by_status(engine: Engine, place_order: PlaceOrder) -> None:
    first = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1, 10))
    with write_session(engine) as session:
        hand_over(
            session, order(session, first), [1], operator(session, "shop-heping"), at(2026, 12, 1)
        )
    second = place_order("XZG0001", [SOAP], at(2026, 12, 7, 10))  # due 12-09 10:00
    now = at(2026, 12, 9, 10, 0)  # the rice cooker is a day overdue; the soap just due
    with read_session(engine) as session:

        def report(status: str | None, **filters: str) -> list[tuple[str, list[int]]]:
            records = order_report(
                session, now, status=LineStatus(status) if status else None, **filters
            )
            return [(r.number, [line.line_no for line in r.lines]) for r in records]

        assert report(None) == [(first, [1, 2]), (second, [1])]
        assert report("pending") == [(first, [2]), (second, [1])]  # overdue ones included
        assert report("overdue") == [(first, [2])]
        assert report("handed") == [(first, [1])]
        assert report("cancelled") == []
        assert report(None, village="惜字阁") == [(second, [1])]
        assert report("pending", household="hp0001") == [(first, [2])]
