"""Where each village stands in a quarter: the street office's overview.

Every figure is read from the small tables that database triggers keep as the records are
written (`kiosk.core.rollup_models`, migration 0015), so a district's overview reads a few
hundred rows, not millions of entries; `kiosk check` recounts them from the records
(`kiosk.core.rollups`), so the overview cannot silently disagree with the ledger, the exports
or `kiosk` output. The definitions, which docs/console.md states for the office in plain words:

- Participation: households taking part now (`Household.takes_part`) that were awarded
  points for a deed in the quarter (an award entry no correction took back), over all
  households taking part.
- Monthly flows, per Chongqing month: awarded = award and bonus entries; deducted =
  deduction entries; redeemed = redemption entries net of refunds. A reversal (a dispute's
  correction, a cancelled line's refund) counts in the month and the flow of the entry it
  reverses, as `kiosk.core.periods.earnings` counts it: a deed found wrong later leaves the
  month it was done in.
- Waiting: declarations with no decision, disputes with no resolution, and the oldest's time.
- Per exchange point: lines overdue now; of the lines due in the quarter (cancelled ones left
  out) those handed over by their due time, and those late (handed over after it, or still
  pending past it), as `kiosk.core.fulfilment.on_time_rates` counts a month; items short of
  what is owed, or at `LOW_STOCK_AT` or fewer.
- Kiosks: last complete sync and clock skew; stale after `STALE_SYNC` without one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlalchemy import select as sql_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kiosk.core.central_models import SyncAlert, SyncKiosk
from kiosk.core.clock import as_utc, from_db
from kiosk.core.models import CatalogItem, ExchangePoint, Household, Operator, Role, Village
from kiosk.core.notice import Quarter
from kiosk.core.reference import require_role, require_village
from kiosk.core.rollup_models import (
    OpenDeclaration,
    OpenDispute,
    OpenLine,
    PointQuarterPunctuality,
    StockOnHand,
    VillageMonthFlow,
    VillageQuarterEarning,
    VillageTakingPart,
)

LOW_STOCK_AT = 2  # on hand at or below this many: a restock is due before the next orders
STALE_SYNC = timedelta(hours=36)  # a nightly sync missed once, and a day more


@dataclass(frozen=True)
class MonthFlow:
    month: str  # "2026-10"
    awarded: int = 0  # points given
    deducted: int = 0  # points taken by deductions, as a positive number
    redeemed: int = 0  # points spent on goods net of refunds, as a positive number


@dataclass(frozen=True)
class Waiting:
    count: int = 0
    oldest_at: datetime | None = None

    def oldest_days(self, now: datetime) -> int | None:
        """Whole days the oldest has waited, for a clerk reading "waiting 3 days"."""
        return None if self.oldest_at is None else (now - self.oldest_at).days


@dataclass(frozen=True)
class VillageOverview:
    village_id: str
    name: str
    taking_part: int
    earning: int  # households taking part that were awarded points in the quarter
    months: tuple[MonthFlow, ...]
    declarations: Waiting
    disputes: Waiting

    @property
    def participation_percent(self) -> int | None:
        """Rounded half up, as a person rounds; None for a village with no one taking part."""
        if not self.taking_part:
            return None
        return (200 * self.earning + self.taking_part) // (2 * self.taking_part)


@dataclass(frozen=True)
class LowStock:
    item_no: int
    name: str
    on_hand: int
    owed: int  # quantity on pending lines at this exchange point


@dataclass(frozen=True)
class PointOverview:
    exchange_point_id: str
    name: str
    village_id: str
    overdue: int  # pending lines past their due time now
    on_time: int  # of the lines due in the quarter so far, handed over by their due time
    late: int  # handed over after it, or still pending past it
    low_stock: tuple[LowStock, ...] = ()

    @property
    def on_time_percent(self) -> int | None:
        due = self.on_time + self.late
        return None if not due else (200 * self.on_time + due) // (2 * due)


@dataclass(frozen=True)
class KioskOverview:
    kiosk_id: str
    village_id: str
    last_sync_at: datetime | None
    clock_skew_s: float | None
    stale: bool


@dataclass(frozen=True)
class Overview:
    quarter: Quarter
    at: datetime
    villages: tuple[VillageOverview, ...]
    points: tuple[PointOverview, ...]
    kiosks: tuple[KioskOverview, ...]
    alerts: dict[str, int] = field(default_factory=dict)  # open alerts by kind

    def as_json(self) -> dict[str, Any]:
        """The figures as the CLI prints them and the console's exports carry them."""

        def moment(at: datetime | None) -> str | None:
            return None if at is None else as_utc(at).isoformat()

        return {
            "quarter": self.quarter.key,
            "at": moment(self.at),
            "villages": [
                {
                    "village_id": v.village_id,
                    "name": v.name,
                    "taking_part": v.taking_part,
                    "earning": v.earning,
                    "participation_percent": v.participation_percent,
                    "months": [asdict(m) for m in v.months],
                    "declarations_waiting": v.declarations.count,
                    "oldest_declaration_at": moment(v.declarations.oldest_at),
                    "disputes_waiting": v.disputes.count,
                    "oldest_dispute_at": moment(v.disputes.oldest_at),
                }
                for v in self.villages
            ],
            "exchange_points": [
                {
                    "exchange_point_id": p.exchange_point_id,
                    "name": p.name,
                    "village_id": p.village_id,
                    "overdue": p.overdue,
                    "on_time": p.on_time,
                    "late": p.late,
                    "on_time_percent": p.on_time_percent,
                    "low_stock": [asdict(item) for item in p.low_stock],
                }
                for p in self.points
            ],
            "kiosks": [
                {
                    "kiosk_id": k.kiosk_id,
                    "village_id": k.village_id,
                    "last_sync_at": moment(k.last_sync_at),
                    "clock_skew_s": k.clock_skew_s,
                    "stale": k.stale,
                }
                for k in self.kiosks
            ],
            "alerts": dict(self.alerts),
        }


def office_overview(
    session: Session, quarter: Quarter, now: datetime, villages: Collection[str] | None = None
) -> Overview:
    """The overview of `villages` (all when None) for `quarter`, figures up to `now`."""
    chosen = session.execute(
        select(Village.id, Village.name)
        .where(*_within(Village.id, None if villages is None else list(villages)))
        .order_by(col(Village.id))
    ).all()
    # The whole street reads every kept row without a list of 300 ids to send and match.
    ids = None if villages is None else [v.id for v in chosen]
    taking_part, earning = _participation(session, ids, quarter)
    flows = _month_flows(session, ids, quarter)
    declarations = _waiting_declarations(session, ids)
    disputes = _waiting_disputes(session, ids)
    months = _months(quarter)
    return Overview(
        quarter=quarter,
        at=now,
        villages=tuple(
            VillageOverview(
                village_id=v.id,
                name=v.name,
                taking_part=taking_part.get(v.id, 0),
                earning=earning.get(v.id, 0),
                months=tuple(
                    MonthFlow(key, **flows.get((v.id, index), {}))
                    for index, key in enumerate(months)
                ),
                declarations=declarations.get(v.id, Waiting()),
                disputes=disputes.get(v.id, Waiting()),
            )
            for v in chosen
        ),
        points=_points(session, ids, quarter, now),
        kiosks=_kiosks(session, ids, now),
        alerts=_alerts(session, ids),
    )


def overview_for(
    session: Session,
    operator: Operator,
    quarter: Quarter,
    now: datetime,
    village_id: str | None = None,
) -> Overview:
    """What `operator` may see: a street administrator every village (or the one chosen), a
    village administrator its own; a shopkeeper keeps a shop, not the scheme: refused."""
    require_role(operator, Role.STREET_ADMIN, Role.VILLAGE_ADMIN)
    if operator.role == Role.VILLAGE_ADMIN:
        village_id = village_id or operator.village_id
    if village_id is not None:
        require_village(operator, village_id)
    return office_overview(session, quarter, now, None if village_id is None else {village_id})


def _within(column: Any, ids: list[str] | None) -> tuple[Any, ...]:
    """`column IN ids` as a where clause; nothing when `ids` is None (the whole street)."""
    return () if ids is None else (col(column).in_(ids),)


def _months(quarter: Quarter) -> list[str]:
    first = 3 * quarter.number - 2
    return [f"{quarter.year:04d}-{month:02d}" for month in range(first, first + 3)]


def _participation(
    session: Session, village_ids: list[str] | None, quarter: Quarter
) -> tuple[dict[str, int], dict[str, int]]:
    taking_part = dict(
        session.execute(
            select(VillageTakingPart.village_id, VillageTakingPart.taking_part).where(
                *_within(VillageTakingPart.village_id, village_ids)
            )
        ).all()
    )
    earning = dict(
        session.execute(
            select(VillageQuarterEarning.village_id, VillageQuarterEarning.earning).where(
                *_within(VillageQuarterEarning.village_id, village_ids),
                col(VillageQuarterEarning.quarter) == quarter.key,
            )
        ).all()
    )
    return taking_part, earning


def _month_flows(
    session: Session, village_ids: list[str] | None, quarter: Quarter
) -> dict[tuple[str, int], dict[str, int]]:
    index_of = {month: index for index, month in enumerate(_months(quarter))}
    return {
        (village_id, index_of[month]): {
            "awarded": awarded,
            "deducted": deducted,
            "redeemed": redeemed,
        }
        for village_id, month, awarded, deducted, redeemed in session.execute(
            sql_select(
                col(VillageMonthFlow.village_id),
                col(VillageMonthFlow.month),
                col(VillageMonthFlow.awarded),
                col(VillageMonthFlow.deducted),
                col(VillageMonthFlow.redeemed),
            ).where(
                *_within(VillageMonthFlow.village_id, village_ids),
                col(VillageMonthFlow.month).in_(list(index_of)),
            )
        ).all()
    }


def _waiting(session: Session, village_ids: list[str] | None, table: Any) -> dict[str, Waiting]:
    rows = session.execute(
        select(Household.village_id, func.count(), func.min(table.created_at))
        .join(Household, col(Household.id) == table.household_id)
        .where(*_within(Household.village_id, village_ids))
        .group_by(col(Household.village_id))
    ).all()
    return {village: Waiting(int(n), from_db(oldest)) for village, n, oldest in rows}


def _waiting_declarations(session: Session, village_ids: list[str] | None) -> dict[str, Waiting]:
    return _waiting(session, village_ids, OpenDeclaration)


def _waiting_disputes(session: Session, village_ids: list[str] | None) -> dict[str, Waiting]:
    return _waiting(session, village_ids, OpenDispute)


def _points(
    session: Session, village_ids: list[str] | None, quarter: Quarter, now: datetime
) -> tuple[PointOverview, ...]:
    points = session.execute(
        select(ExchangePoint.id, ExchangePoint.name, ExchangePoint.village_id)
        .where(*_within(ExchangePoint.village_id, village_ids))
        .order_by(col(ExchangePoint.village_id), col(ExchangePoint.id))
    ).all()
    point_ids = None if village_ids is None else [p.id for p in points]
    # Lines handed over, due in the quarter: kept by the hand-overs' and cancellations' triggers.
    punctuality: dict[str, list[int]] = {
        point_id: [int(on_time), int(late)]
        for point_id, on_time, late in session.execute(
            select(
                PointQuarterPunctuality.exchange_point_id,
                PointQuarterPunctuality.on_time,
                PointQuarterPunctuality.late,
            ).where(
                *_within(PointQuarterPunctuality.exchange_point_id, point_ids),
                col(PointQuarterPunctuality.quarter) == quarter.key,
            )
        ).all()
    }
    # Every open line, once: owed quantities per item, overdue lines per point, and those due
    # in the quarter and past it, late although not handed over yet.
    past_due = col(OpenLine.due_at) < as_utc(now)
    due_in_quarter = and_(
        col(OpenLine.due_at) >= as_utc(quarter.start), col(OpenLine.due_at) < as_utc(quarter.end)
    )
    owed: dict[tuple[str, int], int] = {}
    overdue: dict[str, int] = defaultdict(int)
    for point_id, item_no, qty, late_lines, late_in_quarter in session.execute(
        # Five columns: past sqlmodel's typed select overloads, so plain SQLAlchemy here.
        sql_select(
            col(OpenLine.exchange_point_id),
            col(OpenLine.item_no),
            func.sum(col(OpenLine.qty)),
            func.sum(case((past_due, 1), else_=0)),
            func.sum(case((and_(past_due, due_in_quarter), 1), else_=0)),
        )
        .where(*_within(OpenLine.exchange_point_id, point_ids))
        .group_by(col(OpenLine.exchange_point_id), col(OpenLine.item_no))
    ).all():
        owed[(point_id, int(item_no))] = int(qty or 0)
        overdue[point_id] += int(late_lines or 0)
        punctuality.setdefault(point_id, [0, 0])[1] += int(late_in_quarter or 0)
    low = _low_stock(session, point_ids, owed)
    return tuple(
        PointOverview(
            exchange_point_id=p.id,
            name=p.name,
            village_id=p.village_id,
            overdue=overdue.get(p.id, 0),
            on_time=punctuality.get(p.id, [0, 0])[0],
            late=punctuality.get(p.id, [0, 0])[1],
            low_stock=tuple(low.get(p.id, ())),
        )
        for p in points
    )


def _low_stock(
    session: Session, point_ids: list[str] | None, owed: dict[tuple[str, int], int]
) -> dict[str, list[LowStock]]:
    on_hand: dict[tuple[str, int], int] = {
        (point_id, int(item_no)): int(total)
        for point_id, item_no, total in session.execute(
            select(StockOnHand.exchange_point_id, StockOnHand.item_no, StockOnHand.on_hand).where(
                *_within(StockOnHand.exchange_point_id, point_ids)
            )
        ).all()
    }
    names = dict(session.execute(select(CatalogItem.no, CatalogItem.name)).all())
    low: dict[str, list[LowStock]] = defaultdict(list)
    for point_id, item_no in sorted(set(on_hand) | set(owed)):
        stock, wanted = on_hand.get((point_id, item_no), 0), owed.get((point_id, item_no), 0)
        if stock < wanted or stock <= LOW_STOCK_AT:
            low[point_id].append(LowStock(item_no, names.get(item_no, str(item_no)), stock, wanted))
    return low


def _kiosks(
    session: Session, village_ids: list[str] | None, now: datetime
) -> tuple[KioskOverview, ...]:
    kiosks = session.exec(
        select(SyncKiosk)
        .where(*_within(SyncKiosk.village_id, village_ids), col(SyncKiosk.revoked_at).is_(None))
        .order_by(col(SyncKiosk.village_id), col(SyncKiosk.id))
    ).all()
    result = []
    for kiosk in kiosks:
        synced = from_db(kiosk.last_sync_at) if kiosk.last_sync_at else None
        result.append(
            KioskOverview(
                kiosk_id=kiosk.id,
                village_id=kiosk.village_id,
                last_sync_at=synced,
                clock_skew_s=kiosk.clock_skew_s,
                stale=synced is None or now - synced > STALE_SYNC,
            )
        )
    return tuple(result)


def _alerts(session: Session, village_ids: list[str] | None) -> dict[str, int]:
    """Open alerts about the villages' households or raised by their kiosks, by kind."""
    # Joined by key from the few open alerts, not `IN (every household of the villages)`,
    # which PostgreSQL hashes whole (100,000 ids) for an OR it cannot turn into a join.
    kiosk = aliased(SyncKiosk)
    rows = session.execute(
        select(SyncAlert.kind, func.count())
        .outerjoin(Household, col(Household.id) == col(SyncAlert.household_id))
        .outerjoin(kiosk, col(kiosk.id) == col(SyncAlert.kiosk_id))
        .where(
            col(SyncAlert.acknowledged_by).is_(None),
            or_(
                and_(col(Household.id).isnot(None), *_within(Household.village_id, village_ids)),
                and_(
                    col(SyncAlert.household_id).is_(None),
                    col(kiosk.id).isnot(None),
                    *_within(kiosk.village_id, village_ids),
                ),
            ),
        )
        .group_by(col(SyncAlert.kind))
        .order_by(col(SyncAlert.kind))
    ).all()
    return {kind: int(n) for kind, n in rows}
