"""What a kiosk pulls: the reference rows and records of its village since its cursors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from kiosk.core.central_models import SyncKiosk
from kiosk.core.clock import as_utc
from kiosk.core.db import write_session
from kiosk.core.ledger import meta_get
from kiosk.core.models import (
    Declaration,
    Dispute,
    ExchangePoint,
    Household,
    OrderLine,
    RedemptionOrder,
)
from sync.protocol import (
    ORDER_LINES,
    ORDERS,
    PULL_LIMIT,
    RECORD_TABLES,
    REFERENCE_TABLES,
    Row,
    SyncedTable,
    encode_row,
    field,
)
from sync.stamps import high_water, stamp_changes


def scoped(table: SyncedTable, village_id: str) -> Any:
    """The select of `table`'s rows that belong to a kiosk of `village_id`."""
    t = table.table
    statement = select(t)
    name = table.name
    if name in ("exchange_points", "households"):
        return statement.where(t.c.village_id == village_id)
    if name == "operators":
        return statement.where(or_(t.c.village_id == village_id, t.c.village_id.is_(None)))
    if name == "rule_sets":
        return statement.where(
            or_(t.c.scope_village_id == village_id, t.c.scope_village_id.is_(None))
        )
    if name in ("entries", "orders", "freezes", "declarations", "disputes"):
        return statement.join(Household, col(Household.id) == t.c.household_id).where(
            col(Household.village_id) == village_id
        )
    if name == "declaration_decisions":
        return (
            statement.join(Declaration, col(Declaration.id) == t.c.declaration_id)
            .join(Household, col(Household.id) == col(Declaration.household_id))
            .where(col(Household.village_id) == village_id)
        )
    if name == "dispute_resolutions":
        return (
            statement.join(Dispute, col(Dispute.id) == t.c.dispute_id)
            .join(Household, col(Household.id) == col(Dispute.household_id))
            .where(col(Household.village_id) == village_id)
        )
    if name in ("handovers", "cancellations"):
        return (
            statement.join(OrderLine, col(OrderLine.id) == t.c.line_id)
            .join(RedemptionOrder, col(RedemptionOrder.id) == col(OrderLine.order_id))
            .join(Household, col(Household.id) == col(RedemptionOrder.household_id))
            .where(col(Household.village_id) == village_id)
        )
    if name == "stock_movements":
        return statement.join(ExchangePoint, col(ExchangePoint.id) == t.c.exchange_point_id).where(
            col(ExchangePoint.village_id) == village_id
        )
    return statement  # villages, catalogue items: the whole street's


def pull_page(
    session: Session, kiosk: SyncKiosk, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """What the kiosk's village gained since its cursors: all changed reference rows, and
    records in server_seq order up to a page limit.

    Reference rows have their own cursor and always come whole, so every record in a page
    finds the household or exchange point it points at on the kiosk.
    """
    cursor = field(payload, "cursor", int)
    ref_cursor = field(payload, "ref_cursor", int)
    own_seq = field(payload, "own_seq", int)
    limit = min(field(payload, "limit", int, optional=True) or PULL_LIMIT, 10 * PULL_LIMIT)
    high = high_water(session)
    rows: dict[str, list[Row]] = {}
    for table in REFERENCE_TABLES:
        t = table.table
        found = session.execute(
            scoped(table, kiosk.village_id)
            .where(t.c.server_seq > ref_cursor, t.c.server_seq <= high)
            .order_by(t.c.server_seq)
        ).mappings()
        encoded = [encode_row(table, r, with_seq=True) for r in found]
        if encoded:
            rows[table.name] = encoded
    candidates: list[tuple[int, int, Row]] = []
    for index, table in enumerate(RECORD_TABLES):
        t = table.table
        # The kiosk's own rows it still holds need not come back (a fresh kiosk gets them).
        not_own = or_(t.c.origin != kiosk.id, t.c.origin_seq > own_seq)
        found = session.execute(
            scoped(table, kiosk.village_id)
            .where(t.c.server_seq > cursor, t.c.server_seq <= high, not_own)
            .order_by(t.c.server_seq)
            .limit(limit)
        ).mappings()
        candidates += [(r["server_seq"], index, encode_row(table, r, with_seq=True)) for r in found]
    candidates.sort(key=lambda c: c[0])
    more = len(candidates) >= limit
    if more:
        candidates = candidates[:limit]
        new_cursor = candidates[-1][0]
    else:
        new_cursor = max(high, cursor)
    for _seq, index, row in candidates:
        rows.setdefault(RECORD_TABLES[index].name, []).append(row)
    order_ids = [row["id"] for row in rows.get(ORDERS.name, [])]
    if order_ids:
        lines = session.execute(
            select(ORDER_LINES.table).where(ORDER_LINES.table.c.order_id.in_(order_ids))
        ).mappings()
        rows[ORDER_LINES.name] = [encode_row(ORDER_LINES, r) for r in lines]
    if not more:
        kiosk.last_sync_at = as_utc(now)
    kiosk.last_seen_at = as_utc(now)
    session.add(kiosk)
    session.flush()
    return {
        "cursor": new_cursor,
        "ref_cursor": max(high, ref_cursor),
        "more": more,
        "rows": rows,
        "meta": {"card_public_key": meta_get(session, "card_public_key")},
    }


def serve_pull(
    engine: Engine, kiosk_id: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Stamp whatever the central wrote since the last pull, then serve one page."""
    with write_session(engine) as session:
        stamp_changes(session)
    with write_session(engine) as session:
        kiosk = session.get(SyncKiosk, kiosk_id)
        assert kiosk is not None
        return pull_page(session, kiosk, payload, now)
