"""The overview's trigger-kept figures: counted in by the migration for rows already
recorded, on SQLite and PostgreSQL, and a figure that differs from the records is a problem
`kiosk check` names."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine

from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.invariants import check_ledger
from kiosk.core.migrations import alembic_config, current_revision, head_revision
from kiosk.core.overview import office_overview
from kiosk.core.rollups import rebuild_rollups, rollup_differences
from tests.core.test_overview import NOW, Q4, make_quarter
from tests.support.postgres import (
    PostgresUnavailable,
    create_database,
    drop_database,
    postgres_server,
)
from tests.support.worlds import fill_fulfilment

pytestmark = pytest.mark.world("fulfilment")


def _migrated_again(engine: Engine) -> None:
    """Back to the schema before the rollups, then forward: the upgrade counts in every
    record already there."""
    config = alembic_config(engine)
    command.downgrade(config, "0014")
    with engine.connect() as connection:
        tables = connection.exec_driver_sql(
            "SELECT count(*) FROM information_schema.tables WHERE substr(table_name, 1, 7) = 'rollup_'"
            if engine.dialect.name == "postgresql"
            else "SELECT count(*) FROM sqlite_master WHERE substr(name, 1, 7) = 'rollup_'"
        ).scalar_one()
    assert tables == 0
    command.upgrade(config, "head")
    assert current_revision(engine) == head_revision()


def _backfill_agrees(engine: Engine, tmp_path: Path) -> None:
    make_quarter(engine, tmp_path)
    with read_session(engine) as session:
        expected = office_overview(session, Q4, NOW)
    _migrated_again(engine)
    with read_session(engine) as session:
        assert rollup_differences(session) == []
        assert office_overview(session, Q4, NOW) == expected
    # Not an empty agreement: the quarter's figures are there.
    heping = next(v for v in expected.villages if v.village_id == "heping")
    assert (heping.taking_part, heping.earning) == (3, 2)


def test_the_migration_counts_in_what_is_recorded_sqlite(engine: Engine, tmp_path: Path) -> None:
    _backfill_agrees(engine, tmp_path)


def test_the_migration_counts_in_what_is_recorded_postgresql(tmp_path: Path) -> None:
    try:
        with postgres_server() as server:
            url = create_database(server)
            central = open_database(url)
            try:
                fill_fulfilment(central, tmp_path / "pg.card-key")
                _backfill_agrees(central, tmp_path)
            finally:
                central.dispose()
                drop_database(server, url)
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


def _move_household(engine: Engine, tmp_path: Path) -> None:
    """No service moves a household to another village, but a kiosk's pull writes whatever
    the central sends: its flows, earning and taking part go along with it."""
    make_quarter(engine, tmp_path)
    with write_session(engine) as session:
        session.execute(text("UPDATE household SET village_id = 'xizige' WHERE code = 'HP0002'"))
    with read_session(engine) as session:
        assert rollup_differences(session) == []
        moved = {v.village_id: v for v in office_overview(session, Q4, NOW).villages}
    # HP0002 earned 2000 and 10 in the quarter and redeemed: 和平 keeps HP0001 and HP0003.
    assert (moved["heping"].taking_part, moved["heping"].earning) == (2, 1)
    assert (moved["xizige"].taking_part, moved["xizige"].earning) == (2, 2)
    assert moved["xizige"].months[0].awarded == 10  # its October, the 4 taken back


def test_a_household_moving_village_takes_its_figures_sqlite(
    engine: Engine, tmp_path: Path
) -> None:
    _move_household(engine, tmp_path)


def test_a_household_moving_village_takes_its_figures_postgresql(tmp_path: Path) -> None:
    try:
        with postgres_server() as server:
            url = create_database(server)
            central = open_database(url)
            try:
                fill_fulfilment(central, tmp_path / "pg.card-key")
                _move_household(central, tmp_path)
            finally:
                central.dispose()
                drop_database(server, url)
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


def test_a_kept_figure_that_differs_from_the_records_is_a_problem(
    engine: Engine, tmp_path: Path
) -> None:
    make_quarter(engine, tmp_path)
    with read_session(engine) as session:
        assert check_ledger(session).ok
    with write_session(engine) as session:
        session.execute(
            text(
                "UPDATE rollup_village_month SET awarded = awarded + 1 "
                "WHERE village_id = 'heping' AND month = '2026-11'"
            )
        )
        session.execute(text("DELETE FROM rollup_open_line"))
    with read_session(engine) as session:
        problems = check_ledger(session).problems
    # The month changed by hand, and the two lines still owed (牙膏 overdue, 电饭煲 not due).
    assert len(problems) == 3, problems
    assert (
        "rollup_village_month heping/2026-11: kept (4001, 0, 3), the records give (4000, 0, 3)"
        in (problems[0])
    )
    assert all(p.startswith("overview figures rollup_open_line ") for p in problems[1:])
    with write_session(engine) as session:
        rebuild_rollups(session)
    with read_session(engine) as session:
        assert rollup_differences(session) == []
