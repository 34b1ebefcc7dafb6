"""Declarations and disputes are insert-only like every record: deciding one adds a decision
row and never changes a row already written, which is what lets the sync carry them."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from kiosk.core.awards import award
from kiosk.core.db import write_session
from kiosk.core.declarations import approve, file_declaration, reject
from kiosk.core.disputes import raise_dispute, resolve_correct, resolve_uphold
from kiosk.core.errors import Refused
from tests.support.builders import household, operator
from tests.support.clock import at
from tests.support.worlds import Db

pytestmark = pytest.mark.world("admin")

RECORDED = ("declaration", "declarationdecision", "dispute", "disputeresolution")


def rows(path: Path) -> dict[str, set[tuple[object, ...]]]:
    """Every row of the four tables, as the file holds them."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return {
            table: set(connection.execute(f"SELECT * FROM {table}").fetchall())
            for table in RECORDED
        }


def forbid_changes(path: Path) -> None:
    """Triggers that make any UPDATE or DELETE of the four tables fail the statement."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        for table in RECORDED:
            for action in ("UPDATE", "DELETE"):
                connection.execute(
                    f"CREATE TRIGGER forbid_{action.lower()}_{table} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{action} of {table}'); END"
                )
        connection.commit()


def evidence_photo(db: Db) -> Path:
    """A self-declaration needs a photo (并上传照片等相关证据)."""
    path = db.path.parent / "deed.png"
    Image.new("RGB", (8, 8), (0, 120, 0)).save(path)
    return path


def test_deciding_adds_rows_and_changes_none(engine: Engine, db: Db) -> None:
    forbid_changes(db.path)
    with write_session(engine) as session:
        admin = operator(session, "admin-heping")
        filed = [
            file_declaration(
                session,
                household=household(session, code),
                rule_id="P08",
                quantity=1,
                description="清扫村道",
                now=at(2026, 11, 10),
                photos=[evidence_photo(db)],
                evidence_dir=db.evidence_dir,
            ).id
            for code in ("HP0001", "HP0002")
        ]
        awarded = [
            award(
                session,
                household=household(session, code),
                rule_id="P03",
                quantity=1,
                operator=admin,
                now=at(2026, 11, 11),
            ).entries[0]
            for code in ("HP0003", "HP0004")
        ]
        raised = [
            raise_dispute(
                session,
                entry_ref=entry.id,
                raised_by="户主",
                description="不是我家",
                now=at(2026, 11, 12),
            ).id
            for entry in awarded
        ]
    before = rows(db.path)
    assert [len(before[t]) for t in RECORDED] == [2, 0, 2, 0]

    with write_session(engine) as session:
        admin = operator(session, "admin-heping")
        approve(session, ref=filed[0], operator=admin, now=at(2026, 11, 13))
        reject(session, ref=filed[1], reason="没有照片", operator=admin, now=at(2026, 11, 13))
        resolve_uphold(session, ref=raised[0], note="属实", operator=admin, now=at(2026, 11, 13))
        resolve_correct(session, ref=raised[1], note="记错了", operator=admin, now=at(2026, 11, 13))
    decided = rows(db.path)
    # Approving again replays; a second decision of any kind is refused. Neither writes.
    with write_session(engine) as session:
        admin = operator(session, "admin-heping")
        assert approve(session, ref=filed[0], operator=admin, now=at(2026, 11, 14)).replayed
    for second_decision in (
        lambda s: reject(s, ref=filed[0], reason="改主意", operator=admin, now=at(2026, 11, 14)),
        lambda s: approve(s, ref=filed[1], operator=admin, now=at(2026, 11, 14)),
        lambda s: resolve_correct(
            s, ref=raised[0], note="再议", operator=admin, now=at(2026, 11, 14)
        ),
        lambda s: resolve_uphold(
            s, ref=raised[1], note="再议", operator=admin, now=at(2026, 11, 14)
        ),
    ):
        with pytest.raises(Refused), write_session(engine) as session:
            second_decision(session)
    after = rows(db.path)

    assert after == decided
    for table in ("declaration", "dispute"):
        assert after[table] == before[table], f"a {table} row changed"
    assert (len(after["declarationdecision"]), len(after["disputeresolution"])) == (2, 2)


@pytest.mark.parametrize(
    ("table", "values"),
    [
        ("declarationdecision", ("approved", "rejected")),
        ("disputeresolution", ("upheld", "corrected")),
    ],
)
def test_the_database_refuses_a_second_decision_row(
    engine: Engine, db: Db, table: str, values: tuple[str, str]
) -> None:
    """The unique key holds even for a writer that skips the services' check (a sync
    applying rows, a hand-made fix): one decision per declaration or dispute."""
    with write_session(engine) as session:
        admin = operator(session, "admin-heping")
        entry = award(
            session,
            household=household(session, "HP0001"),
            rule_id="P03",
            quantity=1,
            operator=admin,
            now=at(2026, 11, 11),
        ).entries[0]
        if table == "declarationdecision":
            subject = file_declaration(
                session,
                household=household(session, "HP0002"),
                rule_id="P08",
                quantity=1,
                description="清扫村道",
                now=at(2026, 11, 10),
                photos=[evidence_photo(db)],
                evidence_dir=db.evidence_dir,
            ).id
            reject(session, ref=subject, reason="没有照片", operator=admin, now=at(2026, 11, 13))
            columns = "declaration_id, outcome, entry_ids"
            second = (subject, values[0], "[]")
        else:
            subject = raise_dispute(
                session,
                entry_ref=entry.id,
                raised_by="户主",
                description="不对",
                now=at(2026, 11, 12),
            ).id
            resolve_uphold(session, ref=subject, note="属实", operator=admin, now=at(2026, 11, 13))
            columns = "dispute_id, outcome, note"
            second = (subject, values[0], "再议")
    with (
        contextlib.closing(sqlite3.connect(db.path)) as connection,
        pytest.raises(sqlite3.IntegrityError, match="UNIQUE"),
    ):
        connection.execute(
            f"INSERT INTO {table} (id, {columns}, decided_by, decided_at, origin, origin_seq) "
            "VALUES ('second', ?, ?, ?, 'admin-heping', '2026-11-13 02:00:00', 'K-HP-01', 999)",
            second,
        )
