"""The rules scenarios' world: a demo database (as `kiosk seed-demo` makes it) on a real
SQLite file, driven through the `kiosk` CLI in-process at chosen instants.

The demo history fills 2026 only, so scenarios play in 2027 and 2028, where every figure
comes from the scenario's own steps and a test can compute it by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from kiosk.core.clock import SHANGHAI
from kiosk.core.db import open_database, read_session
from kiosk.core.ledger import balance
from kiosk.core.models import Household, LedgerEntry

SEEDED_AT = datetime(2026, 11, 15, 10, 0, tzinfo=SHANGHAI)
HOUSEHOLDS_PER_VILLAGE = 6
HEPING = [f"HP{n:04d}" for n in range(1, HOUSEHOLDS_PER_VILLAGE + 1)]


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant on the wall clock in Chongqing."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Demo:
    """One test's copy of the demo database, its engine, and the CLI pointed at it."""

    def __init__(
        self, path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self.engine: Engine = open_database(self.url)
        self._capsys = capsys
        monkeypatch.setenv("KIOSK_DB", self.url)
        monkeypatch.setenv("KIOSK_CARD_KEY", f"{path}.card-key")
        monkeypatch.setenv("KIOSK_EVIDENCE_DIR", str(path.parent / "evidence"))
        monkeypatch.delenv("KIOSK_DEBUG", raising=False)
        self._monkeypatch = monkeypatch

    def cli(self, when: datetime, *argv: str) -> Run:
        """`kiosk ARGV...` with the clock at `when`."""
        from kiosk.cli import main

        self._monkeypatch.setenv("KIOSK_NOW", when.isoformat())
        self._capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = self._capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def ok(self, when: datetime, *argv: str) -> Any:
        """Run a command that must succeed and return its JSON."""
        run = self.cli(when, *argv, "--json")
        assert run.code == 0, (argv, run.err, run.out)
        return run.json()

    def award(self, when: datetime, code: str, rule: str, qty: int = 1) -> str:
        """Award through the CLI as 和平's administrator; the household's entry id."""
        result = self.ok(when, "award", code, rule, "--qty", str(qty), "--operator", "admin-heping")
        entry_id: str = result["entries"][0]["id"]
        return entry_id

    def household(self, session: Session, code: str) -> Household:
        return session.exec(select(Household).where(Household.code == code)).one()

    def balance(self, code: str, year: int) -> int:
        with read_session(self.engine) as session:
            return balance(session, self.household(session, code).id, year)

    def entry_count(self) -> int:
        with read_session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())

    def entries(self, code: str, **where: object) -> list[LedgerEntry]:
        with read_session(self.engine) as session:
            statement = select(LedgerEntry).where(
                LedgerEntry.household_id == self.household(session, code).id
            )
            for name, value in where.items():
                statement = statement.where(getattr(LedgerEntry, name) == value)
            return list(session.exec(statement.order_by(LedgerEntry.origin_seq)))  # type: ignore[arg-type]
