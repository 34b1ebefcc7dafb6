"""Engine settings the services rely on: the write lock taken at BEGIN, and its errors."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from kiosk.core.db import make_engine
from tests.support.worlds import Db


def test_a_held_write_lock_is_an_sqlalchemy_error(db: Db) -> None:
    """BEGIN goes straight to the driver; its failure still surfaces as SQLAlchemy's
    OperationalError, as it did through exec_driver_sql."""
    engine = make_engine(db.url)
    blocker = sqlite3.connect(db.path, isolation_level=None)
    try:
        with engine.connect() as connection:
            connection.connection.driver_connection.execute("PRAGMA busy_timeout=0")
            blocker.execute("BEGIN IMMEDIATE")
            writer = connection.execution_options(sqlite_begin="IMMEDIATE")
            with pytest.raises(OperationalError, match="database is locked"):
                writer.begin()
            blocker.execute("ROLLBACK")
            with writer.begin():
                assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        blocker.close()
        engine.dispose()


def test_a_write_session_holds_the_write_lock_from_its_first_statement(db: Db) -> None:
    """BEGIN IMMEDIATE: the lock is taken before the balance is read, so no other writer can
    slip in between a check and the insert it allows."""
    from kiosk.core.db import write_session
    from kiosk.core.ledger import balance

    engine = make_engine(db.url)
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("PRAGMA busy_timeout=0")
    try:
        with write_session(engine) as session:
            balance(session, "nobody", 2026)  # a read only
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again after the commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()
