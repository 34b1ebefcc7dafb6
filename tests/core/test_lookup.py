"""Household lookup as the kiosk does it on every scan: resolve_household and summarize.

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
from kiosk.core.errors import BadInput, NotFound
from kiosk.core.households import resolve_household, summarize
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
