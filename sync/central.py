"""The central store's services in one place: set-up, hello and the kiosks' status here; the
push (`sync.ingest`, checked by `sync.admission`), the pull (`sync.pull`), server_seq
(`sync.stamps`) and alerts (`sync.alerts`) in modules of their own, re-exported.

The HTTP server and the offline bundle import both call these, so a bundle is applied
exactly as the same rows over the network would be. Functions taking a `Session` work in
the caller's transaction; `receive_push` owns its transactions because a rejected chunk
must roll back while its alert is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from kiosk.core.central_models import SyncKiosk
from kiosk.core.clock import as_utc, from_db, local
from kiosk.core.errors import BadInput
from kiosk.core.ledger import CENTRAL_ORIGIN, meta_get, meta_set
from kiosk.core.seed import database_is_empty, seed_reference
from sync.admission import Conflict, Finding, Inadmissible
from sync.alerts import alert_json, check_overdrafts, list_alerts
from sync.alerts import raise_alert as _raise_alert
from sync.ingest import Chunk, PushOutcome, ingest_chunk, parse_chunk, receive_push
from sync.protocol import CLOCK_SKEW_WARN_S, PROTOCOL_VERSION, field
from sync.pull import pull_page, serve_pull
from sync.pull import scoped as _scoped
from sync.stamps import SERVER_SEQ, high_water, stamp_changes

__all__ = [
    "SERVER_SEQ",
    "CentralInit",
    "Chunk",
    "Conflict",
    "Finding",
    "Inadmissible",
    "PushOutcome",
    "_scoped",
    "alert_json",
    "check_overdrafts",
    "hello",
    "high_water",
    "ingest_chunk",
    "init_central",
    "kiosk_status",
    "list_alerts",
    "parse_chunk",
    "pull_page",
    "receive_push",
    "serve_pull",
    "stamp_changes",
]


# --- set-up --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CentralInit:
    seeded: bool
    signing_key_path: Path | None
    card_public_key: str


def init_central(session: Session, now: datetime, *, signing_key_path: Path | None) -> CentralInit:
    """Make this database the central store: reference data and a card-signing key when it
    is empty, and origin "central" (also for a database filled by `kiosk seed-demo`)."""
    from kiosk.core.codes import CardSigner

    seeded = False
    if database_is_empty(session):
        seed_reference(session, now)
        seeded = True
    public_key = meta_get(session, "card_public_key")
    if public_key is None:
        if signing_key_path is not None and signing_key_path.exists():
            signer = CardSigner.from_file(signing_key_path)
        else:
            signer = CardSigner.generate()
            if signing_key_path is not None:
                signer.save(signing_key_path)
        public_key = signer.public_key_hex()
        meta_set(session, "card_public_key", public_key)
    meta_set(session, "origin", CENTRAL_ORIGIN)
    # A central serves every exchange point; a kiosk's default point makes no sense here.
    from kiosk.core.models import Meta

    stale = session.get(Meta, "exchange_point_id")
    if stale is not None:
        session.delete(stale)
    session.flush()
    return CentralInit(seeded, signing_key_path, public_key)


# --- hello ---------------------------------------------------------------------------------------


def _warning(key: str, **params: object) -> dict[str, object]:
    return {"key": key, "params": params}


def hello(
    session: Session, kiosk: SyncKiosk, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The start of a sync: who the kiosk is at the central, what is acknowledged, and the
    kiosk's clock compared with the central's own."""
    protocol = field(payload, "protocol", int)
    if protocol != PROTOCOL_VERSION:
        raise BadInput("sync.protocol", got=protocol, expected=PROTOCOL_VERSION)
    local_seq = field(payload, "local_seq", int)
    client_time = _parse_time(field(payload, "client_time", str))
    skew = (client_time - now).total_seconds()
    warnings = []
    if abs(skew) > CLOCK_SKEW_WARN_S:
        warnings.append(_warning("sync.clock_skew", seconds=round(skew)))
        _raise_alert(
            session,
            kind="clock_skew",
            subject=f"{kiosk.id}:{now.date().isoformat()}",
            kiosk_id=kiosk.id,
            detail=f"{round(skew)} s",
            now=now,
        )
    kiosk.reported_seq = local_seq
    kiosk.clock_skew_s = skew
    kiosk.last_seen_at = as_utc(now)
    session.add(kiosk)
    session.flush()
    return {
        "kiosk_id": kiosk.id,
        "village_id": kiosk.village_id,
        "exchange_point_id": kiosk.exchange_point_id,
        "acked_seq": kiosk.acked_seq,
        "server_time": as_utc(now).isoformat(),
        "clock_skew_s": skew,
        "warnings": warnings,
    }


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput("sync.bad_request", field="client_time") from None
    if parsed.tzinfo is None:
        raise BadInput("sync.bad_request", field="client_time")
    return parsed


# --- status ------------------------------------------------------------------------------------------


def kiosk_status(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Each kiosk: when it last synced, how many of its entries the central still lacks (as
    of its last hello), and how far its clock was off."""
    out = []
    for kiosk in session.scalars(select(SyncKiosk).order_by(col(SyncKiosk.id))):
        last_sync = from_db(kiosk.last_sync_at) if kiosk.last_sync_at else None
        out.append(
            {
                "id": kiosk.id,
                "village_id": kiosk.village_id,
                "exchange_point_id": kiosk.exchange_point_id,
                "revoked": kiosk.revoked_at is not None,
                "last_sync_at": local(last_sync).isoformat() if last_sync else None,
                "hours_since_sync": round((now - last_sync).total_seconds() / 3600, 1)
                if last_sync
                else None,
                "acked_seq": kiosk.acked_seq,
                "entries_behind": max(0, kiosk.reported_seq - kiosk.acked_seq),
                "clock_skew_s": round(kiosk.clock_skew_s, 1)
                if kiosk.clock_skew_s is not None
                else None,
            }
        )
    return out
