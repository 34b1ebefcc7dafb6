"""Fixtures of the sync tests: a real PostgreSQL (throw-away) and SQLite central stores,
a live uvicorn serving each, and kiosks bootstrapped from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import (
    PostgresUnavailable,
    create_database,
    drop_database,
    postgres_server,
)
from tests.sync.harness import Central, Clock, LiveServer, copy_file, seed_central


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> Iterator[str]:
    """A seeded central database that each test copies (CREATE DATABASE ... TEMPLATE)."""
    from sqlalchemy.engine import make_url

    url = create_database(pg_server)
    seed_central(url)
    yield str(make_url(url).database)
    drop_database(pg_server, url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("central-template") / "central.db"
    seed_central(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    """A fresh seeded central store, once on SQLite and once on PostgreSQL."""
    from kiosk.core.db import open_database

    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = copy_file(template, tmp_path / "central.db")
        url = f"sqlite:///{path}"
        engine = open_database(url)
        yield Central(url, engine, "sqlite")
        engine.dispose()
        return
    server: str = request.getfixturevalue("pg_server")
    name: str = request.getfixturevalue("pg_template")
    url = create_database(server, template=name)
    engine = open_database(url)
    yield Central(url, engine, "postgresql")
    engine.dispose()
    drop_database(server, url)


@pytest.fixture
def sqlite_central(tmp_path: Path, sqlite_template: Path) -> Iterator[Central]:
    """The SQLite central alone, for tests of logic that does not depend on the database."""
    from kiosk.core.db import open_database

    path = copy_file(sqlite_template, tmp_path / "central.db")
    engine = open_database(f"sqlite:///{path}")
    yield Central(f"sqlite:///{path}", engine, "sqlite")
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(central: Central, clock: Clock) -> Iterator[LiveServer]:
    live = LiveServer(central.engine, clock)
    yield live
    live.stop()
