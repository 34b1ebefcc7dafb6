"""Deadlines with the clock passed in: overdue to the minute, the board's bands, counts, restock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.fulfilment import (
    LineStatus,
    Urgency,
    board,
    counts,
    exchange_point_for,
    order_record,
    restock,
)
from kiosk.core.models import CatalogItem, ExchangePoint, Meta, StockMovement
from tests.support.builders import PlaceOrder, assert_ledger_ok, operator, order
from tests.support.clock import at
from tests.support.worlds import KETTLE, RICE_COOKER, SOAP, TOOTHPASTE

pytestmark = pytest.mark.world("fulfilment")


def test_a_line_due_at_ten_is_overdue_only_after_ten(
    engine: Engine, place_order: PlaceOrder
) -> None:
    number = place_order("HP0001", [TOOTHPASTE], at(2026, 12, 1, 10, 0))
    with read_session(engine) as session:
        record = order_record(session, order(session, number), at(2026, 12, 1, 10, 0))
        assert record.lines[0].due_at == at(2026, 12, 3, 10, 0)
        for moment, expected in (
            (at(2026, 12, 3, 9, 59), LineStatus.PENDING),
            (at(2026, 12, 3, 10, 0), LineStatus.PENDING),  # the promise still holds at 10:00
            (at(2026, 12, 3, 10, 1), LineStatus.OVERDUE),
        ):
            line = order_record(session, order(session, number), moment).lines[0]
            assert line.status == expected, moment
        assert [row.urgency for row in board(session, at(2026, 12, 3, 9, 59))] == [Urgency.DUE_SOON]
        assert [row.urgency for row in board(session, at(2026, 12, 3, 10, 1))] == [Urgency.OVERDUE]
        assert counts(session, at(2026, 12, 3, 9, 59)).as_json() == {"overdue": 0, "due_today": 1}
        assert counts(session, at(2026, 12, 3, 10, 1)).as_json() == {"overdue": 1, "due_today": 0}


def test_the_board_colours_by_time_left_and_sorts_soonest_first(
    engine: Engine, place_order: PlaceOrder
) -> None:
    late = place_order("HP0001", [SOAP], at(2026, 12, 1, 8, 0))  # due 12-03 08:00
    soon = place_order("HP0002", [TOOTHPASTE], at(2026, 12, 2, 9, 0))  # due 12-04 09:00
    later = place_order("HP0001", [RICE_COOKER], at(2026, 12, 2, 12, 0))  # due 12-09 12:00
    now = at(2026, 12, 3, 9, 30)
    with read_session(engine) as session:
        rows = board(session, now)
    assert [(row.order_number, row.urgency) for row in rows] == [
        (late, Urgency.OVERDUE),
        (soon, Urgency.DUE_SOON),
        (later, Urgency.LATER),
    ]
    assert rows[0].time_left == -timedelta(hours=1, minutes=30)
    assert rows[1].time_left == timedelta(hours=23, minutes=30)
    assert [row.ready for row in rows] == [True, True, False]  # no rice cooker on the shelf
    # Exactly 24 hours left is still yellow; a minute more is not.
    with read_session(engine) as session:
        assert board(session, at(2026, 12, 3, 9, 0))[1].urgency == Urgency.DUE_SOON
        assert board(session, at(2026, 12, 3, 8, 59))[1].urgency == Urgency.LATER


def test_board_filters_by_village_item_and_household(
    engine: Engine, place_order: PlaceOrder
) -> None:
    place_order("HP0001", [SOAP, TOOTHPASTE], at(2026, 12, 1))
    place_order("HP0002", [TOOTHPASTE], at(2026, 12, 1))
    place_order("XZG0001", [TOOTHPASTE], at(2026, 12, 1))
    now = at(2026, 12, 2)
    with read_session(engine) as session:
        assert len(board(session, now)) == 4
        assert {row.household_code for row in board(session, now, village="惜字阁")} == {"XZG0001"}
        assert {row.household_code for row in board(session, now, village="heping")} == {
            "HP0001",
            "HP0002",
        }
        assert len(board(session, now, item_no=TOOTHPASTE)) == 3
        # Same due time: the receipt's line order.
        assert [row.line.name for row in board(session, now, household="hp0001")] == [
            "香皂",
            "牙膏",
        ]
        assert board(session, now, household="HP0001", item_no=SOAP)[0].line.name == "香皂"
        with pytest.raises(NotFound):
            board(session, now, village="无此村")


def test_counts_split_overdue_and_due_today_at_midnight_in_chongqing(
    engine: Engine, place_order: PlaceOrder
) -> None:
    place_order("HP0001", [SOAP], at(2026, 12, 1, 8, 0))  # due 12-03 08:00
    place_order("HP0001", [TOOTHPASTE], at(2026, 12, 1, 23, 59))  # due 12-03 23:59
    place_order("HP0002", [TOOTHPASTE], at(2026, 12, 2, 0, 0))  # due 12-04 00:00: tomorrow
    place_order("XZG0001", [TOOTHPASTE], at(2026, 12, 1, 12, 0))  # due 12-03 12:00, other shop
    with read_session(engine) as session:
        now = at(2026, 12, 3, 9, 0)
        assert counts(session, now).as_json() == {"overdue": 1, "due_today": 2}
        assert counts(session, now, exchange_point="heping-shop").as_json() == {
            "overdue": 1,
            "due_today": 1,
        }
        assert counts(session, now, village="xizige").as_json() == {"overdue": 0, "due_today": 1}
        # One minute before midnight the 12-04 line is still "tomorrow"; from midnight, "today".
        assert counts(session, at(2026, 12, 3, 23, 59)).as_json() == {
            "overdue": 2,
            "due_today": 1,
        }
        assert counts(session, at(2026, 12, 4, 0, 0)).as_json() == {"overdue": 3, "due_today": 1}


def test_restock_makes_waiting_lines_ready_earliest_due_first(
    engine: Engine, place_order: PlaceOrder
) -> None:
    first = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1))
    second = place_order("HP0002", [RICE_COOKER], at(2026, 12, 2))
    now = at(2026, 12, 3)
    with write_session(engine) as session:
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        result = restock(session, point, RICE_COOKER, 1, operator(session, "shop-heping"), now)
    # One rice cooker arrived: it is promised to the line due first, not to both.
    assert result.on_hand == 1
    assert [row.order_number for row in result.ready] == [first]
    with read_session(engine) as session:
        assert [(row.order_number, row.ready) for row in board(session, now)] == [
            (first, True),
            (second, False),
        ]
        # A filter does not change which line the stock is promised to.
        assert [row.ready for row in board(session, now, household="HP0002")] == [False]
    with write_session(engine) as session:
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        result = restock(session, point, RICE_COOKER, 1, operator(session, "admin-heping"), now)
    assert [row.order_number for row in result.ready] == [first, second]
    assert_ledger_ok(engine)


@pytest.mark.parametrize("qty", [0, -1, 10_000, True])
def test_restock_refuses_silly_quantities_and_writes_nothing(engine: Engine, qty: int) -> None:
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(StockMovement)).one()
    with pytest.raises(BadInput) as refused, write_session(engine) as session:
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        restock(session, point, KETTLE, qty, operator(session, "shop-heping"), at(2026, 12, 1))
    assert refused.value.key == "qty.range"
    assert "1" in refused.value.message("en") and "9999" in refused.value.message("en")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(StockMovement)).one() == before


def test_restock_refuses_another_villages_shop_and_unknown_items(engine: Engine) -> None:
    with write_session(engine) as session:
        xizige = session.get(ExchangePoint, "xizige-shop")
        assert xizige is not None
        with pytest.raises(Refused) as refused:
            restock(session, xizige, KETTLE, 1, operator(session, "shop-heping"), at(2026, 12, 1))
        assert refused.value.key == "operator.village"
        heping = session.get(ExchangePoint, "heping-shop")
        assert heping is not None
        with pytest.raises(NotFound) as missing:
            restock(session, heping, 99, 1, operator(session, "shop-heping"), at(2026, 12, 1))
        assert missing.value.key == "item.unknown"


def test_exchange_point_for_prefers_the_named_then_the_kiosks_then_the_operators(
    engine: Engine,
) -> None:
    # Goods leave the shop where the terminal stands: on this 和平 kiosk even a 惜字阁
    # operator's action happens at 和平's point, unless a point is named.
    with read_session(engine) as session:
        assert exchange_point_for(session, operator(session, "shop-xizige"), None).id == (
            "heping-shop"
        )
        assert exchange_point_for(session, operator(session, "admin-xizige"), None).id == (
            "heping-shop"
        )
        assert (
            exchange_point_for(session, operator(session, "street-admin"), "惜字阁村便民商店").id
            == "xizige-shop"
        )
        with pytest.raises(NotFound):
            exchange_point_for(session, operator(session, "street-admin"), "nowhere")
    # Where no point is assigned (the central store): the operator's own.
    with write_session(engine) as session:
        session.delete(session.get(Meta, "exchange_point_id"))
    with read_session(engine) as session:
        assert exchange_point_for(session, operator(session, "shop-xizige"), None).id == (
            "xizige-shop"
        )
        with pytest.raises(BadInput):
            exchange_point_for(session, operator(session, "street-admin"), None)


def _retire(engine: Engine, item_no: int) -> None:
    with write_session(engine) as session:
        item = session.get(CatalogItem, item_no)
        assert item is not None
        item.active = False
        session.add(item)


def test_a_retired_item_is_restocked_only_while_it_is_owed(
    engine: Engine, place_order: PlaceOrder
) -> None:
    owed = place_order("HP0001", [RICE_COOKER], at(2026, 12, 1))
    _retire(engine, RICE_COOKER)
    _retire(engine, KETTLE)
    now = at(2026, 12, 3)
    with write_session(engine) as session:
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        # Still owed on an open line: the goods must be able to arrive.
        result = restock(session, point, RICE_COOKER, 1, operator(session, "shop-heping"), now)
    assert [row.order_number for row in result.ready] == [owed]
    with Session(engine) as session:
        before = session.exec(select(func.count()).select_from(StockMovement)).one()
    # Owed nowhere here: refused, nothing written.
    with pytest.raises(Refused) as refused, write_session(engine) as session:
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        restock(session, point, KETTLE, 1, operator(session, "shop-heping"), now)
    assert refused.value.key == "restock.retired"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(StockMovement)).one() == before
