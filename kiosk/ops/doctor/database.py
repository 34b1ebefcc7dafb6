"""The database checks: the file is a sound kiosk database, safe against power cuts, current, consistent."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kiosk.ops.doctor.findings import MAX_LISTED, Check, error_text, fail, mib, ok
from kiosk.ops.texts import EMPTY, say


def sqlite_path(db_url: str) -> Path | None:
    """The file of an SQLite URL; None for another database or an in-memory one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(db_url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).expanduser()


def check_not_sqlite(db_url: str) -> Check:
    """What is said of a database URL the doctor cannot look into."""
    return fail("database", say("database.not_sqlite_url", url=db_url))


def check_database(db_path: Path) -> Check:
    """The file is there, is SQLite, passes `PRAGMA integrity_check` and has the kiosk's tables."""
    from kiosk.ops.backup import KIOSK_TABLES, verify_database

    restore = say("database.restore")
    if not db_path.exists():
        return fail(
            "database", say("database.missing", path=db_path, restore=restore), path=str(db_path)
        )
    problems = verify_database(db_path, KIOSK_TABLES)
    size = db_path.stat().st_size if db_path.is_file() else 0
    if problems:
        if all(problem.startswith("missing table") for problem in problems):
            what = say("database.what.not_kiosk")
        elif problems[0].startswith("not an SQLite"):
            what = say("database.what.not_sqlite")
        else:
            what = say("database.what.damaged")
        said = say(
            "database.bad",
            what=what,
            listed="; ".join(problems[:MAX_LISTED]),
            restore=restore.capitalised(),
        )
        return fail("database", said, path=str(db_path), problems=problems)
    wal = Path(f"{db_path}-wal")
    return ok(
        "database",
        say("database.ok", path=db_path, size=mib(size)),
        path=str(db_path),
        bytes=size,
        wal_bytes=wal.stat().st_size if wal.exists() else 0,
    )


def check_journal(db_url: str) -> Check:
    """WAL with synchronous=FULL on a connection made the way the app makes its own."""
    from kiosk.core.db import make_engine

    # make_engine's connect hook is what sets these; reading them back through the same kind of
    # engine shows both that the hook runs and that this file system lets SQLite use WAL.
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            mode = str(connection.exec_driver_sql("PRAGMA journal_mode").scalar()).lower()
            synchronous = int(connection.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
    except Exception as error:
        text = error_text(error)
        return fail("journal", say("journal.cannot_open", error=text), error=text)
    finally:
        engine.dispose()
    # 2 is FULL, 3 EXTRA: both sync the WAL at every commit.
    if mode != "wal" or synchronous < 2:
        return fail(
            "journal",
            say("journal.unsafe", mode=mode, synchronous=synchronous),
            journal_mode=mode,
            synchronous=synchronous,
        )
    return ok("journal", say("journal.ok"), journal_mode=mode, synchronous=synchronous)


def check_migrations(db_url: str) -> Check:
    """The database's Alembic revision against the newest this program knows."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from kiosk.core.db import make_engine
    from kiosk.core.migrations import alembic_config, current_revision, head_revision

    engine = make_engine(db_url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    if current == head:
        return ok("migrations", say("migrations.ok", head=head), current=current, head=head)
    try:
        known = current is not None and (
            ScriptDirectory.from_config(alembic_config()).get_revision(current) is not None
        )
    except CommandError:
        known = False
    if current is not None and not known:
        said = say("migrations.newer", current=current, head=head)
    else:
        said = say("migrations.behind", current=current or say("migrations.none"), head=head)
    return fail("migrations", said, current=current, head=head)


def check_ledger_invariants(db_url: str, now: datetime) -> Check:
    """`kiosk check` over the whole ledger: its invariants, and the unsynced rows the
    central would refuse."""
    from kiosk.core.db import make_engine
    from sync.selfcheck import check_database

    engine = make_engine(db_url)
    try:
        report = check_database(engine, now)
    except Exception as error:
        text = error_text(error)
        return fail("ledger", say("ledger.unreadable", error=text), error=text)
    finally:
        engine.dispose()
    counts = report.counts
    if report.problems:
        said = say(
            "ledger.broken", count=len(report.problems), listed="; ".join(report.problems[:3])
        )
        return fail("ledger", said, problems=report.problems, counts=counts)
    notes = say("ledger.notes", count=len(report.notes)) if report.notes else EMPTY
    return ok(
        "ledger",
        say(
            "ledger.ok",
            entries=counts.get("entries", 0),
            orders=counts.get("orders", 0),
            notes=notes,
        ),
        counts=counts,
        notes=report.notes[:MAX_LISTED],
    )
