"""An order line's state, derived from which rows exist (pending, handed over, cancelled), and
the views of lines and orders every other part of fulfilment reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.core.clock import from_db
from kiosk.core.codes import CardScan, OrderScan, ShortCodeScan, order_payload, parse_scan
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.models import (
    Cancellation,
    Handover,
    Household,
    OrderLine,
    RedemptionOrder,
    Village,
)
from kiosk.core.redemption import order_by_number

DUE_SOON = timedelta(hours=24)  # the board's yellow band


class LineStatus(StrEnum):
    PENDING = "pending"
    OVERDUE = "overdue"  # pending, and the promise is already broken
    HANDED = "handed"
    CANCELLED = "cancelled"


class Urgency(StrEnum):
    """How the deadline board colours a pending line."""

    OVERDUE = "overdue"  # red
    DUE_SOON = "due_soon"  # yellow: due within 24 hours
    LATER = "later"


def is_overdue(due_at: datetime, now: datetime) -> bool:
    """The promise is broken only once `due_at` has passed; at `due_at` itself it still holds."""
    return now > due_at


def urgency(due_at: datetime, now: datetime) -> Urgency:
    if is_overdue(due_at, now):
        return Urgency.OVERDUE
    if due_at - now <= DUE_SOON:
        return Urgency.DUE_SOON
    return Urgency.LATER


# --- views ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FulfilmentLine:
    """One order line and where it stands at `now`."""

    line_id: str
    line_no: int  # as printed on the receipt: 1, 2, ...
    item_no: int
    name: str
    qty: int
    points: int
    due_class: str
    due_at: datetime
    status: LineStatus
    handed_at: datetime | None = None
    handed_by: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None

    @property
    def open(self) -> bool:
        return self.status in (LineStatus.PENDING, LineStatus.OVERDUE)

    @property
    def late(self) -> bool:
        """Handed over after its due time, or still pending past it."""
        if self.handed_at is not None:
            return self.handed_at > self.due_at
        return self.status == LineStatus.OVERDUE

    def as_json(self) -> dict[str, object]:
        return {
            "no": self.line_no,
            "item_no": self.item_no,
            "name": self.name,
            "qty": self.qty,
            "points": self.points,
            "status": str(self.status),
            "due_at": self.due_at,
            "handed_at": self.handed_at,
            "late": self.late,
            "cancelled_at": self.cancelled_at,
            "cancel_reason": self.cancel_reason,
        }


@dataclass(frozen=True)
class OrderRecord:
    """An order with its lines' states, as reports and the hand-over screen show it."""

    order_id: str
    number: str
    household_id: str
    household_code: str
    head_name: str
    village_id: str
    exchange_point_id: str
    created_at: datetime
    total: int
    lines: tuple[FulfilmentLine, ...]

    @property
    def open_lines(self) -> tuple[FulfilmentLine, ...]:
        return tuple(line for line in self.lines if line.open)

    @property
    def qr_payload(self) -> str:
        return order_payload(self.number)

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.number,
            "order_id": self.order_id,
            "household": self.household_code,
            "village": self.village_id,
            "exchange_point": self.exchange_point_id,
            "created_at": self.created_at,
            "total": self.total,
            "lines": [line.as_json() for line in self.lines],
        }


LineRow = tuple[OrderLine, RedemptionOrder, Household, Handover | None, Cancellation | None]


def line_rows(session: Session, *conditions: Any) -> list[LineRow]:
    # SQLModel's typed `select` stops at four entities; SQLAlchemy's takes five.
    statement = (
        sa_select(OrderLine, RedemptionOrder, Household, Handover, Cancellation)
        .join(RedemptionOrder, col(RedemptionOrder.id) == col(OrderLine.order_id))
        .join(Household, col(Household.id) == col(RedemptionOrder.household_id))
        .join(Handover, col(Handover.line_id) == col(OrderLine.id), isouter=True)
        .join(Cancellation, col(Cancellation.line_id) == col(OrderLine.id), isouter=True)
        .where(*conditions)
        .order_by(
            col(RedemptionOrder.created_at), col(RedemptionOrder.number), col(OrderLine.line_no)
        )
    )
    return [tuple(row) for row in session.execute(statement).all()]


def pending_condition() -> tuple[Any, ...]:
    return (col(Handover.id).is_(None), col(Cancellation.id).is_(None))


def line_view(
    line: OrderLine, handover: Handover | None, cancellation: Cancellation | None, now: datetime
) -> FulfilmentLine:
    due_at = from_db(line.due_at)
    if handover is not None:
        status = LineStatus.HANDED
    elif cancellation is not None:
        status = LineStatus.CANCELLED
    else:
        status = LineStatus.OVERDUE if is_overdue(due_at, now) else LineStatus.PENDING
    return FulfilmentLine(
        line_id=line.id,
        line_no=line.line_no,
        item_no=line.item_no,
        name=line.item_name,
        qty=line.qty,
        points=line.points,
        due_class=line.due_class,
        due_at=due_at,
        status=status,
        handed_at=from_db(handover.handed_at) if handover else None,
        handed_by=handover.operator_id if handover else None,
        cancelled_at=from_db(cancellation.cancelled_at) if cancellation else None,
        cancel_reason=cancellation.reason if cancellation else None,
    )


def group_orders(rows: Sequence[LineRow], now: datetime) -> list[OrderRecord]:
    grouped: dict[str, list[LineRow]] = {}
    for row in rows:
        grouped.setdefault(row[1].id, []).append(row)
    records = []
    for order_rows in grouped.values():
        _, order, household, _, _ = order_rows[0]
        records.append(
            OrderRecord(
                order_id=order.id,
                number=order.number,
                household_id=household.id,
                household_code=household.code,
                head_name=household.head_name,
                village_id=household.village_id,
                exchange_point_id=order.exchange_point_id,
                created_at=from_db(order.created_at),
                total=order.total,
                lines=tuple(line_view(line, h, c, now) for line, _, _, h, c in order_rows),
            )
        )
    return records


def order_record(session: Session, order: RedemptionOrder, now: datetime) -> OrderRecord:
    records = group_orders(line_rows(session, col(OrderLine.order_id) == order.id), now)
    if not records:
        raise NotFound("order.unknown", order=order.number)
    return records[0]


def resolve_order(session: Session, raw: str) -> RedemptionOrder:
    """The order named by a typed number (or id), or by the receipt's scanned `JFO:` code."""
    text = raw.strip()
    if text.upper().startswith(("JFO:", "JF1:")):
        scan = parse_scan(text)
        if isinstance(scan, OrderScan):
            return order_by_number(session, scan.number)
        raise BadInput("order.card_scanned")
    try:
        return order_by_number(session, text)
    except NotFound:
        # A household code typed where an order was asked for deserves its own message.
        try:
            scanned = parse_scan(text)
        except BadInput:
            scanned = None
        if isinstance(scanned, ShortCodeScan | CardScan):
            raise BadInput("order.card_scanned") from None
        raise


@contextmanager
def refuse_on_conflict(refusal: Refused) -> Iterator[None]:
    """A concurrent writer got there first (a unique constraint fired): refuse, write nothing."""
    try:
        yield
    except IntegrityError:
        raise refusal from None


def village_id_of(session: Session, village: str) -> str:
    found = session.exec(
        select(Village).where((Village.id == village.strip()) | (Village.name == village.strip()))
    ).first()
    if found is None:
        raise NotFound("village.unknown", village=village)
    return found.id
