"""Builders the tests share: test households, operators and kiosk identity, entries, dumps."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.core.awards import award, freeze
from kiosk.core.clock import as_utc
from kiosk.core.codes import CardSigner
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.households import household_by_code
from kiosk.core.ids import derived_id
from kiosk.core.invariants import check_ledger
from kiosk.core.ledger import append_entry, balance, meta_set
from kiosk.core.models import Household, LedgerEntry, Operator, RedemptionOrder, Role
from kiosk.core.pins import hash_pin
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from kiosk.core.seed import seed_reference
from kiosk.core.sync_state import LAST_SYNC_KEY
from tests.support.clock import at

# The clock the blank and demo test databases were made at: mid-November 2026, a morning.
NOW = at(2026, 11, 15)


def add_household(
    session: Session,
    code: str,
    village_id: str = "heping",
    *,
    head: str = "林小禾",
    long_term_absent: bool = False,
    opted_in: bool = False,
) -> Household:
    """A household with no history (fictional name), flushed so entries may reference it."""
    household = Household(
        id=derived_id("test-household", code),
        code=code,
        village_id=village_id,
        group_name="2组",
        head_name=head,
        members=[head],
        long_term_absent=long_term_absent,
        opted_in=opted_in,
        created_at=as_utc(NOW - timedelta(days=400)),
    )
    session.add(household)
    session.flush()
    return household


def household(session: Session, code: str) -> Household:
    found = session.exec(select(Household).where(Household.code == code)).one()
    return found


def operator(session: Session, operator_id: str) -> Operator:
    found = session.get(Operator, operator_id)
    assert found is not None, operator_id
    return found


def earn(session: Session, target: Household, points: int, when: datetime) -> LedgerEntry:
    """An award entry written straight to the ledger (to set up rankings, not to test awards)."""
    return append_entry(
        session,
        household_id=target.id,
        points=points,
        kind="award" if points >= 0 else "deduction",
        at=when,
        origin="test-setup",
        rule_id="P01",
        operator_id="street-admin",
    )


def entries(session: Session, target: Household) -> list[LedgerEntry]:
    return list(
        session.exec(
            select(LedgerEntry)
            .where(LedgerEntry.household_id == target.id)
            .order_by(LedgerEntry.origin_seq)  # type: ignore[arg-type]
        )
    )


def entry_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(LedgerEntry)).one())


def dump(path: Path) -> list[str]:
    """Every row and schema statement of an SQLite file: equal dumps mean nothing changed."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


TEST_OPERATORS = (
    ("street-admin", Role.STREET_ADMIN, None),
    ("admin-heping", Role.VILLAGE_ADMIN, "heping"),
    ("admin-xizige", Role.VILLAGE_ADMIN, "xizige"),
    ("shop-heping", Role.SHOPKEEPER, "heping"),
    ("shop-xizige", Role.SHOPKEEPER, "xizige"),
)


def seed_test_kiosk(session: Session, key_path: Path) -> None:
    """Reference data, kiosk K-HP-01 of 和平 with a card key saved at `key_path`, and five
    operators (PIN 1234) of 和平, 惜字阁 and the street: what the test templates share."""
    signer = CardSigner.generate()
    signer.save(key_path)
    pin_hash = hash_pin("1234")
    seed_reference(session, NOW)
    meta_set(session, "card_public_key", signer.public_key_hex())
    meta_set(session, "origin", "K-HP-01")
    meta_set(session, "exchange_point_id", "heping-shop")
    # It synced at its making, as a kiosk in service does each night: the counter's status
    # line has no missed sync to report (tests/tui/test_sync_state.py sets its own).
    meta_set(session, LAST_SYNC_KEY, as_utc(NOW).isoformat())
    for operator_id, role, village in TEST_OPERATORS:
        session.add(
            Operator(
                id=operator_id,
                name=f"测试{operator_id}",
                role=role,
                village_id=village,
                exchange_point_id=f"{village}-shop" if role is Role.SHOPKEEPER else None,
                pin_hash=pin_hash,
            )
        )
    session.flush()


def url(path: Path) -> str:
    """The SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path}"


def points_of(engine: Engine, code: str, year: int = 2026) -> int:
    """A household's balance for a points year, read through the ledger service."""
    with read_session(engine) as session:
        return balance(session, household(session, code).id, year)


def order(session: Session, number: str) -> RedemptionOrder:
    return session.exec(select(RedemptionOrder).where(RedemptionOrder.number == number)).one()


def assert_ledger_ok(engine: Engine) -> None:
    """The ledger invariants of `kiosk check` hold."""
    with Session(engine) as session:
        report = check_ledger(session)
    assert report.ok, report.problems


PlaceOrder = Callable[..., str]


def order_placer(engine: Engine) -> PlaceOrder:
    """Redeem through the real service and commit; the returned function gives the order number."""

    def place(
        code: str,
        items: list[int] | dict[int, int],
        at: datetime,
        *,
        hand_over: bool = False,
        operator_id: str | None = None,
    ) -> str:
        quantities = items if isinstance(items, dict) else dict.fromkeys(items, 1)
        with write_session(engine) as session:
            target = household(session, code)
            result = redeem(
                session,
                household=target,
                lines=[RedeemLine(no, qty, hand_over) for no, qty in quantities.items()],
                operator=operator(session, operator_id or f"shop-{target.village_id}"),
                now=at,
            )
        return result.number

    return place


class Ledger:
    """Sets a test's scene and reads back what the app wrote, through the core services."""

    def __init__(self, db_path: Path, now: datetime) -> None:
        self.url = url(db_path)
        self.now = now

    def _engine(self) -> Engine:
        return open_database(self.url)

    def give(self, code: str, times: int = 2) -> None:
        """Award negative-free points (P01, +100 each) so a redemption can go through."""
        engine = self._engine()
        for _ in range(times):
            with write_session(engine) as session:
                award(
                    session,
                    household=household_by_code(session, code),
                    rule_id="P01",
                    quantity=1,
                    operator=operator_by_id(session, "admin-heping"),
                    now=self.now,
                )
        engine.dispose()

    def freeze(self, code: str, until: str, reason: str) -> None:
        engine = self._engine()
        with write_session(engine) as session:
            freeze(
                session,
                household=household_by_code(session, code),
                until=date.fromisoformat(until),
                reason=reason,
                operator=operator_by_id(session, "admin-heping"),
                now=self.now,
            )
        engine.dispose()

    def balance(self, code: str) -> int:
        engine = self._engine()
        with read_session(engine) as session:
            value = balance(session, household_by_code(session, code).id, self.now.year)
        engine.dispose()
        return value

    def rows(self, model: Any) -> list[Any]:
        engine = self._engine()
        with read_session(engine) as session:
            found = list(session.exec(select(model)))
        engine.dispose()
        return found
