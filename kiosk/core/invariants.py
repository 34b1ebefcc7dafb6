"""`kiosk check`: proves the ledger's invariants over the whole database and lists breaches."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from kiosk.core.clock import from_db
from kiosk.core.models import (
    Cancellation,
    Handover,
    LedgerEntry,
    OrderLine,
    RedemptionOrder,
    StockMovement,
)
from kiosk.core.rollups import rollup_differences
from rules.engine import points_year


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "notes": self.notes,
            "counts": self.counts,
        }


def check_ledger(session: Session) -> CheckReport:
    report = CheckReport()
    _check_entries(session, report)
    _check_orders(session, report)
    _check_lines(session, report)
    _check_stock(session, report)
    _check_balances(session, report)
    # The overview's figures are kept by triggers; a recount from the records proves them.
    report.problems += rollup_differences(session)
    return report


def _check_entries(session: Session, report: CheckReport) -> None:
    # Six columns: past sqlmodel's typed select overloads, so plain SQLAlchemy here.
    rows = session.execute(
        sql_select(
            col(LedgerEntry.id),
            col(LedgerEntry.kind),
            col(LedgerEntry.points),
            col(LedgerEntry.points_year),
            col(LedgerEntry.created_at),
            col(LedgerEntry.reverses_id),
        )
    ).all()
    report.counts["entries"] = len(rows)
    ids = set()
    reversed_count: dict[str, int] = defaultdict(int)
    for entry_id, kind, points, year, created_at, reverses_id in rows:
        ids.add(entry_id)
        # The entry's points year is the Chongqing year of its time (expiry is dated the
        # year's last instant and bonuses the next period's first, so they obey it too).
        if points_year(from_db(created_at)) != year:
            report.problems.append(f"entry {entry_id}: points year {year} does not match its time")
        if kind == "redemption" and points > 0:
            report.problems.append(f"entry {entry_id}: a redemption adds points")
        if kind == "warning" and points != 0:
            report.problems.append(f"entry {entry_id}: a warning moves points")
        if kind in ("refund", "correction") and not reverses_id:
            report.problems.append(f"entry {entry_id}: a {kind} reverses nothing")
        if reverses_id:
            reversed_count[reverses_id] += 1
    for reversed_id, times in reversed_count.items():
        if reversed_id not in ids:
            report.problems.append(f"entry {reversed_id} is reversed but does not exist")
        if times > 1:
            # Refunds of one order reverse its entry once per cancelled line; they are
            # checked line by line below, so only corrections must be unique.
            kinds = session.exec(
                select(LedgerEntry.kind).where(LedgerEntry.reverses_id == reversed_id)
            ).all()
            if sum(1 for k in kinds if k == "correction") > 1:
                report.problems.append(f"entry {reversed_id} is corrected {times} times")


def _check_orders(session: Session, report: CheckReport) -> None:
    line_totals = dict(
        session.exec(
            select(OrderLine.order_id, func.sum(OrderLine.points)).group_by(col(OrderLine.order_id))
        ).all()
    )
    entry_totals: dict[str, list[int]] = defaultdict(list)
    for order_id, points in session.exec(
        select(LedgerEntry.order_id, LedgerEntry.points).where(LedgerEntry.kind == "redemption")
    ):
        entry_totals[order_id or ""].append(points)
    orders = session.exec(select(RedemptionOrder)).all()
    report.counts["orders"] = len(orders)
    for order in orders:
        if line_totals.get(order.id, 0) != order.total:
            report.problems.append(f"order {order.number}: lines do not add up to its total")
        entries = entry_totals.get(order.id, [])
        if entries != [-order.total]:
            report.problems.append(
                f"order {order.number}: needs exactly one redemption entry of {-order.total}, "
                f"has {entries}"
            )
        if order.balance_before < order.total:
            report.notes.append(
                f"order {order.number}: redeemed {order.total} on a balance of "
                f"{order.balance_before} (only possible via another kiosk's data)"
            )


def _check_lines(session: Session, report: CheckReport) -> None:
    handed = set(session.exec(select(Handover.line_id)).all())
    cancellations = session.exec(select(Cancellation)).all()
    for cancellation in cancellations:
        if cancellation.line_id in handed:
            report.problems.append(f"line {cancellation.line_id}: handed over and cancelled")
        line = session.get(OrderLine, cancellation.line_id)
        refund = session.get(LedgerEntry, cancellation.refund_entry_id)
        if (
            line is None
            or refund is None
            or refund.points != line.points
            or refund.kind != "refund"
        ):
            report.problems.append(
                f"line {cancellation.line_id}: cancellation without its exact refund"
            )
    refunds = session.exec(select(func.count()).where(LedgerEntry.kind == "refund")).one()
    if refunds != len(cancellations):
        report.problems.append(f"{refunds} refund entries for {len(cancellations)} cancelled lines")


def _check_stock(session: Session, report: CheckReport) -> None:
    for point, item, total in session.exec(
        select(
            StockMovement.exchange_point_id, StockMovement.item_no, func.sum(StockMovement.delta)
        ).group_by(col(StockMovement.exchange_point_id), col(StockMovement.item_no))
    ):
        if (total or 0) < 0:
            report.problems.append(f"stock of item {item} at {point} is {total}")


def _check_balances(session: Session, report: CheckReport) -> None:
    negatives = session.exec(
        select(LedgerEntry.household_id, LedgerEntry.points_year, func.sum(LedgerEntry.points))
        .group_by(col(LedgerEntry.household_id), col(LedgerEntry.points_year))
        .having(func.sum(LedgerEntry.points) < 0)
    ).all()
    report.counts["negative_balances"] = len(negatives)
    for household_id, year, total in negatives:
        # An overdraft is a fact to report (two kiosks served the household offline), not a
        # corruption: the goods were handed over. The central store raises the alert.
        report.notes.append(f"household {household_id}: balance {total} in {year} (overdraft)")
