"""Reports of fulfilment: the order list and the monthly on-time rate per exchange point."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from kiosk.core.clock import as_utc
from kiosk.core.fulfilment.lines import (
    LineStatus,
    OrderRecord,
    group_orders,
    line_rows,
    line_view,
    pending_condition,
    village_id_of,
)
from kiosk.core.models import (
    Cancellation,
    ExchangePoint,
    Handover,
    Household,
    OrderLine,
)
from rules.engine import start_of_month, start_of_next_month

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
        conditions.append(col(Household.village_id) == village_id_of(session, village))
    if household:
        conditions.append(col(Household.code) == household.strip().upper())
    if status in (LineStatus.PENDING, LineStatus.OVERDUE):
        conditions.extend(pending_condition())
    elif status == LineStatus.HANDED:
        conditions.append(col(Handover.id).is_not(None))
    elif status == LineStatus.CANCELLED:
        conditions.append(col(Cancellation.id).is_not(None))
    records = group_orders(line_rows(session, *conditions), now)
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
    rows = line_rows(
        session,
        col(OrderLine.due_at) >= as_utc(start),
        col(OrderLine.due_at) < as_utc(end),
        col(Cancellation.id).is_(None),
    )
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # on time, late, open
    for line, order, _, handover, _ in rows:
        view = line_view(line, handover, None, now)
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
