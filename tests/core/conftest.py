"""Fixtures of the core tests: databases on tmp SQLite files, copied from templates built once.

Seeding goes through the services and takes seconds; copying a file takes a millisecond, so
each template is built once per session and every test gets its own copy.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.core.codes import CardSigner
from kiosk.core.db import open_database, write_session
from kiosk.core.models import StockMovement
from kiosk.core.seed import seed_demo
from tests.core.support import NOW, add_household, seed_test_kiosk

DEMO_HOUSEHOLDS_PER_VILLAGE = 6


@dataclass(frozen=True)
class Db:
    """A test database file and the card-signing key beside it."""

    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def key_path(self) -> Path:
        return Path(f"{self.path}.card-key")

    def signer(self) -> CardSigner:
        return CardSigner.from_file(self.key_path)


def _settle(engine: Engine) -> None:
    # Closing every connection checkpoints the WAL into the main file, so one file is a copy.
    engine.dispose()


def _build_blank(path: Path) -> None:
    """Reference data, this kiosk's identity, five operators, stock, and a few households."""
    engine = open_database(f"sqlite:///{path}")
    with write_session(engine) as session:
        seed_test_kiosk(session, Path(f"{path}.card-key"))
        for number in range(1, 11):
            add_household(session, f"HP{number:04d}", "heping", head=f"和平户{number}")
        for number in range(1, 6):
            add_household(session, f"XZG{number:04d}", "xizige", head=f"惜字户{number}")
        add_household(session, "HP0090", "heping", long_term_absent=True)
        add_household(session, "HP0091", "heping", long_term_absent=True, opted_in=True)
        for seq, item_no in enumerate(range(1, 32), start=1):
            for point in ("heping-shop", "xizige-shop"):
                session.add(
                    StockMovement(
                        id=f"stock-{point}-{item_no}",
                        exchange_point_id=point,
                        item_no=item_no,
                        delta=50,
                        reason="restock",
                        created_at=NOW,
                        origin="test-setup",
                        origin_seq=seq if point == "heping-shop" else 100 + seq,
                    )
                )
    _settle(engine)


def _build_demo(path: Path) -> None:
    engine = open_database(f"sqlite:///{path}")
    with write_session(engine) as session:
        seed_demo(
            session,
            now=NOW,
            households_per_village=DEMO_HOUSEHOLDS_PER_VILLAGE,
            signing_key_path=Path(f"{path}.card-key"),
        )
    _settle(engine)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("templates")
    built: dict[str, Path] = {}
    for name, build in (("blank", _build_blank), ("demo", _build_demo)):
        path = root / f"{name}.db"
        build(path)
        built[name] = path
    return built


def _copy(template: Path, target: Path) -> Db:
    for suffix in ("", "-wal", ".card-key"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{target}{suffix}")
    return Db(target)


@pytest.fixture
def blank_db(templates: dict[str, Path], tmp_path: Path) -> Db:
    """Reference data, operators, stock and households HP0001-HP0010, XZG0001-XZG0005,
    HP0090 (long-term absent) and HP0091 (absent, opted in); no ledger entries."""
    return _copy(templates["blank"], tmp_path / "kiosk.db")


@pytest.fixture
def demo_db(templates: dict[str, Path], tmp_path: Path) -> Db:
    """What `kiosk seed-demo` makes: nine villages of fictional households with history."""
    return _copy(templates["demo"], tmp_path / "kiosk.db")


@pytest.fixture
def make_blank(templates: dict[str, Path], tmp_path: Path) -> Callable[[str], Db]:
    """A fresh copy of the blank database per call (for property-based examples)."""

    def make(name: str) -> Db:
        return _copy(templates["blank"], tmp_path / f"{name}.db")

    return make


@pytest.fixture
def engine(blank_db: Db) -> Iterator[Engine]:
    engine = open_database(blank_db.url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A plain session on the blank database; tests commit what they set up."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(
    demo_db: Db, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliResult]:
    """Run `kiosk ARGS...` in-process on the demo database at NOW (faster than a subprocess)."""
    from kiosk.cli import main

    monkeypatch.setenv("KIOSK_DB", demo_db.url)
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
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
