"""The crash harness's child: redeem and award in a loop (and sync, with --sync), saying
each confirmed operation on stdout before the next, so the parent knows what must survive."""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


CHILD_OPERATIONS = ("award", "redeem", "award-helped")
SYNC_KIOSK_ID = "K-HP-01"
SECRET_ENV = "KIOSK_SYNC_SECRET"
# The one sync failure that means "try again later" (a network hiccup); anything else
# from a sync against a central on loopback, a 5xx included, is a bug.
RETRYABLE_SYNC_FAILURES = frozenset({"sync.unreachable"})
# What a child imports, loaded once by the zygote before it forks.
CHILD_MODULES = (
    "httpx",
    "kiosk.core.awards",
    "kiosk.core.db",
    "kiosk.core.households",
    "kiosk.core.redemption",
    "kiosk.core.reference",
    "kiosk.core.migrations",
    "sync.client",
)


def prepare_database(path: Path, households_per_village: int = 5) -> str:
    """A demo database for the harness; every household starts with a healthy balance."""
    from kiosk.core.clock import now
    from kiosk.core.db import open_database, write_session
    from kiosk.core.seed import seed_demo

    url = f"sqlite:///{path}"
    engine = open_database(url)
    with write_session(engine) as session:
        seed_demo(session, now=now(), households_per_village=households_per_village)
    engine.dispose()
    return url


class Emitter:
    """The child's report lines; two threads write them, each line whole and flushed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


def _operate_forever(engine: Engine, rng: random.Random, emit: Emitter, pause: float = 0.0) -> None:
    """One operation per transaction, announced before and after commit; `pause` (at most,
    between operations) lets another writer in: SQLite's busy wait backs off in sleeps, so
    a writer looping without a break would starve the sync thread of the write lock."""
    from kiosk.core.awards import award
    from kiosk.core.clock import now
    from kiosk.core.db import write_session
    from kiosk.core.errors import DomainError
    from kiosk.core.households import list_households
    from kiosk.core.ids import new_id
    from kiosk.core.redemption import RedeemLine, redeem
    from kiosk.core.reference import operator_by_id

    with write_session(engine) as session:
        households = [h for h in list_households(session, "heping") if h.takes_part]
    emit("ready")
    while True:
        operation = rng.choice(CHILD_OPERATIONS)
        op_id = new_id()
        emit(f"begin {operation} {op_id}")
        try:
            with write_session(engine) as session:
                household = session.merge(rng.choice(households))
                if operation == "redeem":
                    redeem(
                        session,
                        household=household,
                        lines=[RedeemLine(1, 1)],  # 牙刷, 1 point: the balance never runs out
                        operator=operator_by_id(session, "shop-heping"),
                        now=now(),
                        order_id=op_id,
                    )
                else:
                    helper = None
                    if operation == "award-helped":
                        helper = session.merge(
                            rng.choice([h for h in households if h.id != household.id])
                        )
                    award(
                        session,
                        household=household,
                        rule_id="P08",
                        quantity=1,
                        operator=operator_by_id(session, "admin-heping"),
                        now=now(),
                        helper=helper,
                        note=op_id,
                    )
        except DomainError as error:
            emit(f"refused {op_id} {error.key}")
            continue
        emit(f"done {operation} {op_id}")
        if pause:
            time.sleep(rng.uniform(0.0, pause))


def child(url: str, seed: int) -> None:
    """Loop forever: one operation per transaction, announced before and after commit."""
    from kiosk.core.db import open_database

    _operate_forever(open_database(url), random.Random(seed), Emitter())


def sync_child(url: str, seed: int, central_url: str, kiosk_id: str) -> None:
    """Operate in the main thread while a second thread syncs with the central over and
    over, as `kiosk sync` does (the secret comes from KIOSK_SYNC_SECRET, as for it)."""
    from kiosk.core.clock import now
    from kiosk.core.db import open_database
    from kiosk.core.errors import DomainError
    from sync.client import HttpCentral, run_sync

    engine = open_database(url)
    emit = Emitter()
    rng = random.Random(seed)
    sync_rng = random.Random(seed * 7919 + 1)
    secret = os.environ[SECRET_ENV]

    def keep_syncing() -> None:
        while True:
            # Small chunks: a sync pushes several, so a kill can fall between two of them.
            chunk_size = sync_rng.choice((2, 5, 50))
            emit(f"sync-begin {chunk_size}")
            try:
                with HttpCentral(central_url, kiosk_id, secret, timeout=30) as link:
                    report = run_sync(
                        engine,
                        link,
                        kiosk_id=kiosk_id,
                        now=now(),
                        chunk_size=chunk_size,
                        progress=lambda phase, done, _total: (
                            emit(f"pushed {done}") if phase == "push" else None
                        ),
                    )
            except DomainError as error:
                emit(f"sync-failed {error.key}")
            except Exception as error:  # a crash of the sync itself: the parent reports it
                emit(f"sync-failed crash:{type(error).__name__}")
            else:
                emit(f"sync-done {report.acked_seq}")
            time.sleep(sync_rng.uniform(0.0, 0.03))

    threading.Thread(target=keep_syncing, daemon=True).start()
    _operate_forever(engine, rng, emit, pause=0.02)


def run_child(argv: list[str]) -> int:
    """A child's command line (`child URL SEED` or `sync-child URL SEED CENTRAL KIOSK_ID`),
    run here: how the zygote's forks and a fresh interpreter start one."""
    mode, url, seed, *rest = argv
    if mode == "child" and not rest:
        child(url, int(seed))
        return 0
    if mode == "sync-child" and len(rest) == 2:
        sync_child(url, int(seed), rest[0], rest[1])
        return 0
    raise SystemExit(f"not a child's command line: {argv}")
