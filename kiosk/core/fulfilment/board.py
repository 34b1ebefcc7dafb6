"""Stock and the deadline board: what is owed, overdue or ready per exchange point, restocks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from kiosk.core.clock import as_utc, from_db, local_date, start_of_day
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.fulfilment.lines import (
    FulfilmentLine,
    LineRow,
    Urgency,
    line_rows,
    line_view,
    pending_condition,
    urgency,
    village_id_of,
)
from kiosk.core.ids import new_id
from kiosk.core.ledger import local_origin, next_origin_seq
from kiosk.core.models import (
    Cancellation,
    CatalogItem,
    ExchangePoint,
    Handover,
    Household,
    Operator,
    OrderLine,
    RedemptionOrder,
    StockMovement,
)
from kiosk.core.reference import (
    counter_exchange_point_id,
    require_village,
    stock_levels,
)

MAX_RESTOCK_QTY = 9999  # a village shop never takes in 10,000 of anything: a keying mistake

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


def _readiness(session: Session, rows: Sequence[LineRow]) -> set[str]:
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
    rows = line_rows(session, *pending_condition(), *conditions)
    ready = _readiness(session, rows)
    board = []
    for line, order, household, _, _ in rows:
        view = line_view(line, None, None, now)
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
    village_id = village_id_of(session, village) if village else None
    household_code = household.strip().upper() if household else None
    return [
        row
        for row in rows
        if (village_id is None or row.village_id == village_id)
        and (item_no is None or row.line.item_no == item_no)
        and (household_code is None or row.household_code == household_code)
    ]


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
        .where(*pending_condition())
    )
    if exchange_point:
        statement = statement.where(col(RedemptionOrder.exchange_point_id) == exchange_point)
    if village:
        statement = statement.join(
            Household, col(Household.id) == col(RedemptionOrder.household_id)
        ).where(col(Household.village_id) == village_id_of(session, village))
    overdue, due_today = session.execute(statement).one()
    return DeadlineCounts(overdue=int(overdue or 0), due_today=int(due_today or 0))


def exchange_point_for(
    session: Session, operator: Operator, exchange_point: str | None
) -> ExchangePoint:
    """The exchange point named, else this kiosk's own, else the operator's."""
    candidate = counter_exchange_point_id(session, operator, exchange_point)
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
    item = session.get(CatalogItem, item_no)
    if item is None:
        raise NotFound("item.unknown", no=item_no)
    require_village(operator, exchange_point.village_id)
    if not item.active and not _board_rows(
        session,
        now,
        col(RedemptionOrder.exchange_point_id) == exchange_point.id,
        col(OrderLine.item_no) == item.no,
    ):
        # A retired item takes no new orders, but goods still owed on its open lines must be
        # able to arrive, or those lines could never be handed over.
        raise Refused("restock.retired", no=item.no, name=item.name)
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
