"""The rules' statements on PostgreSQL too (the central's database): the same scenario of
awards, a bonus taken back, a December entry corrected in January, closes that settle the
old year again and a month's evaluation gives the same figures as on SQLite.

Skipped where no PostgreSQL can be started (see tests/support/postgres.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.core.awards import award
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.disputes import raise_dispute, resolve_correct
from kiosk.core.evaluations import record_evaluation
from kiosk.core.invariants import check_ledger
from kiosk.core.ledger import balance
from kiosk.core.models import Household, Operator, Village
from kiosk.core.notice import build_notice, parse_quarter
from kiosk.core.periods import close_month, close_year, earnings
from kiosk.core.seed import seed_demo
from rules.engine import start_of_month, start_of_next_month
from rules.model import Standing
from tests.rules.scenario import SEEDED_AT, at
from tests.support.postgres import (
    PostgresUnavailable,
    create_database,
    drop_database,
    postgres_server,
)

CODES = ("HP0001", "HP0002", "HP0003")


def _seeded(url: str, key: Path) -> Engine:
    engine = open_database(url)
    with write_session(engine) as session:
        seed_demo(session, now=SEEDED_AT, households_per_village=3, signing_key_path=key)
    return engine


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    try:
        with postgres_server() as server:
            url = create_database(server)
            engine = _seeded(url, tmp_path_factory.mktemp("pg-key") / "card-key")
            yield engine
            engine.dispose()
            drop_database(server, url)
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


def _household(session: Session, code: str) -> Household:
    return session.exec(select(Household).where(Household.code == code)).one()


def _admin(session: Session) -> Operator:
    found = session.get(Operator, "admin-heping")
    assert found is not None
    return found


def _play(engine: Engine) -> dict[str, object]:
    with write_session(engine) as session:
        wrong = award(
            session, household=_household(session, "HP0001"), rule_id="P01", quantity=1,
            operator=_admin(session), now=at(2027, 12, 10),
        ).entries[0].id  # fmt: skip
        for code, qty in (("HP0002", 2), ("HP0003", 1)):
            award(session, household=_household(session, code), rule_id="P02", quantity=qty,
                  operator=_admin(session), now=at(2027, 12, 11))  # fmt: skip
    with write_session(engine) as session:
        close_month(session, 2027, 12, at(2028, 1, 1, 4, 30))
        close_year(session, 2027, at(2028, 1, 1, 5, 30))
    with write_session(engine) as session:
        raised = raise_dispute(session, entry_ref=wrong, raised_by="邻居", description="并无此事",
                               now=at(2028, 1, 10))  # fmt: skip
        resolve_correct(session, ref=raised.id, note="核实后更正", operator=_admin(session),
                        now=at(2028, 1, 12))  # fmt: skip
    with write_session(engine) as session:
        record_evaluation(
            session, village=_village(session), year=2028, month=1,
            standings=[(_household(session, "HP0002"), Standing.RED),
                       (_household(session, "HP0003"), Standing.BLACK)],
            operator=_admin(session), now=at(2028, 1, 30),
        )  # fmt: skip
    with write_session(engine) as session:
        changes = close_month(session, 2028, 1, at(2028, 2, 1, 4, 30)).changes
    with read_session(engine) as session:
        village = _village(session)
        codes = {h.id: h.code for h in session.exec(select(Household))}

        def by_code(earned: dict[str, int]) -> dict[str, int]:
            return {codes[h]: p for h, p in earned.items() if codes[h] in CODES}

        notice = build_notice(session, village, parse_quarter("2027Q4"), at(2028, 2, 2))
        assert check_ledger(session).ok
        return {
            "december": by_code(
                earnings(
                    session,
                    village.id,
                    start=start_of_month(2027, 12),
                    end=start_of_next_month(2027, 12),
                )
            ),
            "2027": by_code(earnings(session, village.id, year=2027)),
            "2028": by_code(earnings(session, village.id, year=2028)),
            "changes": sorted((c.period, c.household_code, c.points) for c in changes),
            "notice": [(r.code, r.earned_quarter, r.balance) for r in notice.rows],
            "average": round(notice.village_average, 2),
            "balances": {
                code: (
                    balance(session, _household(session, code).id, 2027),
                    balance(session, _household(session, code).id, 2028),
                )
                for code in CODES
            },
        }


def _village(session: Session) -> Village:
    found = session.get(Village, "heping")
    assert found is not None
    return found


def test_the_rules_give_the_same_figures_on_postgresql(pg: Engine, tmp_path: Path) -> None:
    sqlite = _seeded(f"sqlite:///{tmp_path / 'kiosk.db'}", tmp_path / "card-key")
    try:
        on_sqlite = _play(sqlite)
    finally:
        sqlite.dispose()
    assert on_sqlite["december"] == {"HP0001": 0, "HP0002": 40, "HP0003": 20}
    assert on_sqlite["2028"] == {"HP0001": 0, "HP0002": 20, "HP0003": 0}
    assert _play(pg) == on_sqlite
