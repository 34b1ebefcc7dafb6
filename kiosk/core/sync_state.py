"""What a kiosk remembers of its nightly syncs, and when the shop should be told.

sync.client writes these Meta keys; the counter's status line and `kiosk doctor` read them.
They live in the domain so the counter can read them without the sync package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from kiosk.core.clock import as_utc
from kiosk.core.ledger import meta_get, pushes_to_central

LAST_SYNC_KEY = "sync.last_sync_at"  # the end of the last complete sync
SERVER_TIME_KEY = "sync.server_time"  # the central's clock at the last hello
LAST_RESULT_KEY = "sync.last_result"  # "ok", or what went wrong at the last attempt

# The timer runs nightly (systemd/kiosk-sync.timer): one night missed and a day more is
# worth telling the shop, before balances at the counter drift far from the street's.
SYNC_OVERDUE = timedelta(hours=36)


@dataclass(frozen=True)
class SyncHealth:
    last_sync_at: datetime | None  # None: this kiosk never finished a sync
    last_result: str | None  # "ok", or the last attempt's error

    def overdue(self, now: datetime) -> bool:
        return self.last_sync_at is None or as_utc(now) - self.last_sync_at > SYNC_OVERDUE

    def days_since(self, now: datetime) -> int | None:
        """Whole days since the last sync, at least 1 once overdue; None if never."""
        if self.last_sync_at is None:
            return None
        return max(1, (as_utc(now) - self.last_sync_at).days)


def sync_health(session: Session) -> SyncHealth | None:
    """This kiosk's syncs; None for a database that does not sync (the central, a demo)."""
    if not pushes_to_central(session):
        return None
    last = meta_get(session, LAST_SYNC_KEY)
    at = datetime.fromisoformat(last) if last else None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # written in UTC; an old row may lack the offset
    return SyncHealth(as_utc(at) if at else None, meta_get(session, LAST_RESULT_KEY))
