"""The invariants of `kiosk check` (kiosk.core.invariants) over the records one write touched,
so a central can prove after each push, in a few indexed queries, that the books still balance.

`check_ledger` proves them over the whole database; this proves the same statements for the
given entries, orders, order lines and stock keys and whatever they point at, which is all a
push of new rows can break (a balance below zero is an overdraft to alert on, not a breach).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from kiosk.core.clock import from_db
from kiosk.core.models import (
    Cancellation,
    Handover,
    LedgerEntry,
    OrderLine,
    RedemptionOrder,
    StockMovement,
)
from rules.engine import points_year


@dataclass(frozen=True)
class Touched:
    """What a write added or changed the state of: the entries it wrote (their values, as
    stored: checking them needs no read back), and the ids of the rest."""

    entries: Sequence[Mapping[str, Any]] = ()
    order_ids: Sequence[str] = ()
    line_ids: Sequence[str] = ()
    stock_keys: Sequence[tuple[str, int]] = field(default_factory=tuple)


def check_touched(session: Session, touched: Touched) -> list[str]:
    """The breaches of the ledger's invariants among the touched records; empty when none."""
    problems: list[str] = []
    orders = set(touched.order_ids)
    if touched.entries:
        orders |= _check_entries(session, touched.entries, problems)
    if touched.line_ids:
        orders |= _check_lines(session, sorted(set(touched.line_ids)), problems)
    if orders:
        _check_orders(session, sorted(orders), problems)
    if touched.stock_keys:
        _check_stock(session, sorted(set(touched.stock_keys)), problems)
    return problems


def _check_entries(
    session: Session, entries: Sequence[Mapping[str, Any]], problems: list[str]
) -> set[str]:
    reversed_ids: set[str] = set()
    orders: set[str] = set()
    for entry in entries:
        entry_id, kind, points, year = (
            entry["id"],
            entry["kind"],
            entry["points"],
            entry["points_year"],
        )
        if points_year(from_db(entry["created_at"])) != year:
            problems.append(f"entry {entry_id}: points year {year} does not match its time")
        if kind == "redemption" and points > 0:
            problems.append(f"entry {entry_id}: a redemption adds points")
        if kind == "warning" and points != 0:
            problems.append(f"entry {entry_id}: a warning moves points")
        reverses_id = entry["reverses_id"]
        if kind in ("refund", "correction") and not reverses_id:
            problems.append(f"entry {entry_id}: a {kind} reverses nothing")
        if reverses_id:
            reversed_ids.add(reverses_id)
        if entry["order_id"]:
            orders.add(entry["order_id"])
    if reversed_ids:
        wanted = sorted(reversed_ids)
        found = set(
            session.scalars(select(col(LedgerEntry.id)).where(col(LedgerEntry.id).in_(wanted)))
        )
        for missing in reversed_ids - found:
            problems.append(f"entry {missing} is reversed but does not exist")
        for reversed_id, times in session.execute(
            select(col(LedgerEntry.reverses_id), func.count())
            .where(col(LedgerEntry.reverses_id).in_(wanted), col(LedgerEntry.kind) == "correction")
            .group_by(col(LedgerEntry.reverses_id))
            .having(func.count() > 1)
        ):
            problems.append(f"entry {reversed_id} is corrected {times} times")
    return orders


def _check_lines(session: Session, ids: list[str], problems: list[str]) -> set[str]:
    handed = set(
        session.scalars(select(col(Handover.line_id)).where(col(Handover.line_id).in_(ids)))
    )
    lines = {
        line.id: line
        for line in session.scalars(select(OrderLine).where(col(OrderLine.id).in_(ids)))
    }
    cancellations = list(
        session.scalars(select(Cancellation).where(col(Cancellation.line_id).in_(ids)))
    )
    refunds = {
        entry.id: entry
        for entry in session.scalars(
            select(LedgerEntry).where(
                col(LedgerEntry.id).in_([c.refund_entry_id for c in cancellations])
            )
        )
    }
    for cancellation in cancellations:
        if cancellation.line_id in handed:
            problems.append(f"line {cancellation.line_id}: handed over and cancelled")
        line = lines.get(cancellation.line_id)
        refund = refunds.get(cancellation.refund_entry_id)
        if (
            line is None
            or refund is None
            or refund.points != line.points
            or refund.kind != "refund"
        ):
            problems.append(f"line {cancellation.line_id}: cancellation without its exact refund")
    for line_id in set(ids) - set(lines):
        problems.append(f"line {line_id} does not exist")
    return {line.order_id for line in lines.values()}


def _check_orders(session: Session, ids: list[str], problems: list[str]) -> None:
    line_totals: dict[str, int] = dict(
        session.execute(
            select(col(OrderLine.order_id), func.sum(col(OrderLine.points)))
            .where(col(OrderLine.order_id).in_(ids))
            .group_by(col(OrderLine.order_id))
        ).all()
    )
    entries: dict[str, list[int]] = defaultdict(list)
    refunds: dict[str, int] = defaultdict(int)
    for order_id, kind, points in session.execute(
        select(col(LedgerEntry.order_id), col(LedgerEntry.kind), col(LedgerEntry.points)).where(
            col(LedgerEntry.order_id).in_(ids), col(LedgerEntry.kind).in_(("redemption", "refund"))
        )
    ):
        if kind == "redemption":
            entries[order_id].append(points)
        else:
            refunds[order_id] += 1
    cancelled: dict[str, int] = defaultdict(int)
    for (order_id,) in session.execute(
        select(col(OrderLine.order_id))
        .join(Cancellation, col(Cancellation.line_id) == col(OrderLine.id))
        .where(col(OrderLine.order_id).in_(ids))
    ):
        cancelled[order_id] += 1
    orders = session.execute(
        select(
            col(RedemptionOrder.id), col(RedemptionOrder.number), col(RedemptionOrder.total)
        ).where(col(RedemptionOrder.id).in_(ids))
    ).all()
    for order_id in set(ids) - {order.id for order in orders}:
        problems.append(f"order {order_id} does not exist")
    for order_id, number, total in orders:
        if line_totals.get(order_id, 0) != total:
            problems.append(f"order {number}: lines do not add up to its total")
        if entries.get(order_id, []) != [-total]:
            problems.append(
                f"order {number}: needs exactly one redemption entry of {-total}, "
                f"has {entries.get(order_id, [])}"
            )
        if refunds.get(order_id, 0) != cancelled.get(order_id, 0):
            problems.append(
                f"order {number}: {refunds.get(order_id, 0)} refund entries for "
                f"{cancelled.get(order_id, 0)} cancelled lines"
            )


def _check_stock(session: Session, keys: list[tuple[str, int]], problems: list[str]) -> None:
    points = sorted({point for point, _item in keys})
    items = sorted({item for _point, item in keys})
    wanted = set(keys)
    for point, item, total in session.execute(
        select(
            col(StockMovement.exchange_point_id),
            col(StockMovement.item_no),
            func.sum(col(StockMovement.delta)),
        )
        .where(
            col(StockMovement.exchange_point_id).in_(points), col(StockMovement.item_no).in_(items)
        )
        .group_by(col(StockMovement.exchange_point_id), col(StockMovement.item_no))
    ):
        if (point, item) in wanted and (total or 0) < 0:
            problems.append(f"stock of item {item} at {point} is {total}")
