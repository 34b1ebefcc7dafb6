"""Property-based: any sequence of awards, monthly evaluations, disputes, corrections and
closes across a New Year keeps every ranking on earnings only, keeps each closed period's
bonuses on its top five, resets every closed year to zero, and keeps the ledger's invariants."""

from __future__ import annotations

import itertools
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from kiosk.core.awards import award
from kiosk.core.clock import from_db
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.disputes import raise_dispute, resolve_correct, resolve_uphold
from kiosk.core.errors import DomainError
from kiosk.core.evaluations import record_evaluation
from kiosk.core.invariants import check_ledger
from kiosk.core.ledger import balance
from kiosk.core.models import Household, LedgerEntry, Operator, Village
from kiosk.core.periods import close_month, close_year, earnings
from rules.engine import (
    EARNING_KINDS,
    month_key,
    points_year,
    start_of_month,
    start_of_next_month,
    start_of_year,
    top_five,
)
from rules.model import Standing
from tests.rules.scenario import HEPING, at

RULES = ("P01", "P02", "P03", "P08", "P09", "N01", "N03", "N11")
START = at(2027, 11, 20, 9)
LAST = at(2028, 3, 25, 18)  # the steps stay inside the old year's objection window
FINAL = at(2028, 4, 1, 4, 30)  # then March's close, which settles 2027 one last time
_examples = itertools.count()


@dataclass(frozen=True)
class Award:
    code: int
    rule: str
    qty: int
    helper: int | None


@dataclass(frozen=True)
class Dispute:
    pick: int  # which written entry (awards and bonuses alike)
    correct: bool  # correct it, or uphold it


@dataclass(frozen=True)
class Evaluate:
    standings: tuple[int, ...]  # per household of 和平: 0 off the lists, 1 red, 2 black
    last_month: bool  # the month before instead of this one


@dataclass(frozen=True)
class CloseMonth:
    pass


@dataclass(frozen=True)
class CloseYear:
    pass


@dataclass(frozen=True)
class Wait:
    days: int


operations = st.one_of(
    st.builds(
        Award,
        code=st.integers(0, len(HEPING) - 1),
        rule=st.sampled_from(RULES),
        qty=st.sampled_from((1, 1, 1, 2)),
        helper=st.none() | st.integers(0, len(HEPING) - 1),
    ),
    st.builds(Dispute, pick=st.integers(0, 10_000), correct=st.booleans()),
    st.builds(
        Evaluate,
        standings=st.tuples(*[st.sampled_from((0, 0, 1, 2))] * len(HEPING)),
        last_month=st.booleans(),
    ),
    st.just(CloseMonth()),
    st.just(CloseYear()),
    st.builds(Wait, days=st.integers(1, 25)),
)


def _household(session: Session, code: str) -> Household:
    return session.exec(select(Household).where(Household.code == code)).one()


def _apply(engine: Engine, op: object, now: datetime, written: list[str]) -> bool:
    """Run one operation; False when the domain refused it (and so wrote nothing)."""
    try:
        with write_session(engine) as session:
            admin = session.get(Operator, "admin-heping")
            assert admin is not None
            if isinstance(op, Award):
                result = award(
                    session,
                    household=_household(session, HEPING[op.code]),
                    rule_id=op.rule,
                    quantity=op.qty,
                    operator=admin,
                    now=now,
                    helper=_household(session, HEPING[op.helper])
                    if op.helper is not None
                    else None,
                )
                written += [entry.id for entry in result.entries]
            elif isinstance(op, Dispute):
                bonuses = session.exec(
                    select(LedgerEntry.id)
                    .join(Household, col(Household.id) == col(LedgerEntry.household_id))
                    .where(LedgerEntry.kind == "bonus", Household.village_id == "heping")
                ).all()
                candidates = written + sorted(bonuses)
                if not candidates:
                    return False
                raised = raise_dispute(
                    session,
                    entry_ref=candidates[op.pick % len(candidates)],
                    raised_by="邻居",
                    description="有误",
                    now=now,
                )
                decide = resolve_correct if op.correct else resolve_uphold
                decide(session, ref=raised.id, note="核实", operator=admin, now=now)
            elif isinstance(op, Evaluate):
                year, month = month_key(now)
                if op.last_month:
                    year, month = month_key(start_of_month(year, month) - timedelta(days=1))
                village = session.get(Village, "heping")
                assert village is not None
                record_evaluation(
                    session,
                    village=village,
                    year=year,
                    month=month,
                    standings=[
                        (_household(session, code), Standing.RED if s == 1 else Standing.BLACK)
                        for code, s in zip(HEPING, op.standings, strict=True)
                        if s
                    ],
                    operator=admin,
                    now=now,
                )
            elif isinstance(op, CloseMonth):
                year, month = month_key(now)
                previous = start_of_month(year, month) - timedelta(days=1)
                close_month(session, *month_key(previous), now)
            elif isinstance(op, CloseYear):
                close_year(session, points_year(now) - 1, now)
        event(f"{type(op).__name__} done")
        return True
    except DomainError as error:
        event(f"{type(op).__name__} refused: {error.key}")
        return False


def _oracle(
    session: Session, village_id: str
) -> tuple[dict[tuple[int, int], dict[str, int]], dict[int, dict[str, int]]]:
    """Earnings per month and per year, counted straight from the rows: deeds at their own
    time, a correction of a deed at the deed's time, nothing else."""
    ids = {
        h.id
        for h in session.exec(select(Household).where(Household.village_id == village_id))
        if h.takes_part
    }
    rows = {e.id: e for e in session.exec(select(LedgerEntry))}
    months: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(ids, 0))
    years: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ids, 0))
    for entry in rows.values():
        if entry.household_id not in ids:
            continue
        deed = entry
        if entry.kind == "correction":
            deed = rows[entry.reverses_id or ""]
        if deed.kind not in EARNING_KINDS:
            continue
        months[month_key(from_db(deed.created_at))][entry.household_id] += entry.points
        years[deed.points_year][entry.household_id] += entry.points
    return months, years


def _check(engine: Engine, closed_months: set[tuple[int, int]], closed_years: set[int]) -> None:
    with read_session(engine) as session:
        report = check_ledger(session)
        assert report.ok, report.problems
        village = session.get(Village, "heping")
        assert village is not None
        months, years = _oracle(session, village.id)
        codes = {
            h.id: h.code
            for h in session.exec(select(Household).where(Household.village_id == village.id))
        }
        for year, month in {(2027, 11), (2027, 12), (2028, 1), (2028, 2), (2028, 3), *months}:
            got = earnings(
                session,
                village.id,
                start=start_of_month(year, month),
                end=start_of_next_month(year, month),
            )
            assert got == months[(year, month)], (year, month)
        for year in {2027, 2028, *years}:
            assert earnings(session, village.id, year=year) == years[year], year
        # A closed period's live bonuses are its top five, less those taken back on dispute.
        for period, end, rule, earned in [
            *(
                (f"{y}-{m:02d}", start_of_next_month(y, m), "P15", months[(y, m)])
                for y, m in closed_months
            ),
            *((f"{y}", start_of_year(y + 1), "P14", years[y]) for y in closed_years),
        ]:
            paid = session.exec(
                select(LedgerEntry).where(
                    LedgerEntry.kind == "bonus",
                    LedgerEntry.rule_id == rule,
                    LedgerEntry.created_at == end,
                )
            ).all()
            corrections = {
                e.reverses_id: e
                for e in session.exec(select(LedgerEntry).where(LedgerEntry.kind == "correction"))
            }
            live = {
                codes[e.household_id]
                for e in paid
                if e.id not in corrections and e.household_id in codes
            }
            by_dispute = {
                codes[e.household_id]
                for e in paid
                if e.id in corrections and corrections[e.id].operator_id and e.household_id in codes
            }
            winners = {codes[h] for h, _ in top_five({h: p for h, p in earned.items()})}
            assert live == winners - by_dispute, period
        for year in closed_years:
            for household_id in codes:
                assert balance(session, household_id, year) == 0, (year, household_id)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=25))
def test_rankings_count_earnings_only_across_new_year(
    demo_template: Path, tmp_path: Path, ops: list[object]
) -> None:
    path = tmp_path / f"example-{next(_examples)}.db"
    for suffix in ("", ".card-key"):
        shutil.copyfile(f"{demo_template}{suffix}", f"{path}{suffix}")
    engine = open_database(f"sqlite:///{path}")
    try:
        now = START
        written: list[str] = []
        closed_months: set[tuple[int, int]] = set()
        closed_years: set[int] = set()
        for op in ops:
            if isinstance(op, Wait):
                now = min(now + timedelta(days=op.days), LAST)
                continue
            year, month = month_key(now)
            if _apply(engine, op, now, written):
                if isinstance(op, CloseMonth):
                    closed_months.add(month_key(start_of_month(year, month) - timedelta(days=1)))
                if isinstance(op, CloseYear):
                    closed_years.add(year - 1)
            now = min(now + timedelta(hours=5), LAST)
        # March's close, as the timer runs it on 1 April, settles 2027 again (its months, its
        # yearly bonus and its reset) and every closed month of 2028.
        if 2027 not in closed_years:
            assert _apply(engine, CloseYear(), FINAL, written)
            closed_years.add(2027)
        assert _apply(engine, CloseMonth(), FINAL, written)
        closed_months.add((2028, 3))
        _check(engine, closed_months, closed_years)
    finally:
        engine.dispose()
