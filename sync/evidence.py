"""Evidence photos travel to the village's kiosks: after a pull, a kiosk asks the central for
the photos of its pending declarations that it lacks, a bounded number per sync, so a review at
the counter shows the photos a household sent from its phone.

Photos are named by the sha256 of their bytes, so a kiosk checks each one it receives against
its name and a wrong or tampered file is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.core.db import read_session, write_session
from kiosk.core.declarations import list_pending, store_evidence_bytes
from kiosk.core.errors import BadInput
from kiosk.core.help_requests import unsent_photos
from kiosk.core.models import Declaration, Household

PHOTO_NAME = re.compile(r"^([0-9a-f]{64})(\.(?:jpg|png|webp|gif|bmp))$")
PER_CALL = 8  # names asked for in one request
PER_SYNC = 24  # photos fetched in one sync: a slow village line must not hold a sync up
MAX_REPLY_BYTES = 6 * 1024 * 1024  # photo bytes in one reply (base64 adds a third)


@runtime_checkable
class PhotoSource(Protocol):
    """A link to the central that also hands out photos (HTTP; not the offline bundles)."""

    def evidence(self, names: list[str]) -> dict[str, Any]: ...


def photos_for_kiosk(
    session: Session, village_id: str, names: object, evidence_dir: Path | None
) -> dict[str, Any]:
    """The asked-for photos of the village's declarations, base64, within MAX_REPLY_BYTES;
    a name of another village's declaration, unknown or absent is `missing`."""
    if not isinstance(names, list) or len(names) > PER_CALL:
        raise BadInput("sync.bad_request", field="names")
    wanted = [n for n in names if isinstance(n, str) and PHOTO_NAME.match(n)]
    if len(wanted) != len(names):
        raise BadInput("sync.bad_request", field="names")
    held: set[str] = set()
    for evidence in session.exec(
        select(Declaration.evidence)
        .join(Household, Household.id == Declaration.household_id)  # type: ignore[arg-type]
        .where(Household.village_id == village_id)
    ):
        held.update(evidence)
    photos: dict[str, str] = {}
    missing: list[str] = []
    total = 0
    for name in wanted:
        path = evidence_dir / name if evidence_dir is not None else None
        if name not in held or path is None or not path.is_file():
            missing.append(name)
            continue
        data = path.read_bytes()
        if total + len(data) > MAX_REPLY_BYTES and photos:
            break  # the rest next time
        total += len(data)
        photos[name] = base64.b64encode(data).decode()
    return {"photos": photos, "missing": missing}


def lacking(engine: Engine, evidence_dir: Path) -> list[str]:
    """The photos of this kiosk's pending declarations it does not hold, oldest first."""
    with read_session(engine) as session:
        pending = list_pending(session, None)
    names = dict.fromkeys(name for d in pending for name in d.evidence)
    return [n for n in names if PHOTO_NAME.match(n) and not (evidence_dir / n).exists()]


def fetch_photos(
    engine: Engine, link: PhotoSource, evidence_dir: Path, *, limit: int = PER_SYNC
) -> int:
    """Fetch up to `limit` lacking photos; each stored only if its bytes match its name."""
    todo = lacking(engine, evidence_dir)[:limit]
    stored = 0
    while todo:
        batch, todo = todo[:PER_CALL], todo[PER_CALL:]
        reply = link.evidence(batch)
        photos = reply.get("photos")
        if not isinstance(photos, dict):
            break
        for name, encoded in photos.items():
            found = PHOTO_NAME.match(str(name))
            if found is None or name not in batch or not isinstance(encoded, str):
                continue
            data = base64.b64decode(encoded, validate=True)
            if hashlib.sha256(data).hexdigest() != found.group(1):
                continue
            store_evidence_bytes(data, found.group(2), evidence_dir)
            stored += 1
        # A name the central left out (its reply was full) is still lacking: the next sync.
    return stored


@dataclass(frozen=True)
class Pruned:
    photos: int
    bytes: int


def prune_unsent(engine: Engine, evidence_dir: Path | None, now: datetime) -> Pruned:
    """Forget the phones' photos that were never sent with a declaration (see
    `unsent_photos`): their rows in one transaction, then their files. A crash between the two
    leaves files without rows, which the next prune cannot see but which harm nobody; the
    other order could leave a row naming a missing file."""
    with write_session(engine) as session:
        gone = unsent_photos(session, now)
        names = [photo.name for photo in gone]
        size = sum(photo.size for photo in gone)
        for photo in gone:
            session.delete(photo)
    if evidence_dir is not None:
        for name in names:
            if PHOTO_NAME.match(name):  # the store's own names only, never a path
                (evidence_dir / name).unlink(missing_ok=True)
    return Pruned(photos=len(names), bytes=size)
