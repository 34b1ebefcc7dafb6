"""Month and year closes: top-5 bonuses with ties, bonuses that never rank, closing twice,
New Year's Eve and the annual reset, and the households above the village average."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.clock import from_db
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, Refused
from kiosk.core.households import summarize
from kiosk.core.invariants import check_ledger
from kiosk.core.ledger import CENTRAL_ORIGIN, balance, meta_set
from kiosk.core.models import LedgerEntry, RedemptionOrder
from kiosk.core.periods import close_month, close_year, honours, parse_month, parse_year
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import village_by_name
from tests.support.builders import dump, earn, household, operator
from tests.support.clock import at
from tests.support.worlds import Db


@pytest.fixture(autouse=True)
def at_the_central(engine: Engine) -> None:
    """Closes are the central's (a kiosk refuses them): this database plays the central."""
    with write_session(engine) as session:
        meta_set(session, "origin", CENTRAL_ORIGIN)


def test_a_kiosk_that_syncs_refuses_a_close(engine: Engine, db: Db) -> None:
    with write_session(engine) as session:
        meta_set(session, "origin", "K-HP-01")
    engine.dispose()  # the WAL into the file, so the dump sees it all
    before = dump(db.path)
    with write_session(engine) as session, pytest.raises(Refused) as refused:
        close_month(session, 2026, 5, at(2026, 6, 2))
    assert refused.value.key == "period.central_only"
    with write_session(engine) as session, pytest.raises(Refused):
        close_year(session, 2025, at(2026, 6, 2))
    engine.dispose()
    assert dump(db.path) == before


def setup_earnings(engine: Engine, when: datetime, points: dict[str, int]) -> None:
    with write_session(engine) as session:
        for code, amount in points.items():
            earn(session, household(session, code), amount, when)


def bonus_entries(engine: Engine) -> list[tuple[str, int, str | None, int, datetime]]:
    """(household code, points, rule, points year, time) of every bonus entry, by code."""
    with read_session(engine) as session:
        rows = session.exec(select(LedgerEntry).where(LedgerEntry.kind == "bonus")).all()
        codes = {}
        for row in rows:
            codes[row.household_id] = session.get(
                type(household(session, "HP0001")), row.household_id
            ).code  # type: ignore[union-attr]
        return sorted(
            (codes[r.household_id], r.points, r.rule_id, r.points_year, from_db(r.created_at))
            for r in rows
        )


def close_feb(engine: Engine) -> None:
    with write_session(engine) as session:
        close_month(session, 2027, 2, at(2027, 3, 1, 8))


def test_all_households_tied_at_fifth_place_win(engine: Engine) -> None:
    earned = {"HP0001": 100, "HP0002": 90, "HP0003": 80, "HP0004": 70, "HP0005": 60,
              "HP0006": 60, "HP0007": 50}  # fmt: skip
    setup_earnings(engine, at(2027, 2, 10), earned)
    with write_session(engine) as session:
        result = close_month(session, 2027, 2, at(2027, 3, 1, 8))
    # Tied households are listed in id order; compare them by code.
    ranked = sorted((b.household_code, b.earned) for b in result.bonuses)
    assert sorted(ranked, key=lambda pair: -pair[1]) == [
        ("HP0001", 100), ("HP0002", 90), ("HP0003", 80), ("HP0004", 70), ("HP0005", 60),
        ("HP0006", 60),
    ]  # fmt: skip
    march_first = at(2027, 3, 1, 0, 0)
    assert bonus_entries(engine) == [
        (code, 50, "P15", 2027, march_first) for code in ("HP0001", "HP0002", "HP0003", "HP0004", "HP0005", "HP0006")
    ]  # fmt: skip


def test_only_households_that_earned_are_ranked_per_village(engine: Engine) -> None:
    setup_earnings(engine, at(2027, 2, 10), {"HP0001": 20, "XZG0001": 10, "XZG0002": -2})
    close_feb(engine)
    assert [(code, points) for code, points, *_ in bonus_entries(engine)] == [
        ("HP0001", 50),
        ("XZG0001", 50),
    ]


def test_earnings_are_net_of_deductions(engine: Engine) -> None:
    setup_earnings(engine, at(2027, 2, 10), {"HP0001": 100, "HP0002": 60, "HP0003": 50,
                                             "HP0004": 40, "HP0005": 30, "HP0006": 20})  # fmt: skip
    setup_earnings(engine, at(2027, 2, 11), {"HP0001": -90})  # now 10: out of the top five
    close_feb(engine)
    assert [code for code, *_ in bonus_entries(engine)] == [
        "HP0002",
        "HP0003",
        "HP0004",
        "HP0005",
        "HP0006",
    ]


def test_bonuses_do_not_count_toward_later_rankings(engine: Engine) -> None:
    setup_earnings(engine, at(2027, 2, 10), {"HP0001": 100})
    close_feb(engine)
    setup_earnings(engine, at(2027, 3, 5), {"HP0002": 10})
    with write_session(engine) as session:
        march = close_month(session, 2027, 3, at(2027, 4, 1, 8))
        # HP0001's 50-point bonus is dated 1 March but is not earnings: it does not rank.
        assert [(b.household_code, b.earned) for b in march.bonuses] == [("HP0002", 10)]
    with write_session(engine) as session:
        year = close_year(session, 2027, at(2028, 1, 1, 8))
    assert [(b.household_code, b.earned, b.points) for b in year.bonuses] == [
        ("HP0001", 100, 500),
        ("HP0002", 10, 500),
    ]


def test_closing_a_month_twice_changes_nothing(db: Db, engine: Engine) -> None:
    setup_earnings(engine, at(2027, 2, 10), {"HP0001": 100, "HP0002": 90})
    close_feb(engine)
    before = dump(db.path)
    with write_session(engine) as session:
        again = close_month(session, 2027, 2, at(2027, 3, 2, 8))
    assert [b.written for b in again.bonuses] == [False, False]
    assert dump(db.path) == before


def test_closing_a_year_twice_changes_nothing(db: Db, engine: Engine) -> None:
    setup_earnings(engine, at(2026, 5, 10), {"HP0001": 100, "XZG0003": 30})
    with write_session(engine) as session:
        close_year(session, 2026, at(2027, 1, 1, 8))
    before = dump(db.path)
    with write_session(engine) as session:
        again = close_year(session, 2026, at(2027, 1, 5, 8))
    assert (again.expired_households, again.expired_points) == (0, 0)
    assert not any(b.written for b in again.bonuses)
    assert dump(db.path) == before


def test_a_period_cannot_be_closed_before_it_ends(engine: Engine) -> None:
    with pytest.raises(Refused) as refused, write_session(engine) as session:
        close_month(session, 2026, 11, at(2026, 11, 30, 23, 59))
    assert refused.value.key == "period.not_over"
    with pytest.raises(Refused), write_session(engine) as session:
        close_year(session, 2026, at(2026, 12, 31, 23, 59))
    with write_session(engine) as session:
        close_month(session, 2026, 11, at(2026, 12, 1, 0, 0))  # the first instant after it


@pytest.mark.parametrize("text", ["2026-13", "2026", "26-01", "abcd-ef", "1999-12", ""])
def test_bad_month_texts_are_bad_input(text: str) -> None:
    with pytest.raises(BadInput):
        parse_month(text)


@pytest.mark.parametrize("text", ["20x6", "1999", "2101", ""])
def test_bad_year_texts_are_bad_input(text: str) -> None:
    with pytest.raises(BadInput):
        parse_year(text)


def test_new_years_eve(engine: Engine) -> None:
    setup_earnings(engine, at(2026, 6, 1), {"HP0001": 100, "HP0002": 40})
    eve = at(2026, 12, 31, 23, 59)
    with write_session(engine) as session:
        result = redeem(
            session,
            household=household(session, "HP0001"),
            lines=[RedeemLine(2, 1)],
            operator=operator(session, "shop-heping"),
            now=eve,
        )
    with read_session(engine) as session:
        order = session.get(RedemptionOrder, result.order_id)
        assert order is not None and order.points_year == 2026
        entry = session.exec(
            select(LedgerEntry).where(LedgerEntry.order_id == result.order_id)
        ).one()
        assert (entry.points_year, entry.points) == (2026, -3)
        hp1 = household(session, "HP0001")
        assert summarize(session, hp1, eve).balance == 97
        new_year = at(2027, 1, 1, 0, 0)
        shown = summarize(session, hp1, new_year)
        assert (shown.points_year, shown.balance, shown.entries) == (2027, 0, [])

    with write_session(engine) as session:
        closed = close_year(session, 2026, at(2027, 1, 1, 0, 5))
    assert (closed.expired_households, closed.expired_points) == (2, 137)
    with read_session(engine) as session:
        hp1, hp2 = household(session, "HP0001"), household(session, "HP0002")
        assert balance(session, hp1.id, 2026) == balance(session, hp2.id, 2026) == 0
        expiry = session.exec(
            select(LedgerEntry).where(
                LedgerEntry.kind == "expiry", LedgerEntry.household_id == hp1.id
            )
        ).one()
        assert (expiry.points, expiry.points_year) == (-97, 2026)
        assert from_db(expiry.created_at) == at(2027, 1, 1, 0, 0) - timedelta(microseconds=1)
        # The yearly bonus lands in the new year, whose balance it starts.
        assert balance(session, hp1.id, 2027) == balance(session, hp2.id, 2027) == 500
        assert check_ledger(session).ok
    assert [(c, p, r, y) for c, p, r, y, _ in bonus_entries(engine)] == [
        ("HP0001", 500, "P14", 2027),
        ("HP0002", 500, "P14", 2027),
    ]


def test_december_monthly_bonus_is_credited_to_the_new_year(engine: Engine) -> None:
    setup_earnings(engine, at(2026, 12, 31, 23, 0), {"HP0001": 20})
    with write_session(engine) as session:
        close_month(session, 2026, 12, at(2027, 1, 1, 1))
    assert bonus_entries(engine) == [("HP0001", 50, "P15", 2027, at(2027, 1, 1, 0, 0))]


def test_an_entry_synced_after_the_close_is_expired_by_the_next_close(engine: Engine) -> None:
    setup_earnings(engine, at(2026, 6, 1), {"HP0001": 100})
    with write_session(engine) as session:
        close_year(session, 2026, at(2027, 1, 1, 8))
    # An offline kiosk's award of 31 December arrives with the sync on 3 January.
    setup_earnings(engine, at(2026, 12, 31, 18), {"HP0001": 10})
    with write_session(engine) as session:
        later = close_year(session, 2026, at(2027, 1, 3, 8))
    assert (later.expired_households, later.expired_points) == (1, 10)
    with read_session(engine) as session:
        assert balance(session, household(session, "HP0001").id, 2026) == 0
        assert check_ledger(session).ok


def test_households_above_the_village_average(engine: Engine) -> None:
    setup_earnings(engine, at(2027, 2, 10), {"HP0001": 100, "HP0002": 50, "HP0003": -2})
    with read_session(engine) as session:
        heping = village_by_name(session, "和平")
        result = honours(session, heping, year=2027, month=2)
        yearly = honours(session, heping, year=2027)
    # Eleven households take part in 和平 (HP0090 is away and did not opt in): 148 / 11.
    assert result.average == pytest.approx(148 / 11)
    assert result.above_average == [("HP0001", 100), ("HP0002", 50)]
    assert result.top == [("HP0001", 100), ("HP0002", 50)]
    assert (yearly.period, yearly.average) == ("2027", result.average)
    assert result.as_json()["average"] == 13.45
