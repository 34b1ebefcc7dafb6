"""The database checks on real SQLite files: healthy, corrupted, behind on migrations, broken ledger."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

from kiosk.core.db import make_engine, write_session
from kiosk.core.ledger import append_entry, meta_set
from kiosk.core.migrations import head_revision
from kiosk.core.models import Household
from kiosk.ops.doctor import (
    Status,
    check_database,
    check_journal,
    check_ledger_invariants,
    check_migrations,
    read_sync_facts,
)
from tests.support.builders import url
from tests.support.worlds import DOCTOR_NOW as NOW

pytestmark = pytest.mark.world("doctor")


def test_a_healthy_demo_database_passes(db_path: Path) -> None:
    for check in (
        check_database(db_path),
        check_journal(url(db_path)),
        check_migrations(url(db_path)),
        check_ledger_invariants(url(db_path), NOW),
    ):
        assert check.status is Status.OK, check
    assert check_ledger_invariants(url(db_path), NOW).detail["counts"]["entries"] > 0


def test_the_database_size_is_in_mib_in_both_languages(db_path: Path) -> None:
    check = check_database(db_path)
    size = f"{db_path.stat().st_size / 1024**2:.0f} MiB"
    assert size in check.message_zh and size in check.message_en, check
    assert " MB" not in check.message_zh + check.message_en


def test_the_journal_is_checked_through_the_apps_own_engine(db_path: Path) -> None:
    # A file left in rollback-journal mode by another program: the app's engine switches it
    # to WAL on connect, and that is what the check sees.
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.close()
    check = check_journal(url(db_path))
    assert check.status is Status.OK
    assert check.detail == {"journal_mode": "wal", "synchronous": 2}


def test_a_corrupted_database_fails_naming_the_problem(db_path: Path) -> None:
    size = db_path.stat().st_size
    with db_path.open("r+b") as handle:
        # Garbage over whole pages in the middle of the file, past the schema page.
        handle.seek(size // 2 // 4096 * 4096)
        handle.write(b"\xa5\x5a" * 8192)
    check = check_database(db_path)
    assert check.status is Status.FAIL
    problems = " ".join(check.detail["problems"]).lower()
    assert "page" in problems or "malformed" in problems, problems
    assert "is damaged" in check.message_en and "已损坏" in check.message_zh
    assert "kiosk restore" in check.message_zh and "kiosk restore" in check.message_en
    assert problems.split(";")[0][:20] in check.message_en.lower()


def test_a_file_that_is_not_sqlite_fails(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    path.write_bytes(b"this is not a database" * 100)
    check = check_database(path)
    assert check.status is Status.FAIL
    assert "is not an SQLite database file" in check.message_en


def test_a_missing_database_fails_without_being_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "kiosk.db"
    check = check_database(path)
    assert check.status is Status.FAIL
    assert str(path) in check.message_en
    assert not path.parent.exists()


def test_a_database_behind_on_migrations_is_named(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    connection.execute("UPDATE alembic_version SET version_num = '0002'")
    connection.commit()
    connection.close()
    check = check_migrations(url(db_path))
    assert check.status is Status.FAIL
    assert check.detail == {"current": "0002", "head": head_revision()}
    assert "0002" in check.message_en and "kiosk migrate" in check.message_en
    assert "0002" in check.message_zh


def test_a_database_newer_than_the_program_is_named(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    check = check_migrations(url(db_path))
    assert check.status is Status.FAIL
    assert "newer than this program" in check.message_en


def test_a_ledger_breaking_its_invariants_fails(db_path: Path) -> None:
    engine = make_engine(url(db_path))
    with write_session(engine) as session:
        household = session.exec(select(Household)).first()
        assert household is not None
        # A redemption that adds points cannot come from the services.
        append_entry(
            session,
            household_id=household.id,
            points=5,
            kind="redemption",
            at=NOW,
            origin="K-HP-01",
        )
    engine.dispose()
    check = check_ledger_invariants(url(db_path), NOW)
    assert check.status is Status.FAIL
    assert "a redemption adds points" in check.message_en
    assert "kiosk check" in check.message_zh


def test_sync_facts_read_the_kiosks_own_newest_entry_and_last_sync(db_path: Path) -> None:
    engine = make_engine(url(db_path))
    with write_session(engine) as session:
        household = session.exec(select(Household)).first()
        assert household is not None
        append_entry(
            session, household_id=household.id, points=3, kind="award", at=NOW, origin="K-HP-01"
        )
        # Another kiosk's clock runs ahead: its entries must not count against this one.
        append_entry(
            session,
            household_id=household.id,
            points=3,
            kind="award",
            at=NOW.replace(year=2030),
            origin="K-SF-01",
        )
        meta_set(session, "sync.last_sync_at", "2027-03-09T18:40:00+00:00")
    engine.dispose()
    facts = read_sync_facts(url(db_path))
    assert facts.origin == "K-HP-01"
    assert facts.newest_own_entry_at == NOW
    assert facts.last_sync_at is not None and facts.last_sync_at.isoformat() == (
        "2027-03-09T18:40:00+00:00"
    )
    assert facts.server_time is None and facts.last_result is None
