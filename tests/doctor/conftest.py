"""Fixtures of the doctor tests: a small demo database built once, copied for every test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.core.clock import SHANGHAI
from kiosk.core.db import open_database, write_session
from kiosk.core.seed import seed_demo

# The clock every doctor database was made at.
NOW = datetime(2027, 3, 10, 10, 0, tzinfo=SHANGHAI)


def url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "kiosk.db"
    engine = open_database(url(path))
    with write_session(engine) as session:
        seed_demo(session, now=NOW, households_per_village=2)
    # Closing the last connection checkpoints the WAL, so the one file is the whole database.
    engine.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "db" / "kiosk.db"
    path.parent.mkdir()
    shutil.copyfile(demo_template, path)
    yield path
