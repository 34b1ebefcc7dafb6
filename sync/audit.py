"""The office console's audit record: every change made through the console, written by
`record_change` in the same transaction as the change, and read back with filters.

A console handler makes its change and calls `record_change` inside one `write_session`;
if either fails, neither is kept. The `before` and `after` states are small JSON objects of
the fields the change touched (never a PIN, a token or a hash).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from kiosk.core.central_models import ConsoleEvent
from kiosk.core.clock import as_utc
from kiosk.core.ids import new_id
from kiosk.core.models import Operator

# A page of the audit list; the CSV export takes every row the filters select.
AUDIT_PAGE = 200


def record_change(
    session: Session,
    *,
    operator: Operator,
    action: str,
    subject: str,
    village_id: str | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    now: datetime,
    address: str | None = None,
) -> ConsoleEvent:
    """Record one console change in the caller's transaction (flushed, so a failing insert
    fails the change with it)."""
    event = ConsoleEvent(
        id=new_id(),
        at=as_utc(now),
        operator_id=operator.id,
        action=action[:64],
        subject=subject[:200],
        village_id=village_id,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        address=address,
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page shows: `scope` is the reader's village (None: every village and
    the street-wide events), the rest narrow it."""

    scope: str | None = None
    village_id: str | None = None
    operator_id: str | None = None
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def console_events(
    session: Session, where: AuditFilter, *, limit: int | None = AUDIT_PAGE
) -> list[ConsoleEvent]:
    """The events the filter selects, newest first."""
    statement = select(ConsoleEvent).order_by(col(ConsoleEvent.at).desc(), col(ConsoleEvent.id))
    if where.scope is not None:
        statement = statement.where(col(ConsoleEvent.village_id) == where.scope)
    if where.village_id:
        statement = statement.where(col(ConsoleEvent.village_id) == where.village_id)
    if where.operator_id:
        statement = statement.where(col(ConsoleEvent.operator_id) == where.operator_id)
    if where.action:
        statement = statement.where(col(ConsoleEvent.action) == where.action)
    if where.since is not None:
        statement = statement.where(col(ConsoleEvent.at) >= as_utc(where.since))
    if where.until is not None:
        statement = statement.where(col(ConsoleEvent.at) < as_utc(where.until))
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.exec(statement))
