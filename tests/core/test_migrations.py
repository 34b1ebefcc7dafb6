"""Migrations: an empty database upgraded to head has exactly the tables the models declare."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from kiosk.core.db import open_database
from kiosk.core.migrations import (
    current_revision,
    head_revision,
    quick_head_revision,
)


def _import_every_model_module() -> None:
    # Tables register on import; a module nobody imported would look like a dropped table.
    for package in ("kiosk.core", "sync"):
        if importlib.util.find_spec(package) is None:
            continue
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=package + "."):
            if info.name.endswith(("models", "model")):
                importlib.import_module(info.name)


def test_upgrading_an_empty_database_matches_the_models(tmp_path: Path) -> None:
    _import_every_model_module()
    engine = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, SQLModel.metadata)
        assert differences == [], "\n".join(str(d) for d in differences)
    finally:
        engine.dispose()


def test_opening_twice_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    first = open_database(url)
    tables = sorted(inspect(first).get_table_names())
    first.dispose()
    second = open_database(url)
    try:
        assert sorted(inspect(second).get_table_names()) == tables
        assert {"ledgerentry", "household", "redemptionorder", "alembic_version"} <= set(tables)
    finally:
        second.dispose()


@pytest.mark.parametrize("table", ["ledgerentry"])
def test_the_balance_index_covers_the_balance_sum(tmp_path: Path, table: str) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'plan.db'}")
    try:
        with engine.connect() as connection:
            plan = " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN SELECT coalesce(sum(points), 0) FROM {table} "
                    "WHERE household_id = 'x' AND points_year = 2026"
                )
            )
        assert "COVERING INDEX ix_ledgerentry_balance" in plan
    finally:
        engine.dispose()


# Revisions that have been released (on main when a stop landed): a database in the field may
# stand at any of them, so each keeps its number and its place in the chain for ever. A new
# migration takes the next number after the newest, never one of these.
RELEASED = {
    "0001": "0001_initial_schema",
    "0002": "0002_sync",
    "0003": "0003_administration",
    "0004": "0004_register",
    "0005": "0005_operator_pins",
    "0006": "0006_ruleset_proposals",
    "0007": "0007_sync_triggers_again",
    "0008": "0008_catalog_prices",
}


def test_released_revisions_keep_their_numbers_and_order() -> None:
    from alembic.script import ScriptDirectory

    from kiosk.core.migrations import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config(None))
    for revision, name in RELEASED.items():
        script = scripts.get_revision(revision)
        assert script is not None and Path(script.path).stem == name, revision
        previous = f"{int(revision) - 1:04d}" if revision != "0001" else None
        assert script.down_revision == previous, revision


def test_a_database_at_the_last_release_migrates_to_head(tmp_path: Path) -> None:
    from alembic import command

    from kiosk.core.migrations import alembic_config

    _import_every_model_module()
    engine = open_database(f"sqlite:///{tmp_path / 'released.db'}")
    try:
        config = alembic_config(engine)
        command.downgrade(config, max(RELEASED))
        assert current_revision(engine) == max(RELEASED)
        command.upgrade(config, "head")
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_the_quick_head_is_alembics_own() -> None:
    """The start-up check reads the head from the files as text; alembic must agree."""
    assert quick_head_revision() is not None
    assert quick_head_revision() == head_revision()


def test_a_database_at_head_opens_without_importing_alembic(tmp_path: Path) -> None:
    """A kiosk's every start: one version read, no alembic (with mako, pygments) imported;
    a new database is still made by alembic."""
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    open_database(url).dispose()  # made and migrated here
    probe = (
        "import sys\n"
        "from kiosk.core.db import open_database\n"
        f"engine = open_database({url!r})\n"
        "from kiosk.core.migrations import stored_revision\n"
        "print(stored_revision(engine), 'alembic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [head_revision(), "False"]
    fresh = f"sqlite:///{tmp_path / 'new.db'}"  # nothing recorded: alembic makes it
    result = subprocess.run(
        [sys.executable, "-c", probe.replace(repr(url), repr(fresh))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [head_revision(), "True"]
