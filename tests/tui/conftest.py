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


async def settle(pilot: Any) -> None:
    """Let workers finish and their messages land (a worker may start another)."""
    for _ in range(4):
        while pilot.app.scan_filter.holding:  # typed keys wait out the scan gap
            await pilot.pause(pilot.app.scan_filter.gap)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def sign_in(pilot: Any, *, downs: int = 0, pin: str = "1111") -> None:
    """Choose the operator `downs` rows below the first (shopkeeper, village admin, street
    admin) and type the PIN, as a person at the counter does."""
    await settle(pilot)
    await pilot.press(*(["down"] * downs), "enter")
    await pilot.press(*pin, "enter")
    await settle(pilot)


async def scan_burst(pilot: Any, text: str) -> None:
    """What a USB scanner does: every key of `text`, then Enter, delivered back to back.

    `pilot.press` waits for the app to go idle after each key (40 ms or more), slower than
    a scanner; this sends the same Key events at once, the way the terminal delivers them.
    """
    from textual import events
    from textual.keys import _character_to_key

    driver = pilot.app._driver
    for char in text:
        key = char if char.isalnum() else _character_to_key(char)
        driver.send_message(events.Key(key, char))
    driver.send_message(events.Key("enter", "\r"))
    await settle(pilot)


class Ledger:
    """Sets a test's scene and reads back what the app wrote, through the core services."""

    def __init__(self, db_path: Path) -> None:
        self.url = f"sqlite:///{db_path}"

    def _engine(self) -> Any:
        return open_database(self.url)

    def give(self, code: str, times: int = 2) -> None:
        """Award negative-free points (P01, +100 each) so a redemption can go through."""
        from kiosk.core.awards import award
        from kiosk.core.households import household_by_code
        from kiosk.core.reference import operator_by_id

        engine = self._engine()
        for _ in range(times):
            with write_session(engine) as session:
                award(
                    session,
                    household=household_by_code(session, code),
                    rule_id="P01",
                    quantity=1,
                    operator=operator_by_id(session, "admin-heping"),
                    now=NOW,
                )
        engine.dispose()

    def freeze(self, code: str, until: str, reason: str) -> None:
        from datetime import date

        from kiosk.core.awards import freeze
        from kiosk.core.households import household_by_code
        from kiosk.core.reference import operator_by_id

        engine = self._engine()
        with write_session(engine) as session:
            freeze(
                session,
                household=household_by_code(session, code),
                until=date.fromisoformat(until),
                reason=reason,
                operator=operator_by_id(session, "admin-heping"),
                now=NOW,
            )
        engine.dispose()

    def balance(self, code: str) -> int:
        from kiosk.core.households import household_by_code
        from kiosk.core.ledger import balance

        engine = self._engine()
        with read_session(engine) as session:
            value = balance(session, household_by_code(session, code).id, 2026)
        engine.dispose()
        return value

    def rows(self, model: Any) -> list[Any]:
        engine = self._engine()
        with read_session(engine) as session:
            found = list(session.exec(select(model)))
        engine.dispose()
        return found


@pytest.fixture
def ledger(db_path: Path) -> Ledger:
    return Ledger(db_path)
