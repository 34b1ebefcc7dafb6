"""Keeping the 2-day and 7-day promises: hand-overs, cancellations, restocks, deadlines, on-time rates.

Every order line is in exactly one state: pending (overdue once `due_at` has passed),
handed over (a `Handover` row), or cancelled (a `Cancellation` row with its refund entry).
States are never stored: they follow from which rows exist, so they cannot disagree with
the ledger. A line is late when it is handed over after its `due_at`; handing over at the
exact instant of `due_at` keeps the promise.

Decisions:
- Cancelling refunds points, so only a village or street administrator may do it; the
  shopkeeper who ordered the goods is refused (the same roles that may award points).
- The refund lands in the points year of the cancellation (the ledger dates every entry by
  its own time; a closed year's balance was already reset and must stay so).
- A hand-over of several lines is all or nothing: if one chosen line is short of stock,
  nothing is handed over and the message names the item.
- "Due today" counts pending lines not yet overdue whose `due_at` falls before the next
  midnight in Chongqing, so the home screen's two counts never overlap.
- The monthly on-time rate counts lines by the Chongqing month of their `due_at`; cancelled
  lines are left out, pending lines past due count as late, and pending lines not yet due
  are reported as open rather than counted either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.core.clock import as_utc, from_db, local_date, start_of_day
from kiosk.core.codes import CardScan, OrderScan, ShortCodeScan, order_payload, parse_scan
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.ids import new_id
from kiosk.core.ledger import append_entry, balance, local_origin, meta_get, next_origin_seq
from kiosk.core.masking import mask_name
from kiosk.core.models import (
    Cancellation,
    ExchangePoint,
    Handover,
    Household,
    LedgerEntry,
    Operator,
    OrderLine,
    RedemptionOrder,
    Role,
    StockMovement,
    Village,
)
from kiosk.core.receipt import HandoverSlip, ReceiptLine
from kiosk.core.redemption import hand_over_line, order_by_number
from kiosk.core.reference import catalog_item, require_village, stock_levels
from rules.engine import points_year, start_of_month, start_of_next_month

CANCELLING_ROLES = (Role.VILLAGE_ADMIN, Role.STREET_ADMIN)
DUE_SOON = timedelta(hours=24)  # the board's yellow band
MAX_RESTOCK_QTY = 9999  # a village shop never takes in 10,000 of anything: a keying mistake
MAX_REASON_LENGTH = 200


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


_Row = tuple[OrderLine, RedemptionOrder, Household, Handover | None, Cancellation | None]


def _line_rows(session: Session, *conditions: Any) -> list[_Row]:
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


def _pending_condition() -> tuple[Any, ...]:
    return (col(Handover.id).is_(None), col(Cancellation.id).is_(None))


def _line_view(
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


def _group_orders(rows: Sequence[_Row], now: datetime) -> list[OrderRecord]:
    grouped: dict[str, list[_Row]] = {}
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
                lines=tuple(_line_view(line, h, c, now) for line, _, _, h, c in order_rows),
            )
        )
    return records


def order_record(session: Session, order: RedemptionOrder, now: datetime) -> OrderRecord:
    records = _group_orders(_line_rows(session, col(OrderLine.order_id) == order.id), now)
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


# --- hand-over -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverResult:
    order: OrderRecord  # after the hand-over
    handed: tuple[FulfilmentLine, ...]  # the lines handed over now
    exchange_point_name: str
    operator_name: str
    handed_at: datetime

    @property
    def late_count(self) -> int:
        return sum(1 for line in self.handed if line.late)

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.order.number,
            "household": self.order.household_code,
            "handed_at": self.handed_at,
            "late": self.late_count,
            "lines": [line.as_json() for line in self.handed],
            "pending": [line.line_no for line in self.order.open_lines],
        }


@contextmanager
def _refuse_on_conflict(refusal: Refused) -> Iterator[None]:
    """A concurrent writer got there first (a unique constraint fired): refuse, write nothing."""
    try:
        yield
    except IntegrityError:
        raise refusal from None


def _choose_lines(record: OrderRecord, line_nos: Sequence[int] | None) -> list[FulfilmentLine]:
    if line_nos is None:
        chosen = list(record.open_lines)
        if not chosen:
            raise Refused("handover.nothing_pending", order=record.number)
        return chosen
    by_no = {line.line_no: line for line in record.lines}
    wanted = sorted(set(line_nos))
    if not wanted:
        raise BadInput("handover.none_chosen")
    chosen = []
    for no in wanted:
        line = by_no.get(no)
        if line is None:
            raise NotFound("order.line_unknown", order=record.number, no=no, count=len(by_no))
        if line.status == LineStatus.CANCELLED:
            raise Refused("handover.cancelled", name=line.name)
        if line.status == LineStatus.HANDED:
            raise Refused("handover.twice", name=line.name)
        chosen.append(line)
    return chosen


def hand_over(
    session: Session,
    order: RedemptionOrder,
    line_nos: Sequence[int] | None,
    operator: Operator,
    now: datetime,
) -> HandoverResult:
    """Hand the chosen pending lines (all pending ones when `line_nos` is None) to the household.

    All or nothing: a line already handed over or cancelled, or short of stock, refuses the
    whole hand-over and nothing is written.
    """
    household = session.get(Household, order.household_id)
    if household is None:
        raise NotFound("order.unknown", order=order.number)
    require_village(operator, household.village_id)
    before = order_record(session, order, now)
    chosen = _choose_lines(before, line_nos)
    origin = local_origin(session)
    lines = {
        line.id: line
        for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id))
    }
    for view in chosen:
        with _refuse_on_conflict(Refused("handover.twice", name=view.name)):
            hand_over_line(
                session, lines[view.line_id], order.exchange_point_id, operator.id, now, origin
            )
    after = order_record(session, order, now)
    chosen_ids = {line.line_id for line in chosen}
    point = session.get(ExchangePoint, order.exchange_point_id)
    return HandoverResult(
        order=after,
        handed=tuple(line for line in after.lines if line.line_id in chosen_ids),
        exchange_point_name=point.name if point else order.exchange_point_id,
        operator_name=operator.name,
        handed_at=now,
    )


def handover_slip(result: HandoverResult) -> HandoverSlip:
    """The short slip printed for a hand-over (the household's name masked: slips get lost)."""
    return HandoverSlip(
        exchange_point=result.exchange_point_name,
        printed_at=result.handed_at,
        operator=result.operator_name,
        order_number=result.order.number,
        household_code=result.order.household_code,
        masked_name=mask_name(result.order.head_name),
        lines=tuple(
            ReceiptLine(
                no=line.line_no,
                name=line.name,
                qty=line.qty,
                points=line.points,
                due_at=line.due_at,
                handed=True,
            )
            for line in result.handed
        ),
        late_lines=result.late_count,
        qr_payload=result.order.qr_payload,
    )


# --- cancellation --------------------------------------------------------------------------


@dataclass(frozen=True)
class CancelResult:
    order_number: str
    household_code: str
    line: FulfilmentLine
    refund_entry_id: str
    refunded: int
    balance_after: int

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.order_number,
            "household": self.household_code,
            "line": self.line.as_json(),
            "refund_entry_id": self.refund_entry_id,
            "refunded": self.refunded,
            "balance_after": self.balance_after,
        }


def cancel_line(
    session: Session,
    order: RedemptionOrder,
    line_no: int,
    reason: str,
    operator: Operator,
    now: datetime,
) -> CancelResult:
    """Cancel one pending line and refund its points by a reversing entry, exactly once.

    A second cancellation is refused; a concurrent one cannot refund twice either, since
    the caller's IMMEDIATE transaction serialises writers and `Cancellation.line_id` is unique.
    """
    if operator.role not in CANCELLING_ROLES:
        raise Refused("cancel.role", operator=operator.name)
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise BadInput("cancel.reason", max=MAX_REASON_LENGTH)
    household = session.get(Household, order.household_id)
    if household is None:
        raise NotFound("order.unknown", order=order.number)
    require_village(operator, household.village_id)
    record = order_record(session, order, now)
    view = next((line for line in record.lines if line.line_no == line_no), None)
    if view is None:
        raise NotFound(
            "order.line_unknown", order=order.number, no=line_no, count=len(record.lines)
        )
    if view.status == LineStatus.CANCELLED:
        raise Refused("cancel.twice", name=view.name)
    if view.status == LineStatus.HANDED:
        raise Refused("cancel.handed", name=view.name)
    redemption = session.exec(
        select(LedgerEntry).where(
            LedgerEntry.order_id == order.id, LedgerEntry.kind == "redemption"
        )
    ).first()
    if redemption is None:
        raise NotFound("order.unknown", order=order.number)
    origin = local_origin(session)
    with _refuse_on_conflict(Refused("cancel.twice", name=view.name)):
        refund = append_entry(
            session,
            household_id=household.id,
            points=view.points,
            kind="refund",
            at=now,
            origin=origin,
            order_id=order.id,
            group_id=order.id,
            reverses_id=redemption.id,
            operator_id=operator.id,
            note=f"{order.number} #{view.line_no} {reason}",
        )
        session.add(
            Cancellation(
                id=new_id(),
                line_id=view.line_id,
                refund_entry_id=refund.id,
                reason=reason,
                operator_id=operator.id,
                cancelled_at=as_utc(now),
                origin=origin,
                origin_seq=next_origin_seq(session, origin),
            )
        )
        session.flush()
    after = order_record(session, order, now)
    return CancelResult(
        order_number=order.number,
        household_code=household.code,
        line=next(line for line in after.lines if line.line_id == view.line_id),
        refund_entry_id=refund.id,
        refunded=view.points,
        balance_after=balance(session, household.id, points_year(now)),
    )


# --- stock and the deadline board ----------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    """A pending line on the deadline board."""

    order_id: str
    order_number: str
    household_code: str
    head_name: str
    village_id: str
    exchange_point_id: str
    line: FulfilmentLine
    time_left: timedelta  # negative once overdue
    urgency: Urgency
    ready: bool  # the exchange point's stock covers it: hand it over

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.order_number,
            "household": self.household_code,
            "village": self.village_id,
            "exchange_point": self.exchange_point_id,
            **self.line.as_json(),
            "hours_left": int(self.time_left.total_seconds() // 3600),
            "urgency": str(self.urgency),
            "ready": self.ready,
        }


def _readiness(session: Session, rows: Sequence[_Row]) -> set[str]:
    """The pending lines the stock on hand covers, earliest due first at each exchange point.

    Stock is promised to the line whose deadline comes first, so two lines waiting for one
    delivered rice cooker do not both show "ready".
    """
    waiting: dict[tuple[str, int], list[OrderLine]] = defaultdict(list)
    for line, order, _, _, _ in rows:
        waiting[(order.exchange_point_id, line.item_no)].append(line)
    ready: set[str] = set()
    points = {point for point, _ in waiting}
    for point in points:
        on_hand = stock_levels(session, point, [item for p, item in waiting if p == point])
        for (line_point, item_no), lines in waiting.items():
            if line_point != point:
                continue
            left = on_hand.get(item_no, 0)
            for line in sorted(
                lines, key=lambda candidate: (from_db(candidate.due_at), candidate.id)
            ):
                if line.qty <= left:
                    ready.add(line.id)
                    left -= line.qty
    return ready


def _board_rows(session: Session, now: datetime, *conditions: Any) -> list[BoardRow]:
    rows = _line_rows(session, *_pending_condition(), *conditions)
    ready = _readiness(session, rows)
    board = []
    for line, order, household, _, _ in rows:
        view = _line_view(line, None, None, now)
        board.append(
            BoardRow(
                order_id=order.id,
                order_number=order.number,
                household_code=household.code,
                head_name=household.head_name,
                village_id=household.village_id,
                exchange_point_id=order.exchange_point_id,
                line=view,
                time_left=view.due_at - now,
                urgency=urgency(view.due_at, now),
                ready=line.id in ready,
            )
        )
    board.sort(key=lambda row: (row.line.due_at, row.order_number, row.line.line_no))
    return board


def board(
    session: Session,
    now: datetime,
    *,
    village: str | None = None,
    item_no: int | None = None,
    household: str | None = None,
    exchange_point: str | None = None,
) -> list[BoardRow]:
    """Pending lines by time left (overdue first), optionally for one village, item or household.

    `village` is a village id or name, `household` a short code; readiness is worked out over
    every pending line of the exchange point, so a filter never changes which line is ready.
    """
    rows = _board_rows(
        session,
        now,
        *((col(RedemptionOrder.exchange_point_id) == exchange_point,) if exchange_point else ()),
    )
    village_id = _village_id(session, village) if village else None
    household_code = household.strip().upper() if household else None
    return [
        row
        for row in rows
        if (village_id is None or row.village_id == village_id)
        and (item_no is None or row.line.item_no == item_no)
        and (household_code is None or row.household_code == household_code)
    ]


def _village_id(session: Session, village: str) -> str:
    found = session.exec(
        select(Village).where((Village.id == village.strip()) | (Village.name == village.strip()))
    ).first()
    if found is None:
        raise NotFound("village.unknown", village=village)
    return found.id


@dataclass(frozen=True)
class DeadlineCounts:
    overdue: int
    due_today: int  # not yet overdue, due before the next midnight in Chongqing

    def as_json(self) -> dict[str, int]:
        return {"overdue": self.overdue, "due_today": self.due_today}


def counts(
    session: Session,
    now: datetime,
    *,
    exchange_point: str | None = None,
    village: str | None = None,
) -> DeadlineCounts:
    """The home screen's two numbers: pending lines overdue, and pending lines due today.

    Counted in SQL: the home screen recounts every minute, and a shop's years of orders
    should not be loaded to count a handful of pending lines.
    """
    midnight = start_of_day(local_date(now) + timedelta(days=1))
    due_at = col(OrderLine.due_at)
    statement = (
        sa_select(
            func.count().filter(due_at < as_utc(now)),
            func.count().filter(due_at >= as_utc(now), due_at < as_utc(midnight)),
        )
        .select_from(OrderLine)
        .join(RedemptionOrder, col(RedemptionOrder.id) == col(OrderLine.order_id))
        .join(Handover, col(Handover.line_id) == col(OrderLine.id), isouter=True)
        .join(Cancellation, col(Cancellation.line_id) == col(OrderLine.id), isouter=True)
        .where(*_pending_condition())
    )
    if exchange_point:
        statement = statement.where(col(RedemptionOrder.exchange_point_id) == exchange_point)
    if village:
        statement = statement.join(
            Household, col(Household.id) == col(RedemptionOrder.household_id)
        ).where(col(Household.village_id) == _village_id(session, village))
    overdue, due_today = session.execute(statement).one()
    return DeadlineCounts(overdue=int(overdue or 0), due_today=int(due_today or 0))


def exchange_point_for(
    session: Session, operator: Operator, exchange_point: str | None
) -> ExchangePoint:
    """The exchange point named, else the operator's, else this kiosk's own."""
    candidate = (
        exchange_point or operator.exchange_point_id or meta_get(session, "exchange_point_id")
    )
    if not candidate:
        raise BadInput("exchange_point.none")
    point = session.exec(
        select(ExchangePoint).where(
            (ExchangePoint.id == candidate.strip()) | (ExchangePoint.name == candidate.strip())
        )
    ).first()
    if point is None:
        raise NotFound("exchange_point.unknown", point=candidate)
    return point


@dataclass(frozen=True)
class RestockResult:
    exchange_point_id: str
    item_no: int
    name: str
    qty: int
    on_hand: int
    ready: tuple[BoardRow, ...]  # pending lines of the item the stock now covers

    def as_json(self) -> dict[str, object]:
        return {
            "exchange_point": self.exchange_point_id,
            "item_no": self.item_no,
            "name": self.name,
            "qty": self.qty,
            "on_hand": self.on_hand,
            "ready": [row.as_json() for row in self.ready],
        }


def restock(
    session: Session,
    exchange_point: ExchangePoint,
    item_no: int,
    qty: int,
    operator: Operator,
    now: datetime,
) -> RestockResult:
    """Record goods arriving at the exchange point; pending lines of the item may become ready."""
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_RESTOCK_QTY:
        raise BadInput("qty.range", low=1, high=MAX_RESTOCK_QTY, qty=qty)
    item = catalog_item(session, item_no)
    require_village(operator, exchange_point.village_id)
    origin = local_origin(session)
    session.add(
        StockMovement(
            id=new_id(),
            exchange_point_id=exchange_point.id,
            item_no=item.no,
            delta=qty,
            reason="restock",
            operator_id=operator.id,
            created_at=as_utc(now),
            origin=origin,
            origin_seq=next_origin_seq(session, origin),
        )
    )
    session.flush()
    rows = _board_rows(
        session,
        now,
        col(RedemptionOrder.exchange_point_id) == exchange_point.id,
        col(OrderLine.item_no) == item.no,
    )
    return RestockResult(
        exchange_point_id=exchange_point.id,
        item_no=item.no,
        name=item.name,
        qty=qty,
        on_hand=stock_levels(session, exchange_point.id, [item.no]).get(item.no, 0),
        ready=tuple(row for row in rows if row.ready),
    )


# --- reports -------------------------------------------------------------------------------


def order_report(
    session: Session,
    now: datetime,
    *,
    status: LineStatus | None = None,
    village: str | None = None,
    household: str | None = None,
) -> list[OrderRecord]:
    """Orders oldest first; with `status`, only the lines in it (pending includes overdue)."""
    conditions: list[Any] = []
    if village:
        conditions.append(col(Household.village_id) == _village_id(session, village))
    if household:
        conditions.append(col(Household.code) == household.strip().upper())
    if status in (LineStatus.PENDING, LineStatus.OVERDUE):
        conditions.extend(_pending_condition())
    elif status == LineStatus.HANDED:
        conditions.append(col(Handover.id).is_not(None))
    elif status == LineStatus.CANCELLED:
        conditions.append(col(Cancellation.id).is_not(None))
    records = _group_orders(_line_rows(session, *conditions), now)
    if status == LineStatus.OVERDUE:
        records = [
            replace(
                record,
                lines=tuple(line for line in record.lines if line.status == LineStatus.OVERDUE),
            )
            for record in records
        ]
        records = [record for record in records if record.lines]
    return records


@dataclass(frozen=True)
class OnTimeRow:
    """One exchange point's record for one month."""

    exchange_point_id: str
    exchange_point: str
    village_id: str
    due: int  # lines due in the month whose outcome is known (cancelled lines left out)
    on_time: int
    late: int  # handed over late, or still pending past due
    open: int  # pending and not yet due: neither on time nor late so far

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    def as_json(self) -> dict[str, object]:
        return {
            "exchange_point": self.exchange_point_id,
            "name": self.exchange_point,
            "village": self.village_id,
            "due": self.due,
            "on_time": self.on_time,
            "late": self.late,
            "open": self.open,
            "rate": None if self.rate is None else round(self.rate, 4),
        }


@dataclass(frozen=True)
class OnTimeReport:
    month: str
    rows: list[OnTimeRow] = field(default_factory=list)

    @property
    def total(self) -> OnTimeRow:
        return OnTimeRow(
            exchange_point_id="*",
            exchange_point="",
            village_id="",
            due=sum(row.due for row in self.rows),
            on_time=sum(row.on_time for row in self.rows),
            late=sum(row.late for row in self.rows),
            open=sum(row.open for row in self.rows),
        )

    def as_json(self) -> dict[str, object]:
        return {
            "month": self.month,
            "exchange_points": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


def on_time_rates(session: Session, year: int, month: int, now: datetime) -> OnTimeReport:
    """Per exchange point: lines handed over on time / lines due in the Chongqing month."""
    start, end = start_of_month(year, month), start_of_next_month(year, month)
    rows = _line_rows(
        session,
        col(OrderLine.due_at) >= as_utc(start),
        col(OrderLine.due_at) < as_utc(end),
        col(Cancellation.id).is_(None),
    )
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # on time, late, open
    for line, order, _, handover, _ in rows:
        view = _line_view(line, handover, None, now)
        slot = tally[order.exchange_point_id]
        if view.status == LineStatus.PENDING:
            slot[2] += 1
        elif view.late:
            slot[1] += 1
        else:
            slot[0] += 1
    points = session.exec(select(ExchangePoint).order_by(col(ExchangePoint.id))).all()
    return OnTimeReport(
        month=f"{year:04d}-{month:02d}",
        rows=[
            OnTimeRow(
                exchange_point_id=point.id,
                exchange_point=point.name,
                village_id=point.village_id,
                due=tally[point.id][0] + tally[point.id][1],
                on_time=tally[point.id][0],
                late=tally[point.id][1],
                open=tally[point.id][2],
            )
            for point in points
        ],
    )
