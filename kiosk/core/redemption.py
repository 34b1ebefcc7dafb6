"""Redeeming points for catalogue items: one order, its lines, and its ledger entry, together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from catalog.items import DueClass
from kiosk.core.clock import as_utc, from_db, local_date
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.households import freeze_status
from kiosk.core.ids import new_id
from kiosk.core.ledger import append_entry, balance, local_origin, meta_get, next_origin_seq
from kiosk.core.models import (
    ExchangePoint,
    Handover,
    Household,
    Operator,
    OrderLine,
    RedemptionOrder,
    StockMovement,
)
from kiosk.core.reference import catalog_item, exchange_points_of, require_village, stock_levels
from rules.engine import points_year

MAX_LINE_QTY = 99  # a household does not take 100 bars of soap; larger is a keying mistake


@dataclass(frozen=True)
class RedeemLine:
    item_no: int
    qty: int
    hand_over: bool = False  # given at the counter now, rather than pending until due


@dataclass(frozen=True)
class LineView:
    line_id: str
    line_no: int  # as printed on the receipt; hand-over and cancel name lines by it
    no: int  # the catalogue item number
    name: str
    qty: int
    points: int
    due_class: str
    due_at: datetime
    handed_at: datetime | None


@dataclass(frozen=True)
class RedeemResult:
    order_id: str
    number: str
    household_code: str
    exchange_point_id: str
    total: int
    balance_before: int
    balance_after: int
    created_at: datetime
    lines: list[LineView]
    replayed: bool = False  # the same order id was committed before: nothing new written

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.number,
            "order_id": self.order_id,
            "household": self.household_code,
            "exchange_point": self.exchange_point_id,
            "total": self.total,
            "balance_before": self.balance_before,
            "balance_after": self.balance_after,
            "created_at": self.created_at,
            "lines": [
                {
                    "line": line.line_no,
                    "no": line.no,
                    "name": line.name,
                    "qty": line.qty,
                    "points": line.points,
                    "due_class": line.due_class,
                    "due_at": line.due_at,
                    "handed_at": line.handed_at,
                    "status": "handed" if line.handed_at else "pending",
                }
                for line in self.lines
            ],
        }


def parse_item_specs(specs: Sequence[str]) -> list[tuple[int, int]]:
    """`NO[:QTY]` arguments as (item number, quantity); quantities are checked later."""
    parsed: list[tuple[int, int]] = []
    for spec in specs:
        number, _, qty = spec.strip().partition(":")
        try:
            parsed.append((int(number), int(qty) if qty else 1))
        except ValueError:
            raise BadInput("item.spec", spec=spec) from None
    return parsed


def _check_qty(qty: int) -> None:
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_LINE_QTY:
        raise BadInput("qty.range", low=1, high=MAX_LINE_QTY, qty=qty)


def merge_lines(lines: Sequence[RedeemLine]) -> list[RedeemLine]:
    """One line per item: repeated items add up (and are handed over if any of them is)."""
    merged: dict[int, RedeemLine] = {}
    for line in lines:
        _check_qty(line.qty)
        if line.item_no in merged:
            previous = merged[line.item_no]
            line = RedeemLine(
                line.item_no, previous.qty + line.qty, previous.hand_over or line.hand_over
            )
            _check_qty(line.qty)
        merged[line.item_no] = line
    return list(merged.values())


@dataclass(frozen=True)
class Quote:
    total: int
    balance: int
    refusal: Refused | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def quote(
    session: Session, household: Household, lines: Sequence[RedeemLine], now: datetime
) -> Quote:
    """The running total against the balance, and why the order would be refused if it would."""
    merged = merge_lines(lines)
    total = sum(catalog_item(session, line.item_no).points * line.qty for line in merged)
    current = balance(session, household.id, points_year(now))
    return Quote(
        total=total,
        balance=current,
        refusal=_refusal(session, household, total, current, now, bool(merged)),
    )


def _refusal(
    session: Session, household: Household, total: int, current: int, now: datetime, any_lines: bool
) -> Refused | None:
    frozen = freeze_status(session, household.id, local_date(now))
    if frozen is not None:
        return Refused("redeem.frozen", until=frozen.until.isoformat(), reason=frozen.reason)
    if current < 0:
        return Refused("redeem.negative_balance", balance=current)
    if not any_lines:
        return Refused("redeem.empty")
    if total > current:
        return Refused("redeem.over_balance", total=total, balance=current)
    return None


def choose_exchange_point(
    session: Session, household: Household, operator: Operator, exchange_point_id: str | None
) -> ExchangePoint:
    candidate = (
        exchange_point_id or operator.exchange_point_id or meta_get(session, "exchange_point_id")
    )
    point = session.get(ExchangePoint, candidate) if candidate else None
    if point is None or point.village_id != household.village_id:
        if exchange_point_id:
            raise Refused("redeem.wrong_point")
        points = exchange_points_of(session, household.village_id)
        if not points:
            raise Refused("redeem.wrong_point")
        point = points[0]
    return point


def hand_over_line(
    session: Session,
    line: OrderLine,
    exchange_point_id: str,
    operator_id: str | None,
    now: datetime,
    origin: str,
) -> Handover:
    """Give one line to the household: a hand-over record and the stock it takes, together.

    Stock never goes below zero: goods not on the shelf cannot be handed over.
    """
    if session.exec(select(Handover).where(Handover.line_id == line.id)).first() is not None:
        raise Refused("handover.twice", name=line.item_name)
    on_hand = stock_levels(session, exchange_point_id, [line.item_no]).get(line.item_no, 0)
    if on_hand < line.qty:
        raise Refused("stock.short", name=line.item_name, on_hand=on_hand, qty=line.qty)
    handover = Handover(
        id=new_id(),
        line_id=line.id,
        operator_id=operator_id,
        handed_at=as_utc(now),
        origin=origin,
        origin_seq=next_origin_seq(session, origin),
    )
    session.add(handover)
    session.add(
        StockMovement(
            id=new_id(),
            exchange_point_id=exchange_point_id,
            item_no=line.item_no,
            delta=-line.qty,
            reason="handover",
            ref_id=handover.id,
            operator_id=operator_id,
            created_at=as_utc(now),
            origin=origin,
            origin_seq=next_origin_seq(session, origin),
        )
    )
    session.flush()
    return handover


def redeem(
    session: Session,
    *,
    household: Household,
    lines: Sequence[RedeemLine],
    operator: Operator,
    now: datetime,
    exchange_point_id: str | None = None,
    order_id: str | None = None,
) -> RedeemResult:
    """Commit one redemption order: lines, the redemption entry and any counter hand-overs.

    `order_id` is the idempotency key: the caller makes it once (when the shopkeeper
    confirms) and reuses it on retry, so a retried confirmation never redeems twice.
    """
    if order_id is not None:
        existing = session.get(RedemptionOrder, order_id)
        if existing is not None:
            return replace_replayed(order_view(session, existing))
    require_village(operator, household.village_id)
    merged = merge_lines(lines)
    items = {line.item_no: catalog_item(session, line.item_no) for line in merged}
    total = sum(items[line.item_no].points * line.qty for line in merged)
    year = points_year(now)
    current = balance(session, household.id, year)
    refusal = _refusal(session, household, total, current, now, bool(merged))
    if refusal is not None:
        raise refusal
    point = choose_exchange_point(session, household, operator, exchange_point_id)

    origin = local_origin(session)
    order_seq = next_origin_seq(session, origin)
    order = RedemptionOrder(
        id=order_id or new_id(),
        number=f"{origin}-{order_seq:06d}".upper(),
        household_id=household.id,
        exchange_point_id=point.id,
        operator_id=operator.id,
        points_year=year,
        total=total,
        balance_before=current,
        origin=origin,
        origin_seq=order_seq,
        created_at=as_utc(now),
    )
    session.add(order)
    session.flush()  # the lines reference it; without relationships nothing orders the inserts
    order_lines: list[OrderLine] = []
    for line_no, line in enumerate(merged, start=1):
        item = items[line.item_no]
        order_line = OrderLine(
            id=new_id(),
            order_id=order.id,
            line_no=line_no,
            item_no=item.no,
            item_name=item.name,
            qty=line.qty,
            unit_points=item.points,
            points=item.points * line.qty,
            due_class=item.due_class,
            due_at=as_utc(now + timedelta(days=DueClass(item.due_class).days)),
        )
        session.add(order_line)
        order_lines.append(order_line)
    session.flush()
    append_entry(
        session,
        household_id=household.id,
        points=-total,
        kind="redemption",
        at=now,
        origin=origin,
        order_id=order.id,
        group_id=order.id,
        operator_id=operator.id,
        note=order.number,
    )
    for line, order_line in zip(merged, order_lines, strict=True):
        if line.hand_over:
            hand_over_line(session, order_line, point.id, operator.id, now, origin)
    session.flush()
    return order_view(session, order)


def replace_replayed(result: RedeemResult) -> RedeemResult:
    from dataclasses import replace

    return replace(result, replayed=True)


def order_by_number(session: Session, number_or_id: str) -> RedemptionOrder:
    key = number_or_id.strip()
    order = session.exec(
        select(RedemptionOrder).where(
            (RedemptionOrder.number == key.upper()) | (RedemptionOrder.id == key)
        )
    ).first()
    if order is None:
        raise NotFound("order.unknown", order=number_or_id)
    return order


def order_view(session: Session, order: RedemptionOrder) -> RedeemResult:
    household = session.get(Household, order.household_id)
    rows = session.exec(
        select(OrderLine, Handover)
        .join(Handover, col(Handover.line_id) == col(OrderLine.id), isouter=True)
        .where(OrderLine.order_id == order.id)
        .order_by(col(OrderLine.line_no))
    ).all()
    lines = [
        LineView(
            line_id=line.id,
            line_no=line.line_no,
            no=line.item_no,
            name=line.item_name,
            qty=line.qty,
            points=line.points,
            due_class=line.due_class,
            due_at=from_db(line.due_at),
            handed_at=from_db(handover.handed_at) if handover else None,
        )
        for line, handover in rows
    ]
    return RedeemResult(
        order_id=order.id,
        number=order.number,
        household_code=household.code if household else order.household_id,
        exchange_point_id=order.exchange_point_id,
        total=order.total,
        balance_before=order.balance_before,
        balance_after=order.balance_before - order.total,
        created_at=from_db(order.created_at),
        lines=lines,
    )
