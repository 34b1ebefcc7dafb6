"""Household lookup as the kiosk does it on every scan: resolve_household and summarize,
and `look_up`, the lean read of both that the counter and `kiosk household show` use.

These pin what the lean lookup (prebuilt Core statements, the card key read with the
household, the balance summed from the entries) must keep: the same answers with and without
entries, pending work in the session counted, and the card key always the database's own.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from kiosk.core.awards import freeze
from kiosk.core.codes import CardSigner
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError, NotFound
from kiosk.core.households import HouseholdSummary, look_up, resolve_household, summarize
from kiosk.core.ledger import balance, meta_set
from tests.support.builders import NOW, earn, household, operator
from tests.support.clock import at
from tests.support.worlds import Db


@pytest.fixture
def earned(engine: Engine) -> Engine:
    """HP0001 earned 30 + 12 - 5 in 2026 and 40 in 2025 (another points year)."""
    with write_session(engine) as session:
        target = household(session, "HP0001")
        earn(session, target, 30, at(2026, 3, 1))
        earn(session, target, 12, at(2026, 6, 1))
        earn(session, target, -5, at(2026, 7, 1))
        earn(session, target, 40, at(2025, 7, 1))
    return engine


def test_summary_with_and_without_entries_agree(db: Db, earned: Engine) -> None:
    payload = db.signer().payload("HP0001", 1)
    with read_session(earned) as session:
        target = resolve_household(session, payload)
        full = summarize(session, target, NOW)
        short = summarize(session, target, NOW, with_entries=False)
        assert full.balance == short.balance == 37 == balance(session, target.id, 2026)
    assert [entry.points for entry in full.entries] == [30, 12, -5]
    assert short.entries == []
    assert (
        (full.village, full.code, full.frozen)
        == (short.village, short.code, None)
        == (
            "和平",
            "HP0001",
            None,
        )
    )
    assert all(entry.created_at.utcoffset() is not None for entry in full.entries)


def test_a_freeze_shows_in_both_summaries(earned: Engine) -> None:
    with write_session(earned) as session:
        freeze(
            session,
            household=household(session, "HP0001"),
            until=date(2026, 12, 31),
            reason="测试冻结",
            operator=operator(session, "admin-heping"),
            now=NOW,
        )
    with read_session(earned) as session:
        target = household(session, "HP0001")
        for with_entries in (True, False):
            frozen = summarize(session, target, NOW, with_entries=with_entries).frozen
            assert frozen is not None and frozen.until == date(2026, 12, 31)


def test_a_household_without_entries_this_year_still_gets_village_and_freeze(
    engine: Engine,
) -> None:
    """The village and the freeze flag ride on the entry rows; with none, they are read alone."""
    with write_session(engine) as session:
        freeze(
            session,
            household=household(session, "HP0003"),
            until=date(2026, 12, 31),
            reason="测试冻结",
            operator=operator(session, "admin-heping"),
            now=NOW,
        )
    with read_session(engine) as session:
        summary = summarize(session, household(session, "HP0003"), NOW)
    assert (summary.entries, summary.balance, summary.village) == ([], 0, "和平")
    assert summary.frozen is not None


@pytest.mark.parametrize("with_entries", [True, False])
def test_unflushed_entries_in_the_session_count(earned: Engine, with_entries: bool) -> None:
    with write_session(earned) as session:
        target = household(session, "HP0001")
        earn(session, target, 8, at(2026, 9, 1))  # added, not flushed
        summary = summarize(session, target, NOW, with_entries=with_entries)
        assert summary.balance == 45


def test_card_checks_keep_their_order(db: Db, engine: Engine) -> None:
    """Forged before unknown: a card for a code nobody has is refused as forged unless the
    street office signed it."""
    stranger = CardSigner.generate()
    with read_session(engine) as session:
        with pytest.raises(BadInput) as forged:
            resolve_household(session, stranger.payload("HP9999", 1))
        assert forged.value.key == "code.forged"
        with pytest.raises(NotFound):
            resolve_household(session, db.signer().payload("HP9999", 1))
        with pytest.raises(BadInput) as forged_known:
            resolve_household(session, stranger.payload("HP0001", 1))
        assert forged_known.value.key == "code.forged"


def test_a_new_card_key_takes_effect_at_once(db: Db, engine: Engine) -> None:
    """The key is read with each lookup, so one a sync brings in needs no cache reset."""
    old, new = db.signer(), CardSigner.generate()
    with read_session(engine) as session:
        assert resolve_household(session, old.payload("HP0002", 1)).code == "HP0002"
    with write_session(engine) as session:
        meta_set(session, "card_public_key", new.public_key_hex())
    with read_session(engine) as session:
        assert resolve_household(session, new.payload("HP0002", 1)).code == "HP0002"
        with pytest.raises(BadInput):
            resolve_household(session, old.payload("HP0002", 1))


# --- look_up: the counter's lean read must answer exactly as the session path does ------


def _session_path(engine: Engine, raw: str, with_entries: bool) -> HouseholdSummary | str:
    """resolve_household + summarize in a read session: the summary, or the refusal's key."""
    try:
        with read_session(engine) as session:
            target = resolve_household(session, raw)
            return summarize(session, target, NOW, with_entries=with_entries)
    except DomainError as error:
        return error.key


def _look_up(engine: Engine, raw: str, with_entries: bool) -> HouseholdSummary | str:
    try:
        return look_up(engine, raw, NOW, with_entries=with_entries)
    except DomainError as error:
        return error.key


def test_look_up_answers_as_the_session_path_does(db: Db, earned: Engine) -> None:
    """Entries, none this year, a freeze in force, one recorded for later, a household that
    left the register, a reissued card: the same summary or the same refusal, both ways."""
    operator_ = "admin-heping"
    with write_session(earned) as session:
        admin = operator(session, operator_)
        freeze(session, household=household(session, "HP0002"), until=date(2026, 12, 31),
               reason="测试冻结", operator=admin, now=NOW)  # fmt: skip
        freeze(session, household=household(session, "HP0003"), until=date(2027, 3, 31),
               reason="以后", operator=admin, now=NOW, starts_on=date(2027, 2, 1))  # fmt: skip
        gone = household(session, "HP0004")
        gone.left_at, gone.left_reason = NOW, "迁出"
        moved = household(session, "HP0005")
        moved.card_version = 2
        session.add_all([gone, moved])
    signer, stranger = db.signer(), CardSigner.generate()
    scans = [
        signer.payload("HP0001", 1),
        signer.payload("HP0002", 1),
        signer.payload("HP0003", 1),
        signer.payload("HP0004", 1),  # left the register
        signer.payload("HP0005", 1),  # replaced by version 2: revoked
        signer.payload("HP0005", 2),
        signer.payload("HP0005", 3),  # newer than this kiosk knows
        signer.payload("HP9999", 1),  # signed, unknown
        stranger.payload("HP0001", 1),  # forged, known code
        stranger.payload("HP9999", 1),  # forged, unknown code
        signer.payload("HP0001", 1).lower(),  # a Caps Lock scanner
        "HP0001",  # typed by hand
        "hp0004",
        "HP9999",
        "JFO:K-HP-01-000001",  # an order code is not a household
        "JF1:HP0001:1:",
        "",
    ]
    answers = []
    for raw in scans:
        for with_entries in (True, False):
            expected = _session_path(earned, raw, with_entries)
            assert _look_up(earned, raw, with_entries) == expected, raw
            answers.append(expected if isinstance(expected, str) else expected.code)
    assert answers.count("HP0001") == 6 and "register.left" in answers
    assert {"code.forged", "code.revoked", "code.unknown", "code.garbled"} <= set(answers)
    frozen = look_up(earned, signer.payload("HP0002", 1), NOW)
    assert frozen.frozen is not None and frozen.frozen.until == date(2026, 12, 31)
    assert look_up(earned, "HP0003", NOW).frozen is None  # recorded, not yet in force
    full = look_up(earned, "HP0001", NOW)
    assert [entry.points for entry in full.entries] == [30, 12, -5] and full.balance == 37
    assert all(entry.created_at.utcoffset() is not None for entry in full.entries)


def test_look_up_refuses_every_altered_card(db: Db, engine: Engine) -> None:
    """Any one character of a valid card changed, through the lean path: never a household."""
    payload = db.signer().payload("HP0001", 1)
    assert look_up(engine, payload, NOW).code == "HP0001"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567:0189"
    for position in range(len(payload)):
        replacement = next(c for c in alphabet if c != payload[position])
        altered = payload[:position] + replacement + payload[position + 1 :]
        with pytest.raises(DomainError):
            look_up(engine, altered, NOW)


def test_look_up_takes_a_new_card_key_at_once(db: Db, engine: Engine) -> None:
    old, new = db.signer(), CardSigner.generate()
    assert look_up(engine, old.payload("HP0002", 1), NOW).code == "HP0002"
    with write_session(engine) as session:
        meta_set(session, "card_public_key", new.public_key_hex())
    assert look_up(engine, new.payload("HP0002", 1), NOW).code == "HP0002"
    with pytest.raises(BadInput) as refused:
        look_up(engine, old.payload("HP0002", 1), NOW)
    assert refused.value.key == "code.forged"
