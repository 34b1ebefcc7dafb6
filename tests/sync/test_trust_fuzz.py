"""Hypothesis against the trust boundary: an honest push (tests/sync/test_trust_boundary.py's
next chunk) with any one field of any row changed to any other value of its type, pushed
over real HTTP to SQLite and PostgreSQL centrals. Either the central takes it in as a row an
honest kiosk could have written, and then its books still balance, or it refuses it with
nothing applied; never a 5xx. STRESS_EXAMPLES=N runs N examples by hand."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.db import open_database, read_session
from kiosk.core.invariants import check_ledger
from sync.protocol import _CODECS
from tests.stress.budget import examples
from tests.support.postgres import create_database, drop_database
from tests.sync.harness import Central, copy_file
from tests.sync.test_trust_boundary import World, _build, books, push

build_world = contextmanager(_build)


class Arena:
    """A world to push into, built again only after a push was taken in (which spends it)."""

    def __init__(self, request: pytest.FixtureRequest, factory: pytest.TempPathFactory) -> None:
        self.request = request
        self.factory = factory
        self.kind: str = request.param
        self.stack = ExitStack()
        self.current: World | None = None

    def world(self) -> World:
        if self.current is None:
            self.current = self.stack.enter_context(build_world(self._central(), self._dir()))
        return self.current

    def spent(self) -> None:
        self.stack.close()
        self.stack = ExitStack()
        self.current = None

    def _dir(self) -> Path:
        return self.factory.mktemp("fuzz")

    def _central(self) -> Central:
        if self.kind == "sqlite":
            template: Path = self.request.getfixturevalue("sqlite_template")
            url = f"sqlite:///{copy_file(template, self._dir() / 'central.db')}"
        else:
            server: str = self.request.getfixturevalue("pg_server")
            name: str = self.request.getfixturevalue("pg_template")
            url = create_database(server, template=name)
            self.stack.callback(drop_database, server, url)
        engine = open_database(url)
        self.stack.callback(engine.dispose)
        return Central(url, engine, self.kind)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def arena(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Arena]:
    holder = Arena(request, tmp_path_factory)
    yield holder
    holder.spent()


def _near(value: Any) -> st.SearchStrategy[Any]:
    """Other values of the same type: near the original (what a subtle forgery changes)
    or anywhere in the type's range."""
    if isinstance(value, bool):
        return st.just(not value)
    if isinstance(value, int):
        return st.integers(-3, 3).map(lambda d: value + d) | st.integers(-(2**31), 2**31 - 1)
    return st.nothing()


def _other_value(value: Any, world: World) -> st.SearchStrategy[Any]:
    ids = [
        row["id"]
        for rows in world.fresh["rows"].values()
        for row in rows
        if isinstance(row.get("id"), str)
    ] + list(world.earlier.values())
    if isinstance(value, int):  # bool too
        return _near(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return st.timedeltas(timedelta(days=-400), timedelta(days=400)).map(
                lambda d: (moment + d).isoformat()
            )
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
        if day is not None:
            return st.integers(-400, 400).map(lambda d: (day + timedelta(days=d)).isoformat())
        return (
            st.sampled_from(ids)
            | st.text(max_size=40)
            | st.sampled_from(
                [
                    "award",
                    "redemption",
                    "refund",
                    "correction",
                    "shop-heping",
                    "admin-xizige",
                    "P01",
                ]
            )
        )
    if isinstance(value, list):
        return st.lists(st.sampled_from(ids) | st.text(max_size=12), max_size=3)
    return st.nothing()


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_one_field_changed_is_taken_in_honestly_or_refused_whole(
    arena: Arena, data: st.DataObject
) -> None:
    world = arena.world()
    payload = copy.deepcopy(world.fresh)
    cells = [
        (table, index, column)
        for table, rows in payload["rows"].items()
        for index, row in enumerate(rows)
        for column in sorted(row)
    ]
    table, index, column = data.draw(st.sampled_from(cells), label="cell")
    row = payload["rows"][table][index]
    nullable = next(n for name, n, _codec in _CODECS[table] if name == column)
    choices = _other_value(row[column], world)
    if nullable and row[column] is not None:
        choices = choices | st.none()
    value = data.draw(choices.filter(lambda v: v != row[column]), label="value")
    row[column] = value

    before = books(world.central.engine)
    response = push(world, payload)
    assert response.status_code < 500, response.text[:500]
    if response.status_code == 200:
        # Taken in as what an honest kiosk could write: the books balance all the same.
        with read_session(world.central.engine) as session:
            report = check_ledger(session)
        arena.spent()
        assert report.ok, (table, column, value, report.problems)
        return
    assert 400 <= response.status_code < 500
    assert books(world.central.engine) == before, (table, column, value)
