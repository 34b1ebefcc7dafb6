"""The test databases ("worlds"): each built once per session through the real seeding and
services, then copied per test (a millisecond), so every test owns a real SQLite file.

A test module picks its world with `pytestmark = pytest.mark.world("admin")`; without a
mark it gets the blank world. Each world knows the instant it was made at and its PIN.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from catalog.items import load_items
from kiosk.core.clock import as_utc
from kiosk.core.codes import CardSigner
from kiosk.core.db import open_database, write_session
from kiosk.core.ids import derived_id
from kiosk.core.ledger import meta_set
from kiosk.core.models import Household, Operator, Role, StockMovement
from kiosk.core.pins import hash_pin
from kiosk.core.seed import seed_demo, seed_reference
from kiosk.core.sync_state import LAST_SYNC_KEY
from tests.support.builders import NOW as BLANK_NOW
from tests.support.builders import add_household, earn, seed_test_kiosk
from tests.support.clock import at


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

    @property
    def evidence_dir(self) -> Path:
        return Path(f"{self.path}.evidence")

    def signer(self) -> CardSigner:
        return CardSigner.from_file(self.key_path)


@dataclass(frozen=True)
class World:
    """How to build one test database, the instant it was made at, and its operators' PIN."""

    name: str
    build: Callable[[Path], None]
    now: datetime
    pin: str
    # Settings the app gets on this world unless a test says otherwise.
    idle_minutes: float = 30.0


def copy_world(template: Path, target: Path) -> Db:
    """A private copy of a built template (database, WAL if any, card key)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", ".card-key"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{target}{suffix}")
    return Db(target)


def _seal(engine: object) -> None:
    # Closing every connection checkpoints the WAL into the main file, so one file is a copy.
    engine.dispose()  # type: ignore[attr-defined]


def _stock(point: str, item_no: int, delta: int, seq: int) -> StockMovement:
    return StockMovement(
        id=f"stock-{point}-{item_no}",
        exchange_point_id=point,
        item_no=item_no,
        delta=delta,
        reason="restock",
        created_at=BLANK_NOW,
        origin="test-setup",
        origin_seq=seq,
    )


def build_blank(path: Path) -> None:
    """Reference data, this kiosk's identity (K-HP-01, 和平), five operators (PIN 1234), 50 of
    every item at both shops, households HP0001-HP0010, XZG0001-XZG0005, HP0090 (long-term
    absent) and HP0091 (absent, opted in); no ledger entries."""
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
            session.add(_stock("heping-shop", item_no, 50, seq))
            session.add(_stock("xizige-shop", item_no, 50, 100 + seq))
    _seal(engine)


def build_fulfilment(path: Path) -> None:
    """Households HP0001, HP0002 (和平) and XZG0001 (惜字阁) with 2000 points each; five of
    every daily item at both shops, no appliances; the blank world's operators (PIN 1234)."""
    engine = open_database(f"sqlite:///{path}")
    fill_fulfilment(engine, Path(f"{path}.card-key"))
    _seal(engine)


def fill_fulfilment(engine: Engine, key_path: Path) -> None:
    """The fulfilment world written into `engine` (SQLite or PostgreSQL)."""
    with write_session(engine) as session:
        seed_test_kiosk(session, key_path)
        households = [
            add_household(session, "HP0001", "heping", head="林小禾"),
            add_household(session, "HP0002", "heping", head="周春燕"),
            add_household(session, "XZG0001", "xizige", head="何远山"),
        ]
        for household in households:
            earn(session, household, 2000, BLANK_NOW)
        seq = 0
        for item in load_items():
            if item.due_class != "daily":
                continue
            for point in ("heping-shop", "xizige-shop"):
                seq += 1
                session.add(_stock(point, item.no, DAILY_STOCK, seq))


# The administration world: a working morning in the fourth quarter of 2026.
ADMIN_NOW = at(2026, 11, 16, 9)
ADMIN_PIN = "2468"
# Fictional households: (code, village, group, head).
ADMIN_HOUSEHOLDS = (
    ("HP0001", "heping", "1组", "林小禾"),
    ("HP0002", "heping", "2组", "欧阳春燕"),
    ("HP0003", "heping", "2组", "宋明"),
    ("HP0004", "heping", "3组", "陶一帆"),
    ("XZG0001", "xizige", "1组", "柯青山"),
)


def build_admin(path: Path) -> None:
    """Four 和平 households and one of 惜字阁, an absent household HP0090 not opted in, and
    operators street-admin, admin-heping, admin-xizige, shop-heping (PIN 2468)."""
    engine = open_database(f"sqlite:///{path}")
    signer = CardSigner.generate()
    signer.save(Path(f"{path}.card-key"))
    pin_hash = hash_pin(ADMIN_PIN)
    created = as_utc(at(2025, 1, 1, 0))
    with write_session(engine) as session:
        seed_reference(session, ADMIN_NOW)
        meta_set(session, "card_public_key", signer.public_key_hex())
        meta_set(session, "origin", "K-HP-01")
        meta_set(session, "exchange_point_id", "heping-shop")
        # Synced last night, as a kiosk in service is: no missed sync on its status line.
        meta_set(session, LAST_SYNC_KEY, as_utc(ADMIN_NOW - timedelta(hours=7)).isoformat())
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
        for code, village, group, head in ADMIN_HOUSEHOLDS:
            session.add(
                Household(
                    id=derived_id("admin-test-household", code),
                    code=code,
                    village_id=village,
                    group_name=group,
                    head_name=head,
                    members=[head],
                    created_at=created,
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
                created_at=created,
            )
        )
    _seal(engine)


def _demo_builder(
    now: datetime, per_village: int, *, with_key: bool = True
) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        engine = open_database(f"sqlite:///{path}")
        with write_session(engine) as session:
            seed_demo(
                session,
                now=now,
                households_per_village=per_village,
                signing_key_path=Path(f"{path}.card-key") if with_key else None,
            )
        _seal(engine)

    return build


# Items of the fulfilment world's orders.
TOOTHPASTE = 2  # 牙膏, daily: 2 days, 3 points
SOAP = 3  # 香皂, daily
RICE_COOKER = 29  # 电饭煲, appliance: 7 days, 180 points
KETTLE = 25  # 电热水壶, appliance
DAILY_STOCK = 5  # of every daily item at both shops in the fulfilment world; no appliances

DEMO_HOUSEHOLDS_PER_VILLAGE = 6
TUI_HOUSEHOLDS_PER_VILLAGE = 12
TUI_NOW = at(2026, 6, 15)
DOCTOR_NOW = at(2027, 3, 10)

WORLDS = {
    world.name: world
    for world in (
        World("blank", build_blank, BLANK_NOW, "1234"),
        # What `kiosk seed-demo` makes: nine villages of fictional households with history.
        World("demo", _demo_builder(BLANK_NOW, DEMO_HOUSEHOLDS_PER_VILLAGE), BLANK_NOW, "1111"),
        World("fulfilment", build_fulfilment, BLANK_NOW, "1234", idle_minutes=5.0),
        World("admin", build_admin, ADMIN_NOW, ADMIN_PIN),
        World(
            "tui",
            _demo_builder(TUI_NOW, TUI_HOUSEHOLDS_PER_VILLAGE),
            TUI_NOW,
            "1111",
            idle_minutes=5.0,
        ),
        World("doctor", _demo_builder(DOCTOR_NOW, 2, with_key=False), DOCTOR_NOW, "1111"),
    )
}
