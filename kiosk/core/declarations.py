"""Self and mutual-help declarations (自主申报 / 互助申报): filing with photos, review, approval.

A declaration only claims a deed; the points come when an administrator approves it, through
`kiosk.core.awards.award` (the one path for awards), which writes the household's entry and
the helper's equal one together. The filed declaration is never changed: the approval or
rejection is a `DeclarationDecision` of its own, at most one per declaration, and a
declaration without one is pending. Approving an approved declaration writes nothing new, so
a retried click can never pay a deed twice.

Evidence photos are stored under their content hash beside the database; the declaration
(and so the sync) carries only those names, the files travel separately.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from kiosk.core.awards import AWARDING_ROLES, award
from kiosk.core.clock import as_utc, from_db, local
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.ids import new_id
from kiosk.core.ledger import local_origin, next_origin_seq
from kiosk.core.messages import text
from kiosk.core.models import (
    Declaration,
    DeclarationDecision,
    DeclarationStatus,
    Household,
    LedgerEntry,
    Operator,
)
from kiosk.core.reference import require_role, require_village, rule_for, ruleset_for
from rules.engine import RuleRefusal, price_award
from rules.model import Rule, RuleList, RuleSet

MAX_DESCRIPTION = 500
MAX_PHOTOS = 9  # what a phone's share sheet sends at once
MAX_PHOTO_BYTES = 20 * 1024 * 1024
# A short prefix of a UUID is what people read aloud and type; shorter ones collide.
MIN_REF_LENGTH = 6

_PHOTO_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp"}

Record = TypeVar("Record", bound=SQLModel)


def record_by_ref(
    session: Session, model: type[Record], ref: str, unknown_key: str, *, lock: bool = False
) -> Record:
    """The row whose id is `ref` or starts with it (at least MIN_REF_LENGTH characters).

    `lock` takes a row lock on PostgreSQL so two street-office terminals deciding the same
    record queue up and the second sees the first one's decision (the locked row itself is
    never updated; the decision's unique key is the last guard). SQLite's IMMEDIATE write
    transaction already serialises writers.
    """
    ref = ref.strip().lower()
    id_column = model.id  # type: ignore[attr-defined]
    if len(ref) < MIN_REF_LENGTH:
        raise NotFound(unknown_key, ref=ref)
    statement = select(model).where(col(id_column).startswith(ref)).limit(2)
    if lock and session.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update()
    found = list(session.exec(statement))
    if not found:
        raise NotFound(unknown_key, ref=ref)
    if len(found) > 1:
        raise BadInput("ref.ambiguous", ref=ref)
    return found[0]


# --- evidence photos -------------------------------------------------------------------------


def store_evidence(photo: Path, evidence_dir: Path) -> str:
    """Copy one photo into `evidence_dir` under its content hash; return that file name.

    Hash names make filing the same photo twice (or a retry after a crash) store it once,
    and let a photo be checked against its declaration later.
    """
    from PIL import Image, UnidentifiedImageError

    name = photo.name
    try:
        size = photo.stat().st_size
    except OSError:
        raise BadInput("evidence.unreadable", name=name) from None
    if size > MAX_PHOTO_BYTES:
        raise BadInput("evidence.too_large", name=name, max_mb=MAX_PHOTO_BYTES // (1024 * 1024))
    data = photo.read_bytes()
    try:
        with Image.open(photo) as image:
            image_format = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadInput("evidence.unreadable", name=name) from None
    suffix = _PHOTO_SUFFIXES.get(image_format)
    if suffix is None:
        raise BadInput("evidence.unreadable", name=name)
    return store_evidence_bytes(data, suffix, evidence_dir)


def evidence_name(data: bytes, suffix: str) -> str:
    return hashlib.sha256(data).hexdigest() + suffix


def store_evidence_bytes(data: bytes, suffix: str, evidence_dir: Path) -> str:
    """Write checked photo bytes into `evidence_dir` under their content hash; return the name."""
    stored = evidence_name(data, suffix)
    evidence_dir.mkdir(parents=True, exist_ok=True)
    target = evidence_dir / stored
    if not target.exists():
        # Write then rename: a power cut leaves either no file or the whole photo.
        handle, temporary = tempfile.mkstemp(dir=evidence_dir, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    return stored


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationView:
    """A declaration as lists, screens and the household see it."""

    id: str
    household_code: str
    household_head: str
    village_id: str
    helper_code: str | None
    rule_id: str
    rule_text: str
    quantity: int
    description: str
    evidence: list[str]
    status: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    entry_ids: list[str]
    points: int  # what the approval wrote for the household itself (0 until approved)
    created_at: datetime
    replayed: bool = field(default=False)  # approving again found it approved: nothing written

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def decision_of(session: Session, declaration_id: str) -> DeclarationDecision | None:
    """The declaration's decision, or None while it is pending."""
    return session.exec(
        select(DeclarationDecision).where(DeclarationDecision.declaration_id == declaration_id)
    ).first()


def _view(
    session: Session,
    record: Declaration,
    *,
    replayed: bool = False,
    pending: bool = False,
    rule_sets: dict[tuple[str, date], RuleSet] | None = None,
) -> DeclarationView:
    """`pending`: the caller selected it as pending (no decision to look up); `rule_sets`: a
    list's memo of the rule set per village and day, so a long list reads each once."""
    household = session.get(Household, record.household_id)
    assert household is not None  # a foreign key
    helper = (
        session.get(Household, record.helper_household_id) if record.helper_household_id else None
    )
    decision = None if pending else decision_of(session, record.id)
    created = from_db(record.created_at)
    try:
        key = (household.village_id, local(created).date())
        found = rule_sets.get(key) if rule_sets is not None else None
        if found is None:
            found = ruleset_for(session, household.village_id, created)
            if rule_sets is not None:
                rule_sets[key] = found
        rule = found.get(record.rule_id)
        rule_text = rule.behaviour if rule is not None else record.rule_id
    except LookupError:
        rule_text = record.rule_id
    entry_ids = list(decision.entry_ids) if decision is not None else []
    points = 0
    if entry_ids:
        own = session.exec(
            select(LedgerEntry.points).where(
                col(LedgerEntry.id).in_(entry_ids),
                LedgerEntry.household_id == record.household_id,
            )
        ).all()
        points = sum(own)
    return DeclarationView(
        id=record.id,
        household_code=household.code,
        household_head=household.head_name,
        village_id=household.village_id,
        helper_code=helper.code if helper else None,
        rule_id=record.rule_id,
        rule_text=rule_text,
        quantity=record.quantity,
        description=record.description,
        evidence=list(record.evidence),
        status=decision.outcome if decision is not None else DeclarationStatus.PENDING,
        decided_by=decision.decided_by if decision is not None else None,
        decided_at=from_db(decision.decided_at) if decision is not None else None,
        reason=decision.reason if decision is not None else None,
        entry_ids=entry_ids,
        points=points,
        created_at=created,
        replayed=replayed,
    )


# --- services --------------------------------------------------------------------------------


def check_declarable(
    session: Session,
    *,
    household: Household,
    rule_id: str,
    quantity: int,
    description: str,
    now: datetime,
    helper: Household | None = None,
) -> tuple[Rule, str]:
    """What filing a declaration checks of the deed, the households and the words (not the
    photos): the rule and the trimmed description, or the refusal. A phone asks it before
    storing anything it was sent."""
    if not household.takes_part:
        raise Refused("rule.not_participating")
    rule, _ruleset = rule_for(session, household.village_id, rule_id, now)
    if rule.list is not RuleList.POSITIVE:
        raise Refused("declaration.positive_only")
    try:
        # An empty history checks only what the deed itself must satisfy (quantity, cadence).
        price_award(rule, quantity, [], now)
    except RuleRefusal as refusal:
        raise Refused(refusal.key, **refusal.params) from None
    if helper is not None:
        if helper.id == household.id:
            raise BadInput("rule.helper_self")
        if not helper.takes_part:
            raise Refused("rule.not_participating")
        # A village's kiosks hold only its own households, so a declaration naming another
        # village's household could not be synced down to them.
        if helper.village_id != household.village_id:
            raise Refused("declaration.helper_village")
    text = description.strip()
    if not 1 <= len(text) <= MAX_DESCRIPTION:
        raise BadInput("declaration.description", max=MAX_DESCRIPTION)
    return rule, text


def file_declaration(
    session: Session,
    *,
    household: Household,
    rule_id: str,
    quantity: int,
    description: str,
    now: datetime,
    helper: Household | None = None,
    photos: Sequence[Path] = (),
    evidence_dir: Path | None = None,
    declaration_id: str | None = None,
    filed_by: Operator | None = None,
) -> DeclarationView:
    """Record a declaration, pending review; its photos are copied into `evidence_dir`.

    `filed_by` is the administrator filing it for the household: that one may not decide it.

    `declaration_id` is the caller's idempotency key: filing it again returns the first one.
    The month's cap is not checked here but at approval, when the points are written.
    """
    if declaration_id is not None:
        existing = session.get(Declaration, declaration_id)
        if existing is not None:
            return _view(session, existing, replayed=True)
    rule, text = check_declarable(
        session,
        household=household,
        rule_id=rule_id,
        quantity=quantity,
        description=description,
        now=now,
        helper=helper,
    )
    # The seed: 自主申报...申报时要正确选择对应正面清单中的加分项，并上传照片等相关证据. It asks it
    # of the household's own declaration; a mutual-help one is made by a neighbour or the
    # village administrator for someone without a smartphone, and may come without photos.
    if helper is None and not photos:
        raise BadInput("evidence.required")
    if len(photos) > MAX_PHOTOS:
        raise BadInput("evidence.too_many", max=MAX_PHOTOS)
    if photos and evidence_dir is None:
        raise BadInput("evidence.no_dir")
    stored = [store_evidence(Path(p), evidence_dir) for p in photos] if evidence_dir else []

    origin = local_origin(session)
    record = Declaration(
        id=declaration_id or new_id(),
        household_id=household.id,
        helper_household_id=helper.id if helper else None,
        rule_id=rule.id,
        quantity=quantity,
        description=text,
        evidence=list(dict.fromkeys(stored)),
        filed_by=filed_by.id if filed_by else None,
        created_at=as_utc(now),
        origin=origin,
        origin_seq=next_origin_seq(session, origin),
    )
    session.add(record)
    session.flush()
    return _view(session, record)


def declaration_by_ref(session: Session, ref: str, *, lock: bool = False) -> Declaration:
    return record_by_ref(session, Declaration, ref, "declaration.unknown", lock=lock)


def get_declaration(session: Session, ref: str) -> DeclarationView:
    return _view(session, declaration_by_ref(session, ref))


def list_pending(
    session: Session, village_id: str | None, *, limit: int | None = None
) -> list[DeclarationView]:
    """Pending declarations of a village's households (every village's for None), oldest first;
    the oldest `limit` of them when given (a phone's review queue shows a page at a time)."""
    statement = (
        select(Declaration)
        .join(Household, col(Household.id) == col(Declaration.household_id))
        .outerjoin(
            DeclarationDecision,
            col(DeclarationDecision.declaration_id) == col(Declaration.id),
        )
        .where(col(DeclarationDecision.id).is_(None))
        .order_by(col(Declaration.created_at), col(Declaration.id))
    )
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    if limit is not None:
        statement = statement.limit(limit)
    memo: dict[tuple[str, date], RuleSet] = {}
    return [
        _view(session, record, pending=True, rule_sets=memo) for record in session.exec(statement)
    ]


def count_pending(session: Session, village_id: str | None) -> int:
    """How many declarations of a village (every village's for None) wait for a decision."""
    statement = (
        select(func.count())
        .select_from(Declaration)
        .join(Household, col(Household.id) == col(Declaration.household_id))
        .outerjoin(
            DeclarationDecision,
            col(DeclarationDecision.declaration_id) == col(Declaration.id),
        )
        .where(col(DeclarationDecision.id).is_(None))
    )
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    return int(session.exec(statement).one())


def declarations_of(session: Session, household_id: str) -> list[DeclarationView]:
    """Every declaration a household filed, newest first: what it sees of their status."""
    statement = (
        select(Declaration)
        .where(Declaration.household_id == household_id)
        .order_by(col(Declaration.created_at).desc(), col(Declaration.id))
    )
    memo: dict[tuple[str, date], RuleSet] = {}
    return [_view(session, record, rule_sets=memo) for record in session.exec(statement)]


def _four_eyes(record: Declaration, operator: Operator) -> None:
    """Whoever filed a declaration never decides it: another administrator does."""
    if record.filed_by is not None and record.filed_by == operator.id:
        raise Refused("declaration.four_eyes")


def _decided(decision: DeclarationDecision) -> Refused:
    decided_at = from_db(decision.decided_at)
    return Refused(
        "declaration.decided",
        status=decision.outcome,
        by=decision.decided_by,
        at=f"{local(decided_at):%Y-%m-%d %H:%M}",
        status_zh=text(f"declaration.status.{decision.outcome}"),
    )


def _decide(
    session: Session,
    record: Declaration,
    *,
    outcome: DeclarationStatus,
    operator: Operator,
    now: datetime,
    reason: str | None = None,
    entry_ids: Sequence[str] = (),
) -> DeclarationView:
    origin = local_origin(session)
    session.add(
        DeclarationDecision(
            id=new_id(),
            declaration_id=record.id,
            outcome=outcome,
            reason=reason,
            entry_ids=list(entry_ids),
            decided_by=operator.id,
            decided_at=as_utc(now),
            origin=origin,
            # Taken after the approval's entries: the sync pushes the decision after them.
            origin_seq=next_origin_seq(session, origin),
        )
    )
    session.flush()
    return _view(session, record)


def approve(session: Session, *, ref: str, operator: Operator, now: datetime) -> DeclarationView:
    """Approve a pending declaration: award its points (and the helper's) in this transaction.

    An approved declaration is returned as it is (`replayed`), a rejected one is refused.
    """
    record = declaration_by_ref(session, ref, lock=True)
    household = session.get(Household, record.household_id)
    assert household is not None
    require_role(operator, *AWARDING_ROLES)
    require_village(operator, household.village_id)
    decision = decision_of(session, record.id)
    if decision is not None:
        if decision.outcome == DeclarationStatus.APPROVED:
            return _view(session, record, replayed=True)
        raise _decided(decision)
    _four_eyes(record, operator)
    helper = (
        session.get(Household, record.helper_household_id) if record.helper_household_id else None
    )
    result = award(
        session,
        household=household,
        rule_id=record.rule_id,
        quantity=record.quantity,
        operator=operator,
        now=now,
        helper=helper,
    )
    return _decide(
        session,
        record,
        outcome=DeclarationStatus.APPROVED,
        operator=operator,
        now=now,
        entry_ids=[entry.id for entry in result.entries],
    )


def reject(
    session: Session, *, ref: str, reason: str, operator: Operator, now: datetime
) -> DeclarationView:
    """Reject a pending declaration with the reason the household will be told."""
    record = declaration_by_ref(session, ref, lock=True)
    household = session.get(Household, record.household_id)
    assert household is not None
    require_role(operator, *AWARDING_ROLES)
    require_village(operator, household.village_id)
    decision = decision_of(session, record.id)
    if decision is not None:
        raise _decided(decision)
    _four_eyes(record, operator)
    text = reason.strip()
    if not 1 <= len(text) <= MAX_DESCRIPTION:
        raise BadInput("declaration.reason", max=MAX_DESCRIPTION)
    return _decide(
        session,
        record,
        outcome=DeclarationStatus.REJECTED,
        operator=operator,
        now=now,
        reason=text,
    )
