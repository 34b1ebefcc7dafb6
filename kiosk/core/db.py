"""Opening the database: engine settings for power cuts, migrations, and write transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

# Schema objects register on import; migrations compare against this metadata, which
# holds the central store's tables too (one schema for kiosks and the street office).
import kiosk.core.central_models
import kiosk.core.rollup_models  # noqa: F401
from kiosk.core import models  # noqa: F401
from kiosk.core.errors import BadInput


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # pysqlite's own transaction handling defers BEGIN and cannot take the write lock
        # up front; we issue BEGIN ourselves (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL + synchronous=FULL: a confirmed commit survives a power cut.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        # A writing service takes the write lock before it reads the balance it checks,
        # so two redemptions on one kiosk can never both pass the same check.
        statement = f"BEGIN {connection.get_execution_options().get('sqlite_begin', 'DEFERRED')}"
        # Straight to the driver: through exec_driver_sql this was ~11 µs of every session,
        # a sixth of a session's own cost. Its errors ("database is locked") are raised as
        # SQLAlchemy's, as exec_driver_sql raised them.
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as error:
            raise DBAPIError.instance(statement, None, error, sqlite3.Error) from error


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, pool_pre_ping=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_database(url: str, *, create: bool = True) -> Engine:
    """Open the database at `url`, bringing its schema up to date first.

    Kiosks in the field upgrade in place, so every start runs pending migrations.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not create:
        database = parsed.database or ""
        if database != ":memory:" and not Path(database).exists():
            raise BadInput("db.missing", path=database)
    engine = make_engine(url)
    from kiosk.core.migrations import upgrade_to_head

    upgrade_to_head(engine)
    return engine


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session for one service call that writes: commits on success, rolls back on error."""
    # A session-wide option reaches the connection before BEGIN (see _on_begin); an
    # engine.execution_options() copy per call did too, at ~16 µs a write.
    options = {"sqlite_begin": "IMMEDIATE"} if is_sqlite(engine) else {}
    with Session(engine, expire_on_commit=False, execution_options=options) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
