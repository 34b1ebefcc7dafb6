"""The central's server_seq: the one counter every pushed or centrally written row is
stamped from, in the order kiosks pull them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from kiosk.core.central_models import ServerSeq
from kiosk.core.db import is_sqlite
from sync.protocol import APPLY_ORDER, ORDER_LINES, SyncedTable

SERVER_SEQ = "server_seq"


def lock_counter(session: Session) -> ServerSeq:
    """The counter row, locked until commit on PostgreSQL (SQLite's IMMEDIATE write
    transaction already serialises writers)."""
    statement = select(ServerSeq).where(col(ServerSeq.name) == SERVER_SEQ)
    if not is_sqlite(session.get_bind()):  # type: ignore[arg-type]
        statement = statement.with_for_update()
    counter = session.scalars(statement).first()
    if counter is None:
        counter = ServerSeq(name=SERVER_SEQ, value=0)
        session.add(counter)
        session.flush()
    return counter


def high_water(session: Session) -> int:
    value = session.scalar(select(col(ServerSeq.value)).where(col(ServerSeq.name) == SERVER_SEQ))
    return int(value or 0)


def _stamp_order(table: SyncedTable) -> list[Any]:
    columns = table.table.columns
    if "origin_seq" in columns:
        return [columns["origin"], columns["origin_seq"]]
    return [columns[table.key]]


def stamp_changes(session: Session) -> int:
    """Give every row without a server_seq (written or changed at the central by any
    service since the last stamp) the next values, so kiosks pull it; returns how many."""
    tables = [t for t in APPLY_ORDER if t is not ORDER_LINES]
    pending = [
        t
        for t in tables
        if session.scalar(select(t.table.c[t.key]).where(t.table.c.server_seq.is_(None)).limit(1))
        is not None
    ]
    if not pending:
        return 0
    counter = lock_counter(session)
    stamped = 0
    for table in pending:
        t = table.table
        numbered = (
            select(
                t.c[table.key].label("k"),
                func.row_number().over(order_by=_stamp_order(table)).label("rn"),
            )
            .where(t.c.server_seq.is_(None))
            .subquery()
        )
        base = counter.value
        result = session.execute(
            update(t)
            .values(server_seq=base + numbered.c.rn)
            .where(t.c[table.key] == numbered.c.k)
            .returning(t.c.server_seq)
        )
        seqs = [int(s) for s in result.scalars()]
        if seqs:
            counter.value = max(base, *seqs)
            stamped += len(seqs)
    session.add(counter)
    session.flush()
    return stamped
