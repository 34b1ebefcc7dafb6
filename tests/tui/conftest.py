"""Shared pieces of the kiosk app tests: a seeded demo database per test, the app factory."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from kiosk.core.clock import SHANGHAI
from kiosk.core.codes import CardSigner
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.models import Household
from kiosk.core.seed import seed_demo
from kiosk.printing.printers import DummyPrinter, Printer
from kiosk.settings import Settings
from kiosk.tui.app import KioskApp, create_app

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
HOUSEHOLDS_PER_VILLAGE = 12


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded demo database per test session; each test gets a copy."""
    directory = tmp_path_factory.mktemp("tui-template")
    database = directory / "kiosk.db"
    engine = open_database(f"sqlite:///{database}")
    with write_session(engine) as session:
        seed_demo(
            session,
            now=NOW,
            households_per_village=HOUSEHOLDS_PER_VILLAGE,
            signing_key_path=Path(f"{database}.card-key"),
        )
    engine.dispose()
    return database


@pytest.fixture
def db_path(seeded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "kiosk.db"
    shutil.copy(seeded_template, target)
    shutil.copy(f"{seeded_template}.card-key", f"{target}.card-key")
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    return target


@pytest.fixture
def signer(db_path: Path) -> CardSigner:
    return CardSigner.from_file(Path(f"{db_path}.card-key"))


@pytest.fixture
def payload_of(db_path: Path, signer: CardSigner) -> Callable[[str], str]:
    """The signed payload a scanner types for a household code."""

    def payload(code: str) -> str:
        engine = open_database(f"sqlite:///{db_path}")
        with read_session(engine) as session:
            household = session.exec(select(Household).where(Household.code == code)).one()
            version = household.card_version
        engine.dispose()
        return signer.payload(code, version)

    return payload


AppFactory = Callable[..., KioskApp]


@pytest.fixture
def make_app(db_path: Path) -> Iterator[AppFactory]:
    """Build the app the way `kiosk run` does, on the test's database and a given printer."""
    engines: list[Any] = []

    def factory(printer: Printer | None = None, **settings: Any) -> KioskApp:
        values: dict[str, Any] = {"db": f"sqlite:///{db_path}", "idle_minutes": 5.0}
        values.update(settings)
        engine = open_database(values["db"])
        engines.append(engine)
        return create_app(
            Settings(**values),
            engine=engine,
            printer=printer if printer is not None else DummyPrinter(),
            clock=lambda: NOW,
        )

    yield factory
    for engine in engines:
        engine.dispose()


def keys_of(text: str) -> list[str]:
    """The key presses a scanner makes typing `text` (then Enter): one burst."""
    return [*text, "enter"]
