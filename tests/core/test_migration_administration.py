"""Migration 0003 creates exactly the declaration and dispute tables (and their decisions) of
the models, constraints included, and downgrades and upgrades again cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect
from sqlmodel import SQLModel

from kiosk.core.db import make_engine, open_database
from kiosk.core.migrations import alembic_config, current_revision

pytestmark = pytest.mark.world("admin")

ADMINISTRATION_TABLES = {"declaration", "declarationdecision", "dispute", "disputeresolution"}


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return [diff for diff in found if any(table in repr(diff) for table in ADMINISTRATION_TABLES)]


def test_migrated_administration_tables_equal_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    open_database(url).dispose()
    assert _differences(url) == []


def test_downgrade_to_0002_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    engine = open_database(url)
    config = alembic_config(engine)

    command.downgrade(config, "0002")
    assert current_revision(engine) == "0002"
    assert not ADMINISTRATION_TABLES & set(inspect(engine).get_table_names())

    command.upgrade(config, "head")
    assert set(inspect(engine).get_table_names()) >= ADMINISTRATION_TABLES
    engine.dispose()
    assert _differences(url) == []


def test_migrated_check_constraints_equal_the_models(tmp_path: Path) -> None:
    """compare_metadata leaves CHECK constraints out; the decisions' outcomes rest on them."""
    engine = open_database(f"sqlite:///{tmp_path / 'checks.db'}")
    inspector = inspect(engine)
    migrated = {
        table: {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table)}
        for table in ADMINISTRATION_TABLES
    }
    engine.dispose()
    declared = {
        table: {
            str(c.name): str(c.sqltext)
            for c in SQLModel.metadata.tables[table].constraints
            if isinstance(c, CheckConstraint)
        }
        for table in ADMINISTRATION_TABLES
    }
    assert migrated == declared
    assert set(declared["declarationdecision"]) == {"ck_declarationdecision_outcome"}
    assert set(declared["disputeresolution"]) == {"ck_disputeresolution_outcome"}
