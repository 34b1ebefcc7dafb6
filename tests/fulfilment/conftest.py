"""Fixtures of the fulfilment tests: a small kiosk database on a tmp SQLite file, and orders in it.

The template is built once per session through the real seeding functions and copied per
test (a millisecond), so every test owns a real database file.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.items import load_items
from kiosk.core.db import open_database, write_session
from kiosk.core.invariants import check_ledger
from kiosk.core.models import Household, Operator, RedemptionOrder, StockMovement
from kiosk.core.redemption import RedeemLine, redeem
from tests.core.support import NOW, add_household, earn, seed_test_kiosk

TOOTHPASTE = 2  # 牙膏, daily: 2 days, 3 points
SOAP = 3  # 香皂, daily
RICE_COOKER = 29  # 电饭煲, appliance: 7 days, 180 points
KETTLE = 25  # 电热水壶, appliance
DAILY_STOCK = 5  # of every daily item at both shops; appliances start at none


def _build(path: Path) -> None:
    engine = open_database(f"sqlite:///{path}")
    with write_session(engine) as session:
        seed_test_kiosk(session, Path(f"{path}.card-key"))
        households = [
            add_household(session, "HP0001", "heping", head="林小禾"),
            add_household(session, "HP0002", "heping", head="周春燕"),
            add_household(session, "XZG0001", "xizige", head="何远山"),
        ]
        for household in households:
            earn(session, household, 2000, NOW)
        seq = 0
        for item in load_items():
            if item.due_class != "daily":
                continue
            for point in ("heping-shop", "xizige-shop"):
                seq += 1
                session.add(
                    StockMovement(
                        id=f"stock-{point}-{item.no}",
                        exchange_point_id=point,
                        item_no=item.no,
                        delta=DAILY_STOCK,
                        reason="restock",
                        created_at=NOW,
                        origin="test-setup",
                        origin_seq=seq,
                    )
                )
    engine.dispose()  # checkpoints the WAL, so the one file is the whole database


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fulfilment") / "template.db"
    _build(path)
    return path


@pytest.fixture
def db_path(template: Path, tmp_path: Path) -> Path:
    """Households HP0001, HP0002 (和平) and XZG0001 (惜字阁) with 2000 points each; five of
    every daily item at both shops, no appliances; operators shop-/admin-heping/xizige and
    street-admin."""
    target = tmp_path / "kiosk.db"
    for suffix in ("", ".card-key"):
        shutil.copyfile(f"{template}{suffix}", f"{target}{suffix}")
    return target


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{db_path}")
    yield engine
    engine.dispose()


def household(session: Session, code: str) -> Household:
    return session.exec(select(Household).where(Household.code == code)).one()


def operator(session: Session, operator_id: str) -> Operator:
    found = session.get(Operator, operator_id)
    assert found is not None, operator_id
    return found


def order(session: Session, number: str) -> RedemptionOrder:
    return session.exec(select(RedemptionOrder).where(RedemptionOrder.number == number)).one()


PlaceOrder = Callable[..., str]


@pytest.fixture
def place_order(engine: Engine) -> PlaceOrder:
    """Redeem through the real service and commit; returns the order number."""

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


def assert_ledger_ok(engine: Engine) -> None:
    with Session(engine) as session:
        report = check_ledger(session)
    assert report.ok, report.problems
