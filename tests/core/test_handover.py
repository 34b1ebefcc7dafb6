"""Handing lines over: chosen or all pending, late flags, refusals that write nothing, the slip."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.fulfilment import (
    HandoverResult,
    LineStatus,
    cancel_line,
    hand_over,
    handover_slip,
    order_record,
    resolve_order,
    restock,
)
from kiosk.core.models import ExchangePoint, Handover, StockMovement
from kiosk.core.reference import stock_levels
from kiosk.printing.escpos_bytes import render_handover_slip
from kiosk.printing.preview import preview_text
from tests.support.builders import PlaceOrder, assert_ledger_ok, dump, operator, order
from tests.support.clock import at
from tests.support.worlds import DAILY_STOCK, RICE_COOKER, SOAP, TOOTHPASTE

pytestmark = pytest.mark.world("fulfilment")


def _hand_over(
    engine: Engine,
    number: str,
    line_nos: list[int] | None,
    when: datetime,
    who: str = "shop-heping",
) -> HandoverResult:
    with write_session(engine) as session:
        return hand_over(session, order(session, number), line_nos, operator(session, who), when)


def _restock(engine: Engine, item_no: int, qty: int) -> None:
    with write_session(engine) as session:
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        restock(session, point, item_no, qty, operator(session, "shop-heping"), at(2026, 12, 1))


def test_hand_over_chosen_lines_then_the_rest_late(engine: Engine, place_order: PlaceOrder) -> None:
    number = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1, 10, 0))
    first = _hand_over(engine, number, [1], at(2026, 12, 1, 10, 5))
    assert [(line.line_no, line.name, line.late) for line in first.handed] == [(1, "牙膏", False)]
    assert [line.line_no for line in first.order.open_lines] == [2]
    assert first.late_count == 0

    _restock(engine, RICE_COOKER, 1)
    # Eight days on: the rice cooker (due 12-08 10:00) is a day late; None means all pending.
    second = _hand_over(engine, number, None, at(2026, 12, 9, 10, 0))
    assert [(line.name, line.late) for line in second.handed] == [("电饭煲", True)]
    assert second.late_count == 1
    assert second.order.open_lines == ()
    assert {line.status for line in second.order.lines} == {LineStatus.HANDED}
    with read_session(engine) as session:
        assert stock_levels(session, "heping-shop", [TOOTHPASTE, RICE_COOKER]) == {
            TOOTHPASTE: DAILY_STOCK - 1,
            RICE_COOKER: 0,
        }
    assert_ledger_ok(engine)


def test_handing_over_at_the_due_instant_is_on_time(
    engine: Engine, place_order: PlaceOrder
) -> None:
    number = place_order("HP0001", [TOOTHPASTE], at(2026, 12, 1, 10, 0))
    result = _hand_over(engine, number, None, at(2026, 12, 3, 10, 0))
    assert result.handed[0].late is False


def test_hand_over_twice_is_refused_and_changes_nothing(
    engine: Engine, place_order: PlaceOrder, db_path: Path
) -> None:
    number = place_order("HP0001", [TOOTHPASTE, SOAP], at(2026, 12, 1))
    _hand_over(engine, number, [1], at(2026, 12, 1, 11))
    before = dump(db_path)
    with pytest.raises(Refused) as refused:
        _hand_over(engine, number, [1], at(2026, 12, 1, 12))
    assert refused.value.key == "handover.twice"
    assert "牙膏" in str(refused.value)
    # Asking for both lines again is refused as a whole: the soap is not handed over either.
    with pytest.raises(Refused):
        _hand_over(engine, number, [2, 1], at(2026, 12, 1, 12))
    _hand_over(engine, number, None, at(2026, 12, 1, 13))  # only the soap is left
    with pytest.raises(Refused) as nothing:
        _hand_over(engine, number, None, at(2026, 12, 1, 14))
    assert nothing.value.key == "handover.nothing_pending"
    assert dump(db_path) != before  # the soap's hand-over went in
    with Session(engine) as session:
        assert len(session.exec(select(Handover)).all()) == 2


def test_short_stock_refuses_the_whole_hand_over_and_stock_never_goes_negative(
    engine: Engine, place_order: PlaceOrder, db_path: Path
) -> None:
    numbers = [place_order("HP0001", {SOAP: 2}, at(2026, 12, 1, 9, n)) for n in range(3)]
    mixed = place_order("HP0002", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1, 10))
    before = dump(db_path)
    with pytest.raises(Refused) as short:
        _hand_over(engine, mixed, None, at(2026, 12, 1, 11))
    assert short.value.key == "stock.short"
    assert "电饭煲" in short.value.message("zh")
    assert dump(db_path) == before  # the toothpaste was not handed over either

    # Five soaps on the shelf, three orders of two: the third is refused, stock stays at 1.
    _hand_over(engine, numbers[0], None, at(2026, 12, 1, 12))
    _hand_over(engine, numbers[1], None, at(2026, 12, 1, 12))
    with pytest.raises(Refused):
        _hand_over(engine, numbers[2], None, at(2026, 12, 1, 12))
    with read_session(engine) as session:
        assert stock_levels(session, "heping-shop", [SOAP])[SOAP] == 1
        movements = session.exec(
            select(StockMovement.delta).where(
                StockMovement.item_no == SOAP, StockMovement.exchange_point_id == "heping-shop"
            )
        ).all()
    assert sorted(movements) == [-2, -2, DAILY_STOCK]
    assert_ledger_ok(engine)


def test_unknown_and_cancelled_lines_are_refused(engine: Engine, place_order: PlaceOrder) -> None:
    number = place_order("HP0001", [TOOTHPASTE, SOAP], at(2026, 12, 1))
    with pytest.raises(NotFound) as unknown:
        _hand_over(engine, number, [3], at(2026, 12, 1))
    assert unknown.value.key == "order.line_unknown"
    assert unknown.value.params["count"] == 2
    with pytest.raises(BadInput):
        _hand_over(engine, number, [], at(2026, 12, 1))
    with write_session(engine) as session:
        cancel_line(
            session,
            order(session, number),
            2,
            "村民不要了",
            operator(session, "admin-heping"),
            at(2026, 12, 1, 12),
        )
    with pytest.raises(Refused) as cancelled:
        _hand_over(engine, number, [2], at(2026, 12, 1, 13))
    assert cancelled.value.key == "handover.cancelled"
    # "All pending" leaves the cancelled line alone.
    result = _hand_over(engine, number, None, at(2026, 12, 1, 13))
    assert [line.line_no for line in result.handed] == [1]
    assert_ledger_ok(engine)


def test_another_villages_shopkeeper_may_not_hand_over(
    engine: Engine, place_order: PlaceOrder
) -> None:
    number = place_order("HP0001", [TOOTHPASTE], at(2026, 12, 1))
    with pytest.raises(Refused) as refused:
        _hand_over(engine, number, None, at(2026, 12, 1), who="shop-xizige")
    assert refused.value.key == "operator.village"


def test_orders_are_found_by_number_or_receipt_code_and_cards_are_told_apart(
    engine: Engine, place_order: PlaceOrder
) -> None:
    number = place_order("HP0001", [TOOTHPASTE], at(2026, 12, 1))
    with read_session(engine) as session:
        found = order(session, number)
        assert resolve_order(session, number).id == found.id
        assert resolve_order(session, f"  JFO:{number}\n").id == found.id
        assert resolve_order(session, f"jfo:{number.lower()}").id == found.id  # Caps Lock
        for card in ("HP0001", "JF1:HP0001:1:AAAA"):
            with pytest.raises(BadInput) as wrong:
                resolve_order(session, card)
            assert wrong.value.key in ("order.card_scanned", "code.garbled")
        with pytest.raises(BadInput) as typed_card:
            resolve_order(session, "HP0001")
        assert typed_card.value.key == "order.card_scanned"
        with pytest.raises(NotFound):
            resolve_order(session, "JFO:K-HP-01-999999")
        with pytest.raises(BadInput):
            resolve_order(session, "JFO:???")


def test_the_slip_prints_the_lines_handed_now_and_how_many_were_late(
    engine: Engine, place_order: PlaceOrder
) -> None:
    number = place_order("HP0001", [TOOTHPASTE, RICE_COOKER], at(2026, 12, 1, 10, 0))
    _hand_over(engine, number, [1], at(2026, 12, 1, 10, 1))
    _restock(engine, RICE_COOKER, 1)
    result = _hand_over(engine, number, [2], at(2026, 12, 9, 15, 30))
    slip = handover_slip(result)
    assert slip.order_number == number
    assert slip.qr_payload == f"JFO:{number}"
    assert slip.masked_name == "林*禾"  # slips get lost: never the whole name
    assert [(line.no, line.name) for line in slip.lines] == [(2, "电饭煲")]
    text = preview_text(render_handover_slip(slip))
    assert "物品交付单" in text
    assert "2026-12-09 15:30" in text
    assert "2. 电饭煲" in text and "牙膏" not in text
    assert "其中逾期到位" in text and f"[QR: JFO:{number}]" in text


def test_order_record_reports_handed_and_cancelled_lines(
    engine: Engine, place_order: PlaceOrder
) -> None:
    number = place_order(
        "HP0001", [TOOTHPASTE, SOAP, RICE_COOKER], at(2026, 12, 1), hand_over=False
    )
    _hand_over(engine, number, [1], at(2026, 12, 1, 11))
    with write_session(engine) as session:
        cancel_line(
            session,
            order(session, number),
            2,
            "缺货",
            operator(session, "street-admin"),
            at(2026, 12, 2),
        )
    with read_session(engine) as session:
        record = order_record(session, order(session, number), at(2026, 12, 10))
    assert [(line.line_no, line.status) for line in record.lines] == [
        (1, LineStatus.HANDED),
        (2, LineStatus.CANCELLED),
        (3, LineStatus.OVERDUE),
    ]
    payload = record.as_json()
    assert payload["order"] == number and payload["household"] == "HP0001"
    lines = payload["lines"]
    assert isinstance(lines, list)
    assert lines[1]["status"] == "cancelled" and lines[1]["cancel_reason"] == "缺货"
    assert lines[0]["handed_at"] == at(2026, 12, 1, 11)


def test_the_receipt_still_shows_a_line_handed_over_later_as_owed(
    engine: Engine, place_order: PlaceOrder
) -> None:
    from kiosk.printing.order_receipt import receipt_for_order

    number = place_order("HP0001", {TOOTHPASTE: 1, RICE_COOKER: 1}, at(2026, 12, 1, 10))
    with write_session(engine) as session:
        hand_over(
            session,
            order(session, number),
            [1],
            operator(session, "shop-heping"),
            at(2026, 12, 1, 10),
        )
    _restock(engine, RICE_COOKER, 1)
    with write_session(engine) as session:
        hand_over(
            session,
            order(session, number),
            None,
            operator(session, "shop-heping"),
            at(2026, 12, 9, 10),
        )
    with read_session(engine) as session:
        receipt = receipt_for_order(session, order(session, number), printed_at=at(2026, 12, 9, 11))
    toothpaste, rice_cooker = receipt.lines
    # A reprint says what the counter did: the toothpaste went at once, the rice cooker was owed.
    assert toothpaste.handed and toothpaste.due_at is None
    assert not rice_cooker.handed and rice_cooker.due_at == at(2026, 12, 8, 10)
