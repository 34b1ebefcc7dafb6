"""Disputes (异议) of ledger entries: recording a villager's objection and the committee's decision.

The committee either upholds the entry (it stands) or corrects it with a reversing entry
(kind "correction", points negated, `reverses_id` set). Nothing is edited: the disputed
entry, the correction, the dispute as raised and its `DisputeResolution` (who decided, when,
why) are all rows of their own in the household's history. A dispute without a resolution
is open; a resolved one cannot be resolved again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from kiosk.core.awards import AWARDING_ROLES
from kiosk.core.clock import as_utc, from_db, local
from kiosk.core.declarations import MAX_DESCRIPTION, record_by_ref
from kiosk.core.errors import BadInput, Refused
from kiosk.core.ids import derived_id, new_id
from kiosk.core.ledger import append_entry, local_origin, next_origin_seq
from kiosk.core.messages import text
from kiosk.core.models import (
    Dispute,
    DisputeResolution,
    DisputeStatus,
    EntryKind,
    Household,
    LedgerEntry,
    Operator,
)
from kiosk.core.reference import require_role, require_village
from rules.engine import booking_instant, objections_close, points_year

# Redemptions and refunds are settled by cancelling order lines, expiry by the year close, and
# a correction is itself the outcome of a dispute; what a villager disputes is a judgement.
DISPUTABLE_KINDS = frozenset(
    {EntryKind.AWARD, EntryKind.DEDUCTION, EntryKind.WARNING, EntryKind.BONUS}
)


@dataclass(frozen=True)
class DisputeView:
    id: str
    entry_id: str
    household_code: str
    village_id: str
    entry_kind: str
    entry_points: int
    entry_rule_id: str | None
    entry_created_at: datetime
    raised_by: str
    description: str
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    correction_entry_id: str | None
    created_at: datetime

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def resolution_of(session: Session, dispute_id: str) -> DisputeResolution | None:
    """The dispute's resolution, or None while it is open."""
    return session.exec(
        select(DisputeResolution).where(DisputeResolution.dispute_id == dispute_id)
    ).first()


def _view(session: Session, record: Dispute) -> DisputeView:
    entry = session.get(LedgerEntry, record.entry_id)
    household = session.get(Household, record.household_id)
    assert entry is not None and household is not None  # foreign keys
    resolution = resolution_of(session, record.id)
    return DisputeView(
        id=record.id,
        entry_id=entry.id,
        household_code=household.code,
        village_id=household.village_id,
        entry_kind=entry.kind,
        entry_points=entry.points,
        entry_rule_id=entry.rule_id,
        entry_created_at=from_db(entry.created_at),
        raised_by=record.raised_by,
        description=record.description,
        status=resolution.outcome if resolution is not None else DisputeStatus.OPEN,
        decided_by=resolution.decided_by if resolution is not None else None,
        decided_at=from_db(resolution.decided_at) if resolution is not None else None,
        decision_note=resolution.note if resolution is not None else None,
        correction_entry_id=resolution.correction_entry_id if resolution is not None else None,
        created_at=from_db(record.created_at),
    )


def _open_only(statement: Any) -> Any:
    """`statement` (selecting from Dispute) narrowed to disputes without a resolution."""
    return statement.outerjoin(
        DisputeResolution, col(DisputeResolution.dispute_id) == col(Dispute.id)
    ).where(col(DisputeResolution.id).is_(None))


def _text(value: str, key: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= MAX_DESCRIPTION:
        raise BadInput(key, max=MAX_DESCRIPTION)
    return text


def _correction_of(session: Session, entry_id: str) -> LedgerEntry | None:
    return session.exec(
        select(LedgerEntry).where(
            LedgerEntry.reverses_id == entry_id, LedgerEntry.kind == EntryKind.CORRECTION
        )
    ).first()


def _check_correctable(session: Session, entry: LedgerEntry, now: datetime) -> None:
    if entry.kind not in DISPUTABLE_KINDS:
        raise Refused("dispute.kind", kind=entry.kind)
    if _correction_of(session, entry.id) is not None:
        raise Refused("dispute.already_corrected")
    # A year's last quarterly notice goes up after New Year, so its entries stay open to
    # objection until rules.engine.objections_close (the notice prints that date); the
    # correction is then booked in the entry's own year (see resolve_correct).
    if entry.points_year < points_year(now) and now >= objections_close(entry.points_year):
        closed = local(objections_close(entry.points_year) - timedelta(microseconds=1))
        raise Refused("dispute.window_closed", year=entry.points_year, until=f"{closed:%Y-%m-%d}")


def entry_by_ref(session: Session, ref: str) -> LedgerEntry:
    return record_by_ref(session, LedgerEntry, ref, "entry.unknown")


def raise_dispute(
    session: Session,
    *,
    entry_ref: str,
    raised_by: str,
    description: str,
    now: datetime,
    dispute_id: str | None = None,
    recorded_by: Operator | None = None,
) -> DisputeView:
    """Record a villager's objection to one entry; it waits for the village committee.

    `recorded_by` is the administrator taking it down: that one may not decide it.

    `dispute_id` is the caller's idempotency key: recording it again returns the first one.
    """
    if dispute_id is not None:
        existing = session.get(Dispute, dispute_id)
        if existing is not None:
            return _view(session, existing)
    entry = entry_by_ref(session, entry_ref)
    _check_correctable(session, entry, now)
    already_open = session.exec(
        _open_only(select(Dispute.id).where(Dispute.entry_id == entry.id))
    ).first()
    if already_open is not None:
        raise Refused("dispute.open_exists", dispute=already_open[:8])
    origin = local_origin(session)
    record = Dispute(
        id=dispute_id or new_id(),
        entry_id=entry.id,
        household_id=entry.household_id,
        raised_by=_text(raised_by, "dispute.raised_by"),
        description=_text(description, "dispute.description"),
        recorded_by=recorded_by.id if recorded_by else None,
        created_at=as_utc(now),
        origin=origin,
        origin_seq=next_origin_seq(session, origin),
    )
    session.add(record)
    session.flush()
    return _view(session, record)


def dispute_by_ref(session: Session, ref: str, *, lock: bool = False) -> Dispute:
    return record_by_ref(session, Dispute, ref, "dispute.unknown", lock=lock)


def get_dispute(session: Session, ref: str) -> DisputeView:
    return _view(session, dispute_by_ref(session, ref))


def list_disputes(
    session: Session,
    village_id: str | None,
    *,
    open_only: bool = True,
    household_id: str | None = None,
) -> list[DisputeView]:
    """Disputes of a village (every village's for None), oldest first."""
    statement = (
        select(Dispute)
        .join(Household, col(Household.id) == col(Dispute.household_id))
        .order_by(col(Dispute.created_at), col(Dispute.id))
    )
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    if open_only:
        statement = _open_only(statement)
    if household_id is not None:
        statement = statement.where(Dispute.household_id == household_id)
    return [_view(session, record) for record in session.exec(statement)]


def _open_for_decision(session: Session, ref: str, operator: Operator) -> Dispute:
    record = dispute_by_ref(session, ref, lock=True)
    household = session.get(Household, record.household_id)
    assert household is not None
    require_role(operator, *AWARDING_ROLES)
    require_village(operator, household.village_id)
    resolution = resolution_of(session, record.id)
    if resolution is not None:
        decided_at = from_db(resolution.decided_at)
        raise Refused(
            "dispute.decided",
            status=resolution.outcome,
            by=resolution.decided_by,
            at=f"{local(decided_at):%Y-%m-%d %H:%M}",
            status_zh=text(f"dispute.status.{resolution.outcome}"),
        )
    if record.recorded_by is not None and record.recorded_by == operator.id:
        raise Refused("dispute.four_eyes")  # whoever recorded it never decides it
    return record


def _close(
    session: Session,
    record: Dispute,
    outcome: DisputeStatus,
    note: str,
    operator: Operator,
    now: datetime,
    correction_entry_id: str | None = None,
) -> DisputeView:
    origin = local_origin(session)
    session.add(
        DisputeResolution(
            id=new_id(),
            dispute_id=record.id,
            outcome=outcome,
            note=note,
            correction_entry_id=correction_entry_id,
            decided_by=operator.id,
            decided_at=as_utc(now),
            origin=origin,
            # Taken after the correction entries: the sync pushes the resolution after them.
            origin_seq=next_origin_seq(session, origin),
        )
    )
    session.flush()
    return _view(session, record)


def resolve_uphold(
    session: Session, *, ref: str, note: str, operator: Operator, now: datetime
) -> DisputeView:
    """The committee checked and the entry stands; the note says why."""
    record = _open_for_decision(session, ref, operator)
    return _close(session, record, DisputeStatus.UPHELD, _text(note, "dispute.note"), operator, now)


def resolve_correct(
    session: Session, *, ref: str, note: str, operator: Operator, now: datetime
) -> DisputeView:
    """The committee found the entry wrong: write the correction that reverses it.

    A mutual-help award and the helper's equal award stand or fall together, so correcting
    the household's own entry also reverses the helper entries written with it. Correction
    ids derive from the corrected entry, so two databases correcting the same entry offline
    write the same id: the second to sync is refused as a conflict instead of paying twice.

    A correction is booked in the points year of the entry it corrects (dated the last
    instant of that year when it is decided after New Year), so the old year's rankings,
    average, notice and yearly bonus change, and the new year's balance does not; the next
    close settles the bonuses again (kiosk.core.periods).
    """
    record = _open_for_decision(session, ref, operator)
    text = _text(note, "dispute.note")
    entry = session.get(LedgerEntry, record.entry_id)
    assert entry is not None
    _check_correctable(session, entry, now)
    reversed_entries = [entry]
    if entry.group_id and entry.helper_for_id is None:
        reversed_entries += session.exec(
            select(LedgerEntry)
            .where(
                LedgerEntry.group_id == entry.group_id,
                LedgerEntry.helper_for_id == entry.household_id,
            )
            .order_by(col(LedgerEntry.origin_seq))
        ).all()
    origin = local_origin(session)
    corrections = []
    for original in reversed_entries:
        if _correction_of(session, original.id) is not None:
            continue  # a helper entry corrected on its own earlier
        corrections.append(
            append_entry(
                session,
                entry_id=derived_id("correction", original.id),
                household_id=original.household_id,
                points=-original.points,
                kind=EntryKind.CORRECTION,
                at=booking_instant(original.points_year, now),
                origin=origin,
                points_year_override=original.points_year,
                rule_id=original.rule_id,
                rule_version=original.rule_version,
                quantity=original.quantity,
                reverses_id=original.id,
                group_id=original.group_id,
                helper_for_id=original.helper_for_id,
                operator_id=operator.id,
                note=f"异议更正：{text}",
            )
        )
    return _close(session, record, DisputeStatus.CORRECTED, text, operator, now, corrections[0].id)
