"""Disputes through the services: the committee upholds an entry or corrects it with a reversing
entry; both stay in the history with who and when, and nothing is decided twice."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.awards import AwardResult, award
from kiosk.core.db import read_session, write_session
from kiosk.core.disputes import (
    DisputeView,
    list_disputes,
    raise_dispute,
    resolve_correct,
    resolve_uphold,
)
from kiosk.core.errors import BadInput, DomainError, Refused
from kiosk.core.invariants import check_ledger
from kiosk.core.ledger import append_entry, entries_of
from kiosk.core.models import LedgerEntry
from tests.support.builders import dump, household, operator, points_of
from tests.support.clock import at
from tests.support.worlds import Db

pytestmark = pytest.mark.world("admin")

RAISED_AT = at(2026, 11, 16)
DECIDED_AT = at(2026, 11, 20)


def give(
    engine: Engine, code: str, rule_id: str, when: datetime, *, helper: str | None = None
) -> AwardResult:
    with write_session(engine) as session:
        return award(
            session,
            household=household(session, code),
            rule_id=rule_id,
            quantity=1,
            operator=operator(session, "admin-heping"),
            now=when,
            helper=household(session, helper) if helper else None,
        )


def dispute(engine: Engine, entry_id: str, when: datetime = RAISED_AT) -> DisputeView:
    with write_session(engine) as session:
        return raise_dispute(
            session,
            entry_ref=entry_id,
            raised_by="林小禾",
            description="那天垃圾已经分好类，有照片",
            now=when,
        )


def resolve(
    engine: Engine,
    ref: str,
    *,
    correct: bool,
    by: str = "admin-heping",
    note: str = "经村支两委核实",
    when: datetime = DECIDED_AT,
) -> DisputeView:
    decide = resolve_correct if correct else resolve_uphold
    with write_session(engine) as session:
        return decide(session, ref=ref, note=note, operator=operator(session, by), now=when)


def fourth_n11(engine: Engine) -> str:
    """Three warnings then the first deduction of 垃圾分类不清 (negative item 11)."""
    for day in (2, 5, 8):
        assert give(engine, "HP0001", "N11", at(2026, 11, day)).entries[0].kind == "warning"
    deduction = give(engine, "HP0001", "N11", at(2026, 11, 12)).entries[0]
    assert (deduction.kind, deduction.points) == ("deduction", -2)
    return deduction.id


def test_a_corrected_deduction_restores_the_balance(engine: Engine, db: Db) -> None:
    give(engine, "HP0001", "P09", at(2026, 11, 1))
    deduction_id = fourth_n11(engine)
    assert points_of(engine, "HP0001") == 8

    raised = dispute(engine, deduction_id[:8])
    assert (raised.status, raised.entry_points, raised.household_code) == ("open", -2, "HP0001")
    decided = resolve(engine, raised.id, correct=True, note="核实属实，撤销扣分")

    assert points_of(engine, "HP0001") == 10
    assert decided.status == "corrected"
    assert (decided.decided_by, decided.decided_at, decided.decision_note) == (
        "admin-heping",
        at(2026, 11, 20),
        "核实属实，撤销扣分",
    )
    with read_session(engine) as session:
        history = entries_of(session, household(session, "HP0001").id, 2026)
        correction = session.get(LedgerEntry, decided.correction_entry_id)
        assert check_ledger(session).ok
    # The disputed entry is still there, and the correction after it names it.
    assert deduction_id in [e.id for e in history]
    assert correction is not None
    assert (correction.kind, correction.points, correction.reverses_id) == (
        "correction",
        2,
        deduction_id,
    )
    assert correction.operator_id == "admin-heping"
    assert history[-1].id == correction.id


def test_an_upheld_dispute_writes_no_entry_and_keeps_who_decided(engine: Engine, db: Db) -> None:
    deduction_id = fourth_n11(engine)
    raised = dispute(engine, deduction_id)
    with read_session(engine) as session:
        count = len(session.exec(select(LedgerEntry)).all())

    decided = resolve(engine, raised.id, correct=False, by="street-admin", note="照片显示未分类")

    assert (decided.status, decided.decided_by, decided.correction_entry_id) == (
        "upheld",
        "street-admin",
        None,
    )
    assert points_of(engine, "HP0001") == -2
    with read_session(engine) as session:
        assert len(session.exec(select(LedgerEntry)).all()) == count
        everything = list_disputes(session, "heping", open_only=False)
        assert [d.status for d in everything] == ["upheld"]
        assert list_disputes(session, "heping") == []


@pytest.mark.parametrize("first_correct", [True, False])
@pytest.mark.parametrize("then_correct", [True, False])
def test_resolving_twice_is_refused_and_changes_nothing(
    engine: Engine, db: Db, first_correct: bool, then_correct: bool
) -> None:
    entry_id = give(engine, "HP0001", "P08", at(2026, 11, 2)).entries[0].id
    raised = dispute(engine, entry_id)
    resolve(engine, raised.id, correct=first_correct)
    before = dump(db.path)

    with pytest.raises(Refused) as caught:
        resolve(engine, raised.id, correct=then_correct, when=at(2026, 11, 21))

    assert caught.value.key == "dispute.decided"
    assert "2026-11-20 10:00" in caught.value.message("en")
    assert dump(db.path) == before


def test_one_open_dispute_per_entry_and_none_after_a_correction(engine: Engine, db: Db) -> None:
    entry_id = give(engine, "HP0001", "P08", at(2026, 11, 2)).entries[0].id
    raised = dispute(engine, entry_id)
    with pytest.raises(Refused) as twice:
        dispute(engine, entry_id)
    assert twice.value.key == "dispute.open_exists"

    resolve(engine, raised.id, correct=True)
    with pytest.raises(Refused) as after:
        dispute(engine, entry_id)
    assert after.value.key == "dispute.already_corrected"


def test_an_upheld_entry_may_be_disputed_again(engine: Engine, db: Db) -> None:
    entry_id = give(engine, "HP0001", "P08", at(2026, 11, 2)).entries[0].id
    resolve(engine, dispute(engine, entry_id).id, correct=False)
    assert dispute(engine, entry_id, at(2026, 11, 25)).status == "open"


def test_correcting_a_mutual_help_award_reverses_the_helper_entry_too(
    engine: Engine, db: Db
) -> None:
    result = give(engine, "HP0002", "P08", at(2026, 11, 3), helper="HP0003")
    raised = dispute(engine, result.entries[0].id)
    resolve(engine, raised.id, correct=True, note="公益活动当天未参加")

    assert (points_of(engine, "HP0002"), points_of(engine, "HP0003")) == (0, 0)
    with read_session(engine) as session:
        reversed_ids = {
            e.reverses_id
            for e in session.exec(select(LedgerEntry).where(LedgerEntry.kind == "correction"))
        }
        assert reversed_ids == {entry.id for entry in result.entries}
        assert check_ledger(session).ok


def test_a_corrected_warning_no_longer_counts_toward_the_deduction(engine: Engine, db: Db) -> None:
    warnings = [give(engine, "HP0001", "N11", at(2026, 11, day)).entries[0].id for day in (2, 5, 8)]
    resolve(engine, dispute(engine, warnings[2]).id, correct=True)

    # Only two warnings stand, so the next one is the third warning, not a deduction.
    nxt = give(engine, "HP0001", "N11", at(2026, 11, 22)).entries[0]
    assert (nxt.kind, nxt.points) == ("warning", 0)


@pytest.mark.parametrize(
    ("by", "key"), [("shop-heping", "operator.role"), ("admin-xizige", "operator.village")]
)
def test_only_the_village_committee_or_street_decides(
    engine: Engine, db: Db, by: str, key: str
) -> None:
    raised = dispute(engine, give(engine, "HP0001", "P08", at(2026, 11, 2)).entries[0].id)
    before = dump(db.path)
    with pytest.raises(Refused) as caught:
        resolve(engine, raised.id, correct=True, by=by)
    assert caught.value.key == key
    assert dump(db.path) == before


def test_a_decision_needs_a_note(engine: Engine, db: Db) -> None:
    raised = dispute(engine, give(engine, "HP0001", "P08", at(2026, 11, 2)).entries[0].id)
    with pytest.raises(BadInput) as caught:
        resolve(engine, raised.id, correct=True, note=" ")
    assert caught.value.key == "dispute.note"
    assert points_of(engine, "HP0001") == 20


def setup_entry(engine: Engine, kind: str, points: int, when: datetime) -> str:
    with write_session(engine) as session:
        entry = append_entry(
            session,
            household_id=household(session, "HP0001").id,
            points=points,
            kind=kind,
            at=when,
            origin="test-setup",
        )
        return entry.id


@pytest.mark.parametrize(
    ("kind", "points", "when", "key"),
    [
        ("redemption", -50, at(2026, 11, 2), "dispute.kind"),
        ("expiry", -50, at(2026, 11, 2), "dispute.kind"),
        ("award", 20, at(2025, 6, 2), "dispute.window_closed"),
    ],
)
def test_entries_that_cannot_be_disputed(
    engine: Engine, db: Db, kind: str, points: int, when: datetime, key: str
) -> None:
    entry_id = setup_entry(engine, kind, points, when)
    before = dump(db.path)
    with pytest.raises(DomainError) as caught:
        dispute(engine, entry_id)
    assert caught.value.key == key
    assert dump(db.path) == before


@pytest.mark.parametrize(("raised_by", "description"), [("", "理由"), ("林小禾", "  ")])
def test_a_dispute_needs_a_villager_and_a_reason(
    engine: Engine, db: Db, raised_by: str, description: str
) -> None:
    entry_id = give(engine, "HP0001", "P08", at(2026, 11, 2)).entries[0].id
    with pytest.raises(BadInput), write_session(engine) as session:
        raise_dispute(
            session,
            entry_ref=entry_id,
            raised_by=raised_by,
            description=description,
            now=at(2026, 11, 16),
        )


def test_the_administrator_who_recorded_a_dispute_may_not_decide_it(engine: Engine, db: Db) -> None:
    """Four eyes: a dispute the village administrator took down is upheld or corrected by
    another administrator; the one who recorded it is refused and nothing is written."""
    entry_id = give(engine, "HP0001", "P08", at(2026, 11, 10)).entries[0].id
    with write_session(engine) as session:
        recorded = raise_dispute(
            session,
            entry_ref=entry_id,
            raised_by="户主本人",
            description="那天没有参加",
            now=RAISED_AT,
            recorded_by=operator(session, "admin-heping"),
        )
    before = dump(db.path)
    for correct in (False, True):
        with pytest.raises(Refused) as refused:
            resolve(engine, recorded.id, correct=correct, by="admin-heping")
        assert refused.value.key == "dispute.four_eyes"
    assert dump(db.path) == before
    assert resolve(engine, recorded.id, correct=False, by="street-admin").status == "upheld"
