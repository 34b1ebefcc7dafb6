"""Alembic migrations of the kiosk and central schema, run in place on every start."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent
_REVISION = re.compile(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"^down_revision(?:: str \| None)? = (?:None|['\"]([^'\"]+)['\"])", re.MULTILINE
)


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


@cache
def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Apply pending migrations; a database already at head costs one small query.

    The check reads the stored version and the newest migration file's without importing
    alembic (with mako and pygments, ~130 ms of a kiosk's start, a quarter of it); alembic
    is imported only when there is something to do, or when the files cannot be read
    plainly (then it decides).
    """
    head = quick_head_revision()
    if head is not None and stored_revision(engine) == head:
        return
    if head is None and current_revision(engine) == head_revision():
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


@cache
def quick_head_revision() -> str | None:
    """The head as the migration files name it (`revision`, `down_revision`), read as text;
    None unless there is exactly one (alembic's own `head_revision` then decides)."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            downs.add(down.group(1))
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def stored_revision(engine: Engine) -> str | None:
    """The version alembic recorded in the database; None when it recorded none (a new
    database) or more than one."""
    with engine.connect() as connection:
        try:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except DBAPIError:
            return None  # no alembic_version table yet
    return str(rows[0][0]) if len(rows) == 1 else None
