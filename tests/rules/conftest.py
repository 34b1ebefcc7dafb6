"""Fixtures of the rules scenarios: a private copy of a demo database per test, with the CLI
pointed at it (see tests/rules/scenario.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.core.db import open_database, write_session
from kiosk.core.seed import seed_demo
from tests.rules.scenario import HOUSEHOLDS_PER_VILLAGE, SEEDED_AT, Demo


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rules-template") / "demo.db"
    engine = open_database(f"sqlite:///{path}")
    with write_session(engine) as session:
        seed_demo(
            session,
            now=SEEDED_AT,
            households_per_village=HOUSEHOLDS_PER_VILLAGE,
            signing_key_path=Path(f"{path}.card-key"),
        )
    engine.dispose()  # checkpoints the WAL: the file alone is the database
    return path


@pytest.fixture
def demo(
    demo_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Demo]:
    target = tmp_path / "kiosk.db"
    for suffix in ("", ".card-key"):
        shutil.copyfile(f"{demo_template}{suffix}", f"{target}{suffix}")
    world = Demo(target, monkeypatch, capsys)
    yield world
    world.engine.dispose()
