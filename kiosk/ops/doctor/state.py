"""The kiosk's time and sync state: a clock that has not gone backwards, a sync that is not overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.ops.doctor.findings import Check, fail, hours, iso, ok, warn, when
from kiosk.ops.texts import EMPTY, Phrase, say

# The nightly sync runs once a day: a day and a half means one night was missed.
SYNC_WARN_AFTER = timedelta(hours=36)
SYNC_FAIL_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class SyncFacts:
    """What the database remembers that the clock and sync checks compare against."""

    origin: str | None = None
    newest_own_entry_at: datetime | None = None
    last_sync_at: datetime | None = None
    server_time: datetime | None = None
    last_result: str | None = None
    # A demo database (kiosk demo, kiosk seed-demo) is refused by kiosk sync: it never syncs.
    demo: bool = False


def read_sync_facts(db_url: str) -> SyncFacts:
    """The kiosk's origin, its newest own ledger entry, and what its last sync recorded."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from kiosk.core.clock import from_db
    from kiosk.core.db import make_engine
    from kiosk.core.ledger import meta_get
    from kiosk.core.models import LedgerEntry
    from sync.protocol import LAST_RESULT_KEY, LAST_SYNC_KEY, SERVER_TIME_KEY

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            origin = meta_get(session, "origin")
            # Only this kiosk's own entries carry its clock; those pulled from the street office
            # or other kiosks carry theirs. Without an origin (never set up), all entries count.
            newest_query = select(func.max(LedgerEntry.created_at))
            if origin:
                newest_query = newest_query.where(LedgerEntry.origin == origin)
            newest = session.exec(newest_query).one()
            return SyncFacts(
                origin=origin,
                newest_own_entry_at=from_db(newest) if newest is not None else None,
                last_sync_at=_parse_time(meta_get(session, LAST_SYNC_KEY)),
                server_time=_parse_time(meta_get(session, SERVER_TIME_KEY)),
                last_result=meta_get(session, LAST_RESULT_KEY),
                # kiosk.core.seed.seed_demo marks the database so; sync.client refuses it.
                demo=meta_get(session, "demo") == "1",
            )
    finally:
        engine.dispose()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_clock(now: datetime, facts: SyncFacts) -> Check:
    """The clock must not be earlier than anything it already stamped, nor than the central's."""
    detail: dict[str, Any] = {
        "now": now.isoformat(),
        "origin": facts.origin,
        "newest_own_entry_at": iso(facts.newest_own_entry_at),
        "last_sync_at": iso(facts.last_sync_at),
        "server_time": iso(facts.server_time),
    }
    # An entry is immutable: one stamped while the clock ran ahead stays "in the future" after
    # the clock is put right, and only the street office can judge its points year and month.
    references: tuple[tuple[datetime | None, str, Phrase], ...] = (
        (facts.newest_own_entry_at, "clock.since.entry", say("clock.ran_ahead")),
        (facts.server_time, "clock.since.server", EMPTY),
        (facts.last_sync_at, "clock.since.sync", EMPTY),
    )
    for reference, what, extra in references:
        if reference is not None and now < reference:
            said = say(
                "clock.backwards",
                now=when(now),
                what=say(what),
                then=when(reference),
                fix=say("clock.fix"),
                extra=extra,
            )
            return fail("clock", said, **detail)
    if facts.last_sync_at is None:
        return warn("clock", say("clock.never_synced", now=when(now)), **detail)
    return ok("clock", say("clock.ok", now=when(now)), **detail)


def check_sync(now: datetime, facts: SyncFacts) -> Check:
    """The age of the last complete sync, and the outcome of the last attempt when recorded."""
    detail: dict[str, Any] = {
        "last_sync_at": iso(facts.last_sync_at),
        "last_result": facts.last_result,
    }
    if facts.demo:
        # Neither the network nor the sync service can help: sync refuses the database itself.
        return warn("sync", say("sync.demo"), **detail, demo=True)
    how = say("sync.how")
    if facts.last_result and not facts.last_result.lower().startswith("ok"):
        said = say("sync.failed", result=facts.last_result, how=how.capitalised())
        return fail("sync", said, **detail)
    if facts.last_sync_at is None:
        return warn("sync", say("sync.never", how=how), **detail)
    age = now - facts.last_sync_at
    detail["hours_since"] = round(age.total_seconds() / 3600, 1)
    last = when(facts.last_sync_at)
    if age > SYNC_FAIL_AFTER:
        said = say("sync.days", days=age.days, last=last, how=how.capitalised())
        return fail("sync", said, **detail)
    if age > SYNC_WARN_AFTER:
        said = say("sync.hours", hours=hours(age), last=last, how=how.capitalised())
        return warn("sync", said, **detail)
    return ok("sync", say("sync.ok", last=last, hours=hours(age)), **detail)
