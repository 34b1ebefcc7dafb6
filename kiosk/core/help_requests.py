"""Declarations sent from phones: photos kept at the central, and mutual-help declarations
(互助申报) that wait for the helped household's confirmation before they are filed.

A household's own declaration is filed at once through `kiosk.core.declarations.file_declaration`
(the kiosk's path). A neighbour's is a `HelpRequest` until the helped household confirms it on
its own phone; the confirmation files it through the same function, with the filer as helper,
so review, approval and the sync see an ordinary declaration and never an unconfirmed one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from kiosk.core.central_models import EvidencePhoto, HelpRequest
from kiosk.core.clock import as_utc, from_db
from kiosk.core.declarations import (
    MAX_PHOTOS,
    DeclarationView,
    check_declarable,
    evidence_name,
    file_declaration,
    store_evidence_bytes,
)
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.ids import new_id
from kiosk.core.models import Declaration, Household
from kiosk.core.photos import clean_photo, dhash

SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
# One household's phones may not fill the street's photo store for everyone: a day's photos
# are capped well above any honest day's deeds (a few declarations of a few photos each).
PHOTOS_PER_DAY = 30
DAY = timedelta(hours=24)
# A phone stores its photos when the check page is shown, before the household sends; a form
# never sent (or a neighbour's request declined) leaves photos nobody will look at. They are
# a household's private pictures: kept a week (a check page left open is sent within it), then
# forgotten.
UNSENT_PHOTOS_KEPT = timedelta(days=7)
# And no household can flood its neighbours' pages with declarations to confirm.
HELP_REQUESTS_PER_DAY = 10
CONFIRMED = "confirmed"
DECLINED = "declined"


@dataclass(frozen=True)
class CleanPhoto:
    """An uploaded photo after `clean_photo`: what will be stored, under which name."""

    data: bytes
    name: str


def clean_photos(uploads: Sequence[tuple[str, bytes]]) -> list[CleanPhoto]:
    """Check and re-encode every uploaded photo before anything is stored: one bad photo
    refuses the whole form, and nothing of it is kept."""
    if len(uploads) > MAX_PHOTOS:
        raise BadInput("evidence.too_many", max=MAX_PHOTOS)
    cleaned = []
    for filename, data in uploads:
        copy, image_format = clean_photo(data, filename)
        cleaned.append(CleanPhoto(copy, evidence_name(copy, SUFFIXES[image_format])))
    return cleaned


def used_bytes(evidence_dir: Path) -> int:
    if not evidence_dir.is_dir():
        return 0
    return sum(entry.stat().st_size for entry in os.scandir(evidence_dir) if entry.is_file())


def keep_photos(
    session: Session,
    photos: Sequence[CleanPhoto],
    *,
    household: Household,
    evidence_dir: Path | None,
    cap_bytes: int,
    now: datetime,
) -> list[Path]:
    """Store cleaned photos content-addressed under `evidence_dir` (within its size cap) with
    their fingerprints; return their paths, for `file_declaration` to take as it takes a
    kiosk's. A photo stored before is stored once, its first sender's row kept."""
    if not photos:
        return []
    if evidence_dir is None:
        raise BadInput("evidence.no_dir")
    new = [p for p in photos if session.get(EvidencePhoto, p.name) is None]
    today = session.exec(
        select(func.count()).where(
            EvidencePhoto.household_id == household.id,
            col(EvidencePhoto.stored_at) > as_utc(now - DAY),
        )
    ).one()
    if new and today + len(new) > PHOTOS_PER_DAY:
        raise Refused("evidence.daily_limit", max=PHOTOS_PER_DAY)
    if new and used_bytes(evidence_dir) + sum(len(p.data) for p in new) > cap_bytes:
        raise Refused("evidence.full")
    paths = []
    for photo in photos:
        suffix = Path(photo.name).suffix
        stored = store_evidence_bytes(photo.data, suffix, evidence_dir)
        if session.get(EvidencePhoto, stored) is None:
            session.add(
                EvidencePhoto(
                    name=stored,
                    dhash=f"{dhash(photo.data):016x}",
                    size=len(photo.data),
                    household_id=household.id,
                    stored_at=as_utc(now),
                )
            )
            session.flush()
        paths.append(evidence_dir / stored)
    return paths


@dataclass(frozen=True)
class HelpRequestView:
    id: str
    household_code: str  # the helped household
    helper_code: str  # who filed it
    rule_id: str
    quantity: int
    description: str
    evidence: list[str]
    created_at: datetime
    outcome: str | None
    declaration_id: str | None


def _view(session: Session, record: HelpRequest) -> HelpRequestView:
    household = session.get(Household, record.household_id)
    helper = session.get(Household, record.helper_household_id)
    assert household is not None and helper is not None  # foreign keys
    return HelpRequestView(
        id=record.id,
        household_code=household.code,
        helper_code=helper.code,
        rule_id=record.rule_id,
        quantity=record.quantity,
        description=record.description,
        evidence=list(record.evidence),
        created_at=from_db(record.created_at),
        outcome=record.outcome,
        declaration_id=record.declaration_id,
    )


def check_help_quota(session: Session, helper: Household, now: datetime) -> None:
    """Refused once the household filed HELP_REQUESTS_PER_DAY for neighbours in 24 hours."""
    filed_today = session.exec(
        select(func.count()).where(
            HelpRequest.helper_household_id == helper.id,
            col(HelpRequest.created_at) > as_utc(now - DAY),
        )
    ).one()
    if filed_today >= HELP_REQUESTS_PER_DAY:
        raise Refused("help.too_many", max=HELP_REQUESTS_PER_DAY)


def file_help_request(
    session: Session,
    *,
    helper: Household,
    household: Household,
    rule_id: str,
    quantity: int,
    description: str,
    photos: Sequence[Path],
    filed_by: str,
    now: datetime,
) -> HelpRequestView:
    """A mutual-help declaration for `household`, filed by `helper`'s phone: checked as the
    declaration it will become, waiting for `household` to confirm it."""
    check_help_quota(session, helper, now)
    _rule, text = check_declarable(
        session,
        household=household,
        rule_id=rule_id,
        quantity=quantity,
        description=description,
        now=now,
        helper=helper,
    )
    record = HelpRequest(
        id=new_id(),
        household_id=household.id,
        helper_household_id=helper.id,
        rule_id=rule_id,
        quantity=quantity,
        description=text,
        evidence=list(dict.fromkeys(p.name for p in photos)),
        filed_by=filed_by,
        created_at=as_utc(now),
    )
    session.add(record)
    session.flush()
    return _view(session, record)


def _open_request(session: Session, household: Household, request_id: str) -> HelpRequest:
    record = session.get(HelpRequest, request_id)
    # Another household's request is as unknown as a made-up id: nothing says it exists.
    if record is None or record.household_id != household.id:
        raise NotFound("help.unknown", ref=request_id[:8])
    if record.outcome is not None:
        raise Refused("help.answered")
    return record


def confirm_help_request(
    session: Session,
    *,
    household: Household,
    request_id: str,
    evidence_dir: Path | None,
    now: datetime,
) -> DeclarationView:
    """The helped household says the deed happened: file the declaration (helper named), pending
    review like any other; the request remembers which declaration it became."""
    record = _open_request(session, household, request_id)
    helper = session.get(Household, record.helper_household_id)
    assert helper is not None
    filed = file_declaration(
        session,
        household=household,
        rule_id=record.rule_id,
        quantity=record.quantity,
        description=record.description,
        now=now,
        helper=helper,
        photos=[evidence_dir / name for name in record.evidence] if evidence_dir else [],
        evidence_dir=evidence_dir if record.evidence else None,
    )
    record.outcome = CONFIRMED
    record.answered_at = as_utc(now)
    record.declaration_id = filed.id
    session.add(record)
    session.flush()
    return filed


def decline_help_request(
    session: Session, *, household: Household, request_id: str, now: datetime
) -> HelpRequestView:
    """The helped household says it did not happen so: nothing is filed."""
    record = _open_request(session, household, request_id)
    record.outcome = DECLINED
    record.answered_at = as_utc(now)
    session.add(record)
    session.flush()
    return _view(session, record)


def awaiting_confirmation(session: Session, household_id: str) -> list[HelpRequestView]:
    """Neighbours' declarations for this household that it has not answered, oldest first."""
    statement = (
        select(HelpRequest)
        .where(HelpRequest.household_id == household_id, col(HelpRequest.outcome).is_(None))
        .order_by(col(HelpRequest.created_at), col(HelpRequest.id))
    )
    return [_view(session, record) for record in session.exec(statement)]


def filed_for_others(session: Session, helper_id: str) -> list[HelpRequestView]:
    """What this household declared for neighbours, newest first."""
    statement = (
        select(HelpRequest)
        .where(HelpRequest.helper_household_id == helper_id)
        .order_by(col(HelpRequest.created_at).desc(), col(HelpRequest.id))
    )
    return [_view(session, record) for record in session.exec(statement)]


def unsent_photos(
    session: Session, now: datetime, *, kept: timedelta = UNSENT_PHOTOS_KEPT
) -> list[EvidencePhoto]:
    """Photos phones stored more than `kept` ago that no declaration (of any state) and no
    help request still awaiting its answer names: never sent, or declined by the neighbour."""
    old = session.exec(
        select(EvidencePhoto).where(col(EvidencePhoto.stored_at) < as_utc(now - kept))
    ).all()
    if not old:
        return []
    used: set[str] = set()
    for evidence in session.exec(select(Declaration.evidence)):
        used.update(evidence)
    waiting = select(HelpRequest.evidence).where(col(HelpRequest.outcome).is_(None))
    for evidence in session.exec(waiting):
        used.update(evidence)
    return [photo for photo in old if photo.name not in used]
