"""Where each village stands in a quarter: the street office's overview.

Every figure is one aggregate query over the records themselves (nothing is stored or
cached), so the overview can never disagree with the ledger, the exports or `kiosk` output.
The definitions, which docs/console.md states for the office in plain words:

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
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kiosk.core.central_models import SyncAlert, SyncKiosk
from kiosk.core.clock import as_utc, from_db
from kiosk.core.models import (
    Cancellation,
    CatalogItem,
    Declaration,
    DeclarationDecision,
    Dispute,
    DisputeResolution,
    EntryKind,
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
from kiosk.core.notice import Quarter
from kiosk.core.reference import require_role, require_village
from rules.engine import start_of_month

LOW_STOCK_AT = 2  # on hand at or below this many: a restock is due before the next orders
STALE_SYNC = timedelta(hours=36)  # a nightly sync missed once, and a day more

# Which flow an entry's points fall in; reversals take the flow of what they reverse.
_FLOW_OF_KIND = {
    EntryKind.AWARD: "awarded",
    EntryKind.BONUS: "awarded",
    EntryKind.DEDUCTION: "deducted",
    EntryKind.REDEMPTION: "redeemed",
}


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
    chosen = session.exec(
        select(Village)
        .where(*(() if villages is None else (col(Village.id).in_(list(villages)),)))
        .order_by(col(Village.id))
    ).all()
    ids = [v.id for v in chosen]
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


def _months(quarter: Quarter) -> list[str]:
    first = 3 * quarter.number - 2
    return [f"{quarter.year:04d}-{month:02d}" for month in range(first, first + 3)]


def _takes_part() -> Any:
    """`Household.takes_part` as SQL."""
    return and_(
        col(Household.opted_out).is_(False),
        col(Household.left_at).is_(None),
        or_(col(Household.long_term_absent).is_(False), col(Household.opted_in).is_(True)),
    )


def _participation(
    session: Session, village_ids: list[str], quarter: Quarter
) -> tuple[dict[str, int], dict[str, int]]:
    taking_part = dict(
        session.execute(
            select(Household.village_id, func.count())
            .where(col(Household.village_id).in_(village_ids), _takes_part())
            .group_by(col(Household.village_id))
        ).all()
    )
    correction = aliased(LedgerEntry)
    # NOT EXISTS by the reverses_id index: a join would read the whole ledger.
    taken_back = (
        select(correction.id)
        .where(
            col(correction.reverses_id) == col(LedgerEntry.id),
            # Corrections come after what they correct: a range of the created_at index,
            # so the anti-join never reads the years before the quarter.
            col(correction.created_at) >= as_utc(quarter.start),
            col(correction.kind) == EntryKind.CORRECTION,
        )
        .exists()
    )
    earned = (
        select(LedgerEntry.household_id)
        .where(
            col(LedgerEntry.created_at) >= as_utc(quarter.start),
            col(LedgerEntry.created_at) < as_utc(quarter.end),
            col(LedgerEntry.kind) == EntryKind.AWARD,
            col(LedgerEntry.points) > 0,
            ~taken_back,
        )
        .distinct()
        .subquery()
    )
    earning = dict(
        session.execute(
            select(Household.village_id, func.count())
            .join(earned, earned.c.household_id == col(Household.id))
            .where(col(Household.village_id).in_(village_ids), _takes_part())
            .group_by(col(Household.village_id))
        ).all()
    )
    return taking_part, earning


def _month_index(when: Any, quarter: Quarter) -> Any:
    """0, 1 or 2: which month of the quarter `when` falls in (Chongqing months)."""
    first = 3 * quarter.number - 2
    second, third = start_of_month(quarter.year, first + 1), start_of_month(quarter.year, first + 2)
    return case((when < as_utc(second), 0), (when < as_utc(third), 1), else_=2)


def _month_flows(
    session: Session, village_ids: list[str], quarter: Quarter
) -> dict[tuple[str, int], dict[str, int]]:
    flows: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(rows: Any) -> None:
        for village_id, index, entry_kind, points in rows:
            flow = _FLOW_OF_KIND[EntryKind(entry_kind)]
            # Points given are positive; deductions and spending are shown as positive amounts.
            flows[(village_id, int(index))][flow] += (
                int(points) if flow == "awarded" else -int(points)
            )

    # Two queries, not one with a self-join: the quarter's own entries are a range of the
    # created_at index, and the few reversals (kinds of their own) each look up what they
    # reverse by its key, where one join would make PostgreSQL hash the whole ledger.
    in_quarter = (
        col(LedgerEntry.created_at) >= as_utc(quarter.start),
        col(LedgerEntry.created_at) < as_utc(quarter.end),
    )
    month_index = _month_index(col(LedgerEntry.created_at), quarter)
    add(
        session.execute(
            select(
                Household.village_id, month_index, LedgerEntry.kind, func.sum(LedgerEntry.points)
            )
            .join(Household, col(Household.id) == col(LedgerEntry.household_id))
            .where(
                *in_quarter,
                col(Household.village_id).in_(village_ids),
                col(LedgerEntry.kind).in_(list(_FLOW_OF_KIND)),
            )
            .group_by(col(Household.village_id), month_index, col(LedgerEntry.kind))
        ).all()
    )
    reversed_ = aliased(LedgerEntry)
    reversed_month = _month_index(col(reversed_.created_at), quarter)
    add(
        session.execute(
            select(
                Household.village_id, reversed_month, reversed_.kind, func.sum(LedgerEntry.points)
            )
            .join(reversed_, col(reversed_.id) == col(LedgerEntry.reverses_id))
            .join(Household, col(Household.id) == col(LedgerEntry.household_id))
            .where(
                # A reversal comes after what it reverses: none before the quarter counts.
                col(LedgerEntry.created_at) >= as_utc(quarter.start),
                col(LedgerEntry.kind).in_([EntryKind.CORRECTION, EntryKind.REFUND]),
                col(reversed_.created_at) >= as_utc(quarter.start),
                col(reversed_.created_at) < as_utc(quarter.end),
                col(reversed_.kind).in_(list(_FLOW_OF_KIND)),
                col(Household.village_id).in_(village_ids),
            )
            .group_by(col(Household.village_id), reversed_month, col(reversed_.kind))
        ).all()
    )
    return {key: dict(value) for key, value in flows.items()}


def _waiting_declarations(session: Session, village_ids: list[str]) -> dict[str, Waiting]:
    rows = session.execute(
        select(Household.village_id, func.count(), func.min(Declaration.created_at))
        .join(Household, col(Household.id) == col(Declaration.household_id))
        .outerjoin(
            DeclarationDecision,
            col(DeclarationDecision.declaration_id) == col(Declaration.id),
        )
        .where(col(Household.village_id).in_(village_ids), col(DeclarationDecision.id).is_(None))
        .group_by(col(Household.village_id))
    ).all()
    return {village: Waiting(int(n), from_db(oldest)) for village, n, oldest in rows}


def _waiting_disputes(session: Session, village_ids: list[str]) -> dict[str, Waiting]:
    rows = session.execute(
        select(Household.village_id, func.count(), func.min(Dispute.created_at))
        .join(Household, col(Household.id) == col(Dispute.household_id))
        .outerjoin(DisputeResolution, col(DisputeResolution.dispute_id) == col(Dispute.id))
        .where(col(Household.village_id).in_(village_ids), col(DisputeResolution.id).is_(None))
        .group_by(col(Household.village_id))
    ).all()
    return {village: Waiting(int(n), from_db(oldest)) for village, n, oldest in rows}


def _points(
    session: Session, village_ids: list[str], quarter: Quarter, now: datetime
) -> tuple[PointOverview, ...]:
    points = session.exec(
        select(ExchangePoint)
        .where(col(ExchangePoint.village_id).in_(village_ids))
        .order_by(col(ExchangePoint.village_id), col(ExchangePoint.id))
    ).all()
    point_ids = [p.id for p in points]
    handed_in_time = col(Handover.handed_at) <= col(OrderLine.due_at)
    past_due = col(OrderLine.due_at) < as_utc(now)
    # Lines due in the quarter: a range of the due_at index.
    punctuality = {
        point_id: (int(on_time or 0), int(late or 0))
        for point_id, on_time, late in session.execute(
            select(
                RedemptionOrder.exchange_point_id,
                func.sum(case((and_(col(Handover.id).isnot(None), handed_in_time), 1), else_=0)),
                func.sum(
                    case(
                        (and_(col(Handover.id).isnot(None), ~handed_in_time), 1),
                        (and_(col(Handover.id).is_(None), past_due), 1),
                        else_=0,
                    )
                ),
            )
            .join(OrderLine, col(OrderLine.order_id) == col(RedemptionOrder.id))
            .outerjoin(Handover, col(Handover.line_id) == col(OrderLine.id))
            .outerjoin(Cancellation, col(Cancellation.line_id) == col(OrderLine.id))
            .where(
                col(OrderLine.due_at) >= as_utc(quarter.start),
                col(OrderLine.due_at) < as_utc(quarter.end),
                col(Cancellation.id).is_(None),
                col(RedemptionOrder.exchange_point_id).in_(point_ids),
            )
            .group_by(col(RedemptionOrder.exchange_point_id))
        ).all()
    }
    # Every pending line, once: owed quantities per item and overdue lines per point.
    owed: dict[tuple[str, int], int] = {}
    overdue: dict[str, int] = defaultdict(int)
    for point_id, item_no, qty, late_lines in session.execute(
        select(
            RedemptionOrder.exchange_point_id,
            OrderLine.item_no,
            func.sum(OrderLine.qty),
            func.sum(case((past_due, 1), else_=0)),
        )
        .join(OrderLine, col(OrderLine.order_id) == col(RedemptionOrder.id))
        .where(
            col(RedemptionOrder.exchange_point_id).in_(point_ids),
            ~select(Handover.id).where(col(Handover.line_id) == col(OrderLine.id)).exists(),
            ~select(Cancellation.id).where(col(Cancellation.line_id) == col(OrderLine.id)).exists(),
        )
        .group_by(col(RedemptionOrder.exchange_point_id), col(OrderLine.item_no))
    ).all():
        owed[(point_id, int(item_no))] = int(qty or 0)
        overdue[point_id] += int(late_lines or 0)
    low = _low_stock(session, point_ids, owed)
    return tuple(
        PointOverview(
            exchange_point_id=p.id,
            name=p.name,
            village_id=p.village_id,
            overdue=overdue.get(p.id, 0),
            on_time=punctuality.get(p.id, (0, 0))[0],
            late=punctuality.get(p.id, (0, 0))[1],
            low_stock=tuple(low.get(p.id, ())),
        )
        for p in points
    )


def _low_stock(
    session: Session, point_ids: list[str], owed: dict[tuple[str, int], int]
) -> dict[str, list[LowStock]]:
    on_hand: dict[tuple[str, int], int] = {
        (point_id, int(item_no)): int(total or 0)
        for point_id, item_no, total in session.execute(
            select(
                StockMovement.exchange_point_id,
                StockMovement.item_no,
                func.sum(StockMovement.delta),
            )
            .where(col(StockMovement.exchange_point_id).in_(point_ids))
            .group_by(col(StockMovement.exchange_point_id), col(StockMovement.item_no))
        ).all()
    }
    names = dict(session.execute(select(CatalogItem.no, CatalogItem.name)).all())
    low: dict[str, list[LowStock]] = defaultdict(list)
    for point_id, item_no in sorted(set(on_hand) | set(owed)):
        stock, wanted = on_hand.get((point_id, item_no), 0), owed.get((point_id, item_no), 0)
        if stock < wanted or stock <= LOW_STOCK_AT:
            low[point_id].append(LowStock(item_no, names.get(item_no, str(item_no)), stock, wanted))
    return low


def _kiosks(session: Session, village_ids: list[str], now: datetime) -> tuple[KioskOverview, ...]:
    kiosks = session.exec(
        select(SyncKiosk)
        .where(col(SyncKiosk.village_id).in_(village_ids), col(SyncKiosk.revoked_at).is_(None))
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


def _alerts(session: Session, village_ids: list[str]) -> dict[str, int]:
    """Open alerts about the villages' households or raised by their kiosks, by kind."""
    of_household = select(Household.id).where(col(Household.village_id).in_(village_ids))
    of_kiosk = select(SyncKiosk.id).where(col(SyncKiosk.village_id).in_(village_ids))
    rows = session.execute(
        select(SyncAlert.kind, func.count())
        .where(
            col(SyncAlert.acknowledged_by).is_(None),
            or_(
                col(SyncAlert.household_id).in_(of_household),
                and_(col(SyncAlert.household_id).is_(None), col(SyncAlert.kiosk_id).in_(of_kiosk)),
            ),
        )
        .group_by(col(SyncAlert.kind))
        .order_by(col(SyncAlert.kind))
    ).all()
    return {kind: int(n) for kind, n in rows}
