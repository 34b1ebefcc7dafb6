"""Kiosk credentials at the central store: issue a secret once, keep only hashes, revoke."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from kiosk.core.central_models import SyncKiosk
from kiosk.core.clock import as_utc
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.ledger import CENTRAL_ORIGIN
from kiosk.core.reference import exchange_points_of, village_by_name

KIOSK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
RESERVED_IDS = frozenset({CENTRAL_ORIGIN, "demo-seed"})


class Unauthorized(Refused):
    """A missing, wrong or revoked credential; the reply never says which kiosk ids exist."""


def secret_hash(secret: str) -> str:
    # The secret is 256 random bits, so a plain hash is enough (no need for a slow KDF).
    return hashlib.sha256(b"tangxiang-sync-auth:" + secret.encode()).hexdigest()


def bundle_key(secret: str) -> bytes:
    """The HMAC key of offline bundles: derived from the secret, stored at the central."""
    return hashlib.sha256(b"tangxiang-sync-bundle:" + secret.encode()).digest()


@dataclass(frozen=True)
class IssuedCredential:
    id: str
    secret: str
    village_id: str
    exchange_point_id: str

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "secret": self.secret}


def check_kiosk_id(kiosk_id: str) -> str:
    if not KIOSK_ID.fullmatch(kiosk_id) or kiosk_id in RESERVED_IDS:
        raise BadInput("sync.kiosk_id", kiosk=kiosk_id)
    return kiosk_id


def add_kiosk(
    session: Session,
    kiosk_id: str,
    *,
    village: str,
    exchange_point: str | None,
    now: datetime,
) -> IssuedCredential:
    """Register a kiosk (or re-issue a revoked one) and return its secret, shown only once."""
    check_kiosk_id(kiosk_id)
    found = village_by_name(session, village)
    points = exchange_points_of(session, found.id)
    if exchange_point:
        chosen = [p for p in points if exchange_point in (p.id, p.name)]
        if not chosen:
            raise NotFound("sync.exchange_point", point=exchange_point, village=found.name)
        point = chosen[0]
    elif points:
        point = points[0]
    else:
        raise NotFound("sync.exchange_point", point="-", village=found.name)
    secret = secrets.token_urlsafe(32)
    existing = session.get(SyncKiosk, kiosk_id)
    if existing is not None and existing.revoked_at is None:
        raise Refused("sync.kiosk_exists", kiosk=kiosk_id)
    if existing is not None and existing.village_id != found.id:
        # Its rows already at the central belong to the old village; a new id is cleaner.
        raise Refused("sync.kiosk_exists", kiosk=kiosk_id)
    kiosk = existing or SyncKiosk(
        id=kiosk_id,
        village_id=found.id,
        exchange_point_id=point.id,
        secret_hash="",
        bundle_key="",
        created_at=as_utc(now),
    )
    kiosk.exchange_point_id = point.id
    kiosk.secret_hash = secret_hash(secret)
    kiosk.bundle_key = bundle_key(secret).hex()
    kiosk.revoked_at = None
    session.add(kiosk)
    session.flush()
    return IssuedCredential(kiosk_id, secret, found.id, point.id)


def revoke_kiosk(session: Session, kiosk_id: str, now: datetime) -> SyncKiosk:
    kiosk = session.get(SyncKiosk, kiosk_id)
    if kiosk is None:
        raise NotFound("sync.kiosk_unknown", kiosk=kiosk_id)
    if kiosk.revoked_at is None:
        kiosk.revoked_at = as_utc(now)
        session.add(kiosk)
        session.flush()
    return kiosk


def authenticate(session: Session, kiosk_id: str, secret: str) -> SyncKiosk:
    """The kiosk these credentials belong to; checked on every request, so revoking is
    immediate."""
    kiosk = session.get(SyncKiosk, kiosk_id) if KIOSK_ID.fullmatch(kiosk_id or "") else None
    expected = kiosk.secret_hash if kiosk is not None else secret_hash("-")
    valid = hmac.compare_digest(expected, secret_hash(secret))
    if kiosk is None or not valid:
        raise Unauthorized("sync.unauthorized")
    if kiosk.revoked_at is not None:
        raise Unauthorized("sync.revoked", kiosk=kiosk_id)
    return kiosk
