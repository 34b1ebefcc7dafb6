"""The demo database: made and seeded on first use, for `kiosk demo` and a try-out."""

from __future__ import annotations

from pathlib import Path

DEMO_HOUSEHOLDS_PER_VILLAGE = 20


def demo_dir() -> Path:
    """Where the demo lives when no directory is given: the user's data directory."""
    from kiosk.settings import user_data_path

    return user_data_path() / "demo"


def ensure_demo(directory: Path, *, fresh: bool = False) -> tuple[str, Path, bool]:
    """The demo database URL and printer file under `directory`; seeds it on first use.

    Returns (url, printer file, made now). The card-signing key lies beside the database,
    so the demo can mint the payloads a scanner would type.
    """
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from kiosk.core.clock import now
    from kiosk.core.db import open_database, write_session
    from kiosk.core.seed import database_is_empty, seed_demo

    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "kiosk-demo.db"
    if fresh:
        for leftover in directory.glob("kiosk-demo.db*"):
            leftover.unlink()
    url = f"sqlite:///{database}"
    try:
        engine = open_database(url)
    except (SQLAlchemyError, CommandError):
        # A demo left by another version of the program that this one cannot bring up to
        # date (or a damaged file): it holds only demo data, so it is made again.
        for leftover in directory.glob("kiosk-demo.db*"):
            leftover.unlink()
        engine = open_database(url)
    made = False
    with write_session(engine) as session:
        if database_is_empty(session):
            seed_demo(
                session,
                now=now(),
                households_per_village=DEMO_HOUSEHOLDS_PER_VILLAGE,
                signing_key_path=Path(f"{database}.card-key"),
                url=url,
            )
            made = True
    engine.dispose()
    return url, directory / "printer.escpos", made
