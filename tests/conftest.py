"""The fixtures every test folder shares: its world's database (a private copy of a template
built once per session), an engine and session on it, the kiosk app as `kiosk run` builds it,
the in-process CLI, and the scene builders.

Folders keep a conftest only for what belongs to their package alone (the sync tests' live
central servers, the deploy tests' installed roots).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.core.codes import CardSigner
from kiosk.core.db import open_database, read_session
from kiosk.core.models import Household
from tests.support.builders import Ledger, PlaceOrder, order_placer
from tests.support.cli import CliResult
from tests.support.pilot import AppFactory
from tests.support.worlds import WORLDS, Db, World, copy_world

if TYPE_CHECKING:
    from kiosk.printing.printers import Printer
    from kiosk.tui.app import KioskApp


class Templates:
    """Each world's template file, built the first time a test asks for it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        if name not in self.built:
            path = self.root / name / "kiosk.db"
            path.parent.mkdir(parents=True)
            WORLDS[name].build(path)
            self.built[name] = path
        return self.built[name]

    def copy(self, name: str, target: Path) -> Db:
        return copy_world(self.path(name), target)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory.mktemp("worlds"))


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    """The world of the test's `world` mark (the nearest wins), else the blank one."""
    mark = request.node.get_closest_marker("world")
    return WORLDS[mark.args[0] if mark else "blank"]


@pytest.fixture
def db(world: World, templates: Templates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Db:
    """This test's own copy of its world's database (and card key), at tmp_path/db/kiosk.db.

    KIOSK_NOW is set to the world's instant, so a `kiosk` command started by the test sees
    the same day as the app and the services the test calls with that instant."""
    monkeypatch.setenv("KIOSK_NOW", world.now.isoformat())
    return templates.copy(world.name, tmp_path / "db" / "kiosk.db")


@pytest.fixture
def db_path(db: Db) -> Path:
    return db.path


@pytest.fixture
def blank_db(templates: Templates, tmp_path: Path) -> Db:
    """The blank world whatever the module's mark (see tests/support/worlds.py)."""
    return templates.copy("blank", tmp_path / "blank" / "kiosk.db")


@pytest.fixture
def demo_db(templates: Templates, tmp_path: Path) -> Db:
    """What `kiosk seed-demo` makes: nine villages of fictional households with history."""
    return templates.copy("demo", tmp_path / "demo" / "kiosk.db")


@pytest.fixture
def make_blank(templates: Templates, tmp_path: Path) -> Callable[[str], Db]:
    """A fresh copy of the blank database per call (for property-based examples)."""

    def make(name: str) -> Db:
        return templates.copy("blank", tmp_path / name / "kiosk.db")

    return make


@pytest.fixture
def engine(db: Db) -> Iterator[Engine]:
    engine = open_database(db.url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A plain session on the test's database; tests commit what they set up."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def signer(db: Db) -> CardSigner:
    return db.signer()


@pytest.fixture
def payload_of(db: Db, signer: CardSigner) -> Callable[[str], str]:
    """The signed payload a scanner types for a household code."""

    def payload(code: str) -> str:
        engine = open_database(db.url)
        with read_session(engine) as session:
            household = session.exec(select(Household).where(Household.code == code)).one()
            version = household.card_version
        engine.dispose()
        return signer.payload(code, version)

    return payload


@pytest.fixture
def make_app(db: Db, world: World) -> Iterator[AppFactory]:
    """The one app factory: the kiosk app as `kiosk run` builds it, on this test's database,
    a dummy printer unless one is given, and a clock fixed at `now` (the world's instant)."""
    from kiosk.printing.printers import DummyPrinter
    from kiosk.settings import Settings
    from kiosk.tui.app import create_app

    engines: list[Engine] = []

    def factory(
        printer: Printer | None = None, *, now: datetime | None = None, **settings: Any
    ) -> KioskApp:
        values: dict[str, Any] = {"db": db.url, "idle_minutes": world.idle_minutes}
        values.update(settings)
        engine = open_database(values["db"])
        engines.append(engine)
        instant = now or world.now
        return create_app(
            Settings(**values),
            engine=engine,
            printer=printer if printer is not None else DummyPrinter(),
            clock=lambda: instant,
        )

    yield factory
    for engine in engines:
        engine.dispose()


@pytest.fixture
def ledger(db: Db, world: World) -> Ledger:
    return Ledger(db.path, world.now)


@pytest.fixture
def place_order(engine: Engine) -> PlaceOrder:
    return order_placer(engine)


@pytest.fixture
def cli(
    demo_db: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliResult]:
    """Run `kiosk ARGS...` in-process on the demo database at its instant (faster than a
    subprocess)."""
    from kiosk.main import main

    monkeypatch.setenv("KIOSK_DB", demo_db.url)
    monkeypatch.setenv("KIOSK_NOW", WORLDS["demo"].now.isoformat())
    monkeypatch.delenv("KIOSK_CARD_KEY", raising=False)
    monkeypatch.delenv("KIOSK_DEBUG", raising=False)

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse rejects malformed arguments this way
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def cpu_hog() -> Iterator[None]:
    """Every core busy with a spinning process while the test runs: a loaded kiosk, so that
    what a test shows does not rest on the machine being idle."""
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(min(os.cpu_count() or 1, 2))
    ]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
