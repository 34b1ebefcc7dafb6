"""The one place the wall clock is read; services take `now` as an argument instead."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current time, aware; `KIOSK_NOW` (ISO 8601) overrides it for drills and tests.

    A `KIOSK_NOW` without an offset is read as Asia/Shanghai local time.
    """
    override = os.environ.get("KIOSK_NOW")
    if override:
        parsed = datetime.fromisoformat(override)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)
    return datetime.now(UTC)


def local(at: datetime) -> datetime:
    """`at` seen on a wall clock in Chongqing."""
    if at.tzinfo is None:
        # Naive datetimes only come back from SQLite, which stores UTC.
        at = at.replace(tzinfo=UTC)
    return at.astimezone(SHANGHAI)


def local_date(at: datetime) -> date:
    return local(at).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Asia/Shanghai, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def as_utc(at: datetime) -> datetime:
    """How datetimes are stored: aware, in UTC (SQLModel's UTCDateTime refuses naive ones)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return at.astimezone(UTC)


def from_db(at: datetime) -> datetime:
    """A stored datetime, aware (SQLite hands back UTC without an offset on raw queries)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def days_later(at: datetime, days: int) -> datetime:
    return at + timedelta(days=days)
