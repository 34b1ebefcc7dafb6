"""Helpers shared by the core tests: times in Chongqing, test households, dumps, entries."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from kiosk.core.clock import SHANGHAI, as_utc
from kiosk.core.codes import CardSigner
from kiosk.core.ids import derived_id
from kiosk.core.ledger import append_entry, meta_set
from kiosk.core.models import Household, LedgerEntry, Operator, Role
from kiosk.core.pins import hash_pin
from kiosk.core.seed import seed_reference

# The clock every test database was made at: mid-November 2026, a working morning.
NOW = datetime(2026, 11, 15, 10, 0, tzinfo=SHANGHAI)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant on the wall clock in Chongqing."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


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
