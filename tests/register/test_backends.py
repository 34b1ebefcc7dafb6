"""The register on both databases the central runs on: the schema its migration makes matches
the models, and a roster imports, refuses and re-imports alike on SQLite and PostgreSQL."""

from __future__ import annotations

import random

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from tests.register.conftest import HEADER, STREET_ADMIN, Office, roster_rows


def test_the_migrated_schema_matches_the_models(any_office: Office) -> None:
    with any_office.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)

    assert differences == []


def test_a_roster_is_refused_then_imported_then_unchanged(
    any_office: Office, rng: random.Random
) -> None:
    rows = roster_rows(rng, 30, ["和平", "双丰", "三合", "水峰"])
    bad = [*rows[:10], ["和平", "1组", "", "", "本村", "否", ""], *rows[10:]]

    refused = any_office.run(
        "household",
        "import",
        str(any_office.roster([HEADER, *bad], "bad.csv")),
        "--operator",
        STREET_ADMIN,
        "--json",
    )
    assert refused.code == 2
    assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [(12, "户主")]
    assert any_office.state() == ([], 0)

    path = any_office.roster([HEADER, *rows], "roster.xlsx")
    first = any_office.run("household", "import", str(path), "--operator", STREET_ADMIN, "--json")
    assert first.code == 0 and len(first.json()["added"]) == 30
    codes = first.json()["added"]
    assert {c.rstrip("0123456789") for c in codes} <= {"HP", "SF", "SH", "SHF"}
    state = any_office.state()

    again = any_office.run("household", "import", str(path), "--operator", STREET_ADMIN, "--json")
    assert again.json()["unchanged"] == 30 and again.json()["added"] == []
    assert any_office.state() == state


def test_every_reference_table_keeps_its_sync_trigger(any_office: Office) -> None:
    """A change written by any service (a reissued card) must flow down: the trigger clears
    server_seq, on both databases, after every migration (SQLite rebuilds tables to add
    columns, which drops their triggers)."""
    tables = ("village", "exchangepoint", "household", "operator", "catalogitem", "rulesetrecord")
    with any_office.engine.connect() as connection:
        if any_office.engine.dialect.name == "sqlite":
            found = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).scalars()
        else:
            found = connection.execute(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            ).scalars()
        names = set(found)

    assert {f"{table}_sync_changed" for table in tables} <= names


def test_a_card_reissued_outside_the_register_is_stamped_again(any_office: Office) -> None:
    from kiosk.core.db import write_session
    from kiosk.core.households import household_by_code
    from sync.central import stamp_changes

    any_office.run(
        "household",
        "add",
        "--village",
        "和平",
        "--group",
        "1组",
        "--head",
        "甲乙",
        "--operator",
        STREET_ADMIN,
    )
    with write_session(any_office.engine) as session:
        stamp_changes(session)
    with write_session(any_office.engine) as session:
        household = household_by_code(session, "HP0001")
        household.card_version += 1
        session.add(household)
    with write_session(any_office.engine) as session:
        assert household_by_code(session, "HP0001").server_seq is None
