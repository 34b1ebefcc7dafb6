"""Fixtures of the administration tests: a small village database on a tmp SQLite file.

The template is built once per session through the real seeding and services; each test
gets its own copy of the file (and of the card-signing key beside it).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.core.clock import SHANGHAI, as_utc
from kiosk.core.codes import CardSigner
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.ids import derived_id
from kiosk.core.ledger import balance, meta_set
from kiosk.core.models import Household, Operator, Role
from kiosk.core.pins import hash_pin
from kiosk.core.seed import seed_reference

if TYPE_CHECKING:
    from kiosk.tui.app import KioskApp

# A working morning in the fourth quarter of 2026, Chongqing time.
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=SHANGHAI)
PIN = "2468"

# Fictional households: (code, village, group, head).
HOUSEHOLDS = (
    ("HP0001", "heping", "1组", "林小禾"),
    ("HP0002", "heping", "2组", "欧阳春燕"),
    ("HP0003", "heping", "2组", "宋明"),
    ("HP0004", "heping", "3组", "陶一帆"),
    ("XZG0001", "xizige", "1组", "柯青山"),
)


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    """An instant on the wall clock in Chongqing."""
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Db:
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    @property
    def key_path(self) -> Path:
        return Path(f"{self.path}.card-key")

    @property
    def evidence_dir(self) -> Path:
        return Path(f"{self.path}.evidence")

    def signer(self) -> CardSigner:
        return CardSigner.from_file(self.key_path)


def _build(path: Path) -> None:
    engine = open_database(f"sqlite:///{path}")
    signer = CardSigner.generate()
    signer.save(Path(f"{path}.card-key"))
    pin_hash = hash_pin(PIN)
    with write_session(engine) as session:
        seed_reference(session, NOW)
        meta_set(session, "card_public_key", signer.public_key_hex())
        meta_set(session, "origin", "K-HP-01")
        meta_set(session, "exchange_point_id", "heping-shop")
        for operator_id, name, role, village in (
            ("street-admin", "街道管理员", Role.STREET_ADMIN, None),
            ("admin-heping", "和平管理员", Role.VILLAGE_ADMIN, "heping"),
            ("admin-xizige", "惜字阁管理员", Role.VILLAGE_ADMIN, "xizige"),
            ("shop-heping", "和平店主", Role.SHOPKEEPER, "heping"),
        ):
            session.add(
                Operator(
                    id=operator_id,
                    name=name,
                    role=role,
                    village_id=village,
                    exchange_point_id=f"{village}-shop" if role is Role.SHOPKEEPER else None,
                    pin_hash=pin_hash,
                )
            )
        session.flush()
        for code, village, group, head in HOUSEHOLDS:
            session.add(
                Household(
                    id=derived_id("admin-test-household", code),
                    code=code,
                    village_id=village,
                    group_name=group,
                    head_name=head,
                    members=[head],
                    created_at=as_utc(datetime(2025, 1, 1, tzinfo=SHANGHAI)),
                )
            )
        # Away most of the year and not opted in: takes no part, never on the notice.
        session.add(
            Household(
                id=derived_id("admin-test-household", "HP0090"),
                code="HP0090",
                village_id="heping",
                group_name="4组",
                head_name="江远行",
                members=["江远行"],
                long_term_absent=True,
                created_at=as_utc(datetime(2025, 1, 1, tzinfo=SHANGHAI)),
            )
        )
    engine.dispose()  # checkpoints the WAL so the file alone is a full copy


@pytest.fixture(scope="session")
def admin_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("admin-template") / "kiosk.db"
    _build(path)
    return path


@pytest.fixture
def db(admin_template: Path, tmp_path: Path) -> Db:
    target = tmp_path / "kiosk.db"
    for suffix in ("", ".card-key"):
        shutil.copyfile(f"{admin_template}{suffix}", f"{target}{suffix}")
    return Db(target)


@pytest.fixture
def engine(db: Db) -> Iterator[Engine]:
    engine = open_database(db.url)
    yield engine
    engine.dispose()


def household(session: Session, code: str) -> Household:
    return session.exec(select(Household).where(Household.code == code)).one()


def operator(session: Session, operator_id: str) -> Operator:
    found = session.get(Operator, operator_id)
    assert found is not None
    return found


def points_of(engine: Engine, code: str, year: int = 2026) -> int:
    with read_session(engine) as session:
        return balance(session, household(session, code).id, year)


def dump(path: Path) -> list[str]:
    """Every row and schema statement of an SQLite file: equal dumps mean nothing changed."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


# --- the kiosk app on the test database (Pilot tests) -----------------------------------------

AppFactory = Callable[..., "KioskApp"]


@pytest.fixture
def make_app(db: Db) -> Iterator[AppFactory]:
    """The kiosk app as `kiosk run` builds it, on this test's database, at NOW."""
    from kiosk.printing.printers import DummyPrinter
    from kiosk.settings import Settings
    from kiosk.tui.app import create_app

    engines: list[Engine] = []

    def factory(**settings: Any) -> KioskApp:
        values: dict[str, Any] = {"db": db.url, "idle_minutes": 30.0}
        values.update(settings)
        engine = open_database(db.url)
        engines.append(engine)
        return create_app(
            Settings(**values), engine=engine, printer=DummyPrinter(), clock=lambda: NOW
        )

    yield factory
    for engine in engines:
        engine.dispose()


async def settle(pilot: Any) -> None:
    """Let workers finish and their messages land (a worker may start another)."""
    from textual.worker import WorkerCancelled

    for _ in range(5):
        # An exclusive worker replaced by a newer one raises here; the newer one is awaited next.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


# Sign-in lists this kiosk's (和平) operators: shopkeeper, village admin, then street admin.
SIGN_IN_ROWS = {"shop-heping": 0, "admin-heping": 1, "street-admin": 2}


async def sign_in_as(pilot: Any, operator_id: str) -> None:
    await settle(pilot)
    await pilot.press(*(["down"] * SIGN_IN_ROWS[operator_id]), "enter")
    await pilot.press(*PIN, "enter")
    await settle(pilot)
    assert pilot.app.operator is not None and pilot.app.operator.id == operator_id


def menu_ids(app: KioskApp) -> list[str]:
    menu = app.screen.query_one("#menu")
    return [str(menu.get_option_at_index(i).id) for i in range(menu.option_count)]


async def open_menu(pilot: Any, entry_id: str) -> None:
    """Choose a home-menu entry by keys: F3 to the menu, down to the entry, Enter."""
    index = menu_ids(pilot.app).index(entry_id)
    await pilot.press("f3", "home", *(["down"] * index), "enter")
    await settle(pilot)


async def type_into(pilot: Any, selector: str, text: str, *, submit: bool = True) -> None:
    """Focus a field by clicking it, replace its text by typing, then Enter."""
    field = pilot.app.screen.query_one(selector)
    field.focus()
    field.value = ""
    await pilot.press(*text)
    if submit:
        await pilot.press("enter")
    await settle(pilot)
