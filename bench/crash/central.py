"""The harness's central store (--sync): seeded, served on loopback, and checked after every
kill to hold exactly the kiosk's acknowledged prefix, then everything after a clean sync."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bench.crash.checks import Outcome, Presence
from bench.crash.workload import SYNC_KIOSK_ID

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session


# --- the central store (--sync) -----------------------------------------------------------------


@dataclass
class SyncTarget:
    """The central the child syncs with: its database, its live API and the kiosk's login."""

    db_url: str
    http_url: str
    kiosk_id: str
    secret: str


def prepare_central(db_url: str, households_per_village: int = 5) -> None:
    """A central store with the demo villages (its balances come down to the kiosk)."""
    from kiosk.core.clock import now
    from kiosk.core.db import open_database, write_session
    from kiosk.core.seed import seed_demo
    from sync.central import init_central

    engine = open_database(db_url)
    with write_session(engine) as session:
        seed_demo(session, now=now(), households_per_village=households_per_village)
        init_central(session, now(), signing_key_path=None)
    engine.dispose()


def register_kiosk(db_url: str, kiosk_id: str = SYNC_KIOSK_ID) -> str:
    from kiosk.core.clock import now
    from kiosk.core.db import open_database, write_session
    from sync.credentials import add_kiosk

    engine = open_database(db_url)
    with write_session(engine) as session:
        secret = add_kiosk(session, kiosk_id, village="heping", exchange_point=None, now=now())
    engine.dispose()
    return secret.secret


def clean_sync(kiosk_url: str, target: SyncTarget) -> Any:
    """One whole sync run here, as the street office's next night would."""
    from kiosk.core.clock import now
    from kiosk.core.db import open_database
    from sync.client import HttpCentral, run_sync

    engine = open_database(kiosk_url)
    try:
        with HttpCentral(target.http_url, target.kiosk_id, target.secret) as link:
            return run_sync(engine, link, kiosk_id=target.kiosk_id, now=now())
    finally:
        engine.dispose()


@contextlib.contextmanager
def snapshot_session(engine: Engine) -> Iterator[Session]:
    """A read session whose queries all see one snapshot: on PostgreSQL the default READ
    COMMITTED would let a push the killed child left in flight commit between two of them."""
    from kiosk.core.db import is_sqlite, read_session

    bound = (
        engine if is_sqlite(engine) else engine.execution_options(isolation_level="REPEATABLE READ")
    )
    with read_session(bound) as session:
        yield session


def own_rows(session: Session, origin: str, up_to: int | None = None) -> dict[str, dict[str, Any]]:
    """Every row of `origin` the sync carries, keyed "table/id", as it travels (the central's
    server_seq and received_at left out); order lines with their orders."""
    from sqlalchemy import select as sql_select

    from sync.protocol import ORDER_LINES, ORDERS, RECORD_TABLES, encode_row

    rows: dict[str, dict[str, Any]] = {}
    order_ids: list[str] = []
    for table in RECORD_TABLES:
        t = table.table
        statement = sql_select(t).where(t.c.origin == origin)
        if up_to is not None:
            statement = statement.where(t.c.origin_seq <= up_to)
        for row in session.execute(statement).mappings():
            rows[f"{table.name}/{row['id']}"] = encode_row(table, cast(dict[str, Any], row))
            if table is ORDERS:
                order_ids.append(row["id"])
    t = ORDER_LINES.table
    for start in range(0, len(order_ids), 500):
        lines = sql_select(t).where(t.c.order_id.in_(order_ids[start : start + 500]))
        for row in session.execute(lines).mappings():
            rows[f"{ORDER_LINES.name}/{row['id']}"] = encode_row(
                ORDER_LINES, cast(dict[str, Any], row)
            )
    return rows


def _seq_problems(rows: dict[str, dict[str, Any]], expected: range, where: str) -> list[str]:
    """The kiosk's seqs on the central: each once, exactly `expected` (holes allowed: a seq
    may belong to a table the sync does not carry)."""
    seqs = Counter(r["origin_seq"] for key, r in rows.items() if not key.startswith("order_lines/"))
    doubled = sorted(s for s, n in seqs.items() if n > 1)
    stray = sorted(s for s in seqs if s not in expected)
    problems = []
    if doubled:
        problems.append(f"{where}: origin_seq held twice: {doubled[:5]}")
    if stray:
        problems.append(f"{where}: origin_seq beyond the acknowledged prefix: {stray[:5]}")
    return problems


def verify_central_prefix(kiosk_url: str, target: SyncTarget, outcome: Outcome) -> None:
    """After a kill: the central holds exactly the kiosk's rows 1..acked_seq, unchanged, its
    ledger passes, and the kiosk never believes more was acknowledged than the central has."""
    from kiosk.core.central_models import SyncKiosk
    from kiosk.core.db import make_engine, read_session
    from kiosk.core.invariants import check_ledger
    from kiosk.core.ledger import meta_get
    from sync.client import ACKED_KEY

    where = f"after kill {outcome.kills}"
    central = make_engine(target.db_url)
    kiosk = make_engine(kiosk_url)
    try:
        with snapshot_session(central) as session:
            registered = session.get(SyncKiosk, target.kiosk_id)
            assert registered is not None
            acked = registered.acked_seq
            on_central = own_rows(session, target.kiosk_id)
            report = check_ledger(session)
        with read_session(kiosk) as session:
            kiosk_acked = int(meta_get(session, ACKED_KEY) or 0)
            on_kiosk = own_rows(session, target.kiosk_id, up_to=acked)
    finally:
        central.dispose()
        kiosk.dispose()
    outcome.problems += _seq_problems(on_central, range(1, acked + 1), f"{where}: central")
    if kiosk_acked > acked:
        outcome.problems.append(f"{where}: kiosk believes {kiosk_acked} acked, central {acked}")
    _compare(on_kiosk, on_central, f"{where}: central vs kiosk up to seq {acked}", outcome)
    if report.problems:
        # The central's rows are exactly the kiosk's first `acked` (just compared), so a
        # breach that the rest of the kiosk's rows heal is a transaction cut in two by a
        # chunk boundary, which push_payloads promises never to make: a problem either
        # way, counted apart; a clean sync tells which it was.
        outcome.half_pushed += 1
        if not outcome.half_pushed_example:
            outcome.half_pushed_example = f"{where} (acked {acked}): {report.problems[0]}"
        outcome.problems += [f"{where}: central: {p}" for p in report.problems]
        clean_sync(kiosk_url, target)
        central = make_engine(target.db_url)
        try:
            with snapshot_session(central) as session:
                healed = check_ledger(session)
        finally:
            central.dispose()
        outcome.problems += [f"{where}: central after a clean sync: {p}" for p in healed.problems]


def _compare(
    kiosk: dict[str, dict[str, Any]],
    central: dict[str, dict[str, Any]],
    where: str,
    outcome: Outcome,
) -> None:
    missing = sorted(set(kiosk) - set(central))
    extra = sorted(set(central) - set(kiosk))
    changed = sorted(k for k in set(kiosk) & set(central) if kiosk[k] != central[k])
    for label, keys in (("missing", missing), ("not on the kiosk", extra), ("differs", changed)):
        if keys:
            outcome.problems.append(f"{where}: {len(keys)} rows {label}, e.g. {keys[0]}")


def final_sync(
    kiosk_url: str, target: SyncTarget, confirmed: dict[str, str], outcome: Outcome
) -> None:
    """One clean sync, then: every kiosk row on the central exactly once and equal, every
    confirmed operation there exactly once, both ledgers pass."""
    from kiosk.core.central_models import SyncKiosk
    from kiosk.core.db import make_engine, read_session
    from kiosk.core.errors import DomainError
    from kiosk.core.invariants import check_ledger
    from sync.client import local_last_seq

    try:
        clean_sync(kiosk_url, target)
    except DomainError as error:
        outcome.problems.append(f"the final clean sync failed: {error.key} {error}")
        return
    central = make_engine(target.db_url)
    kiosk = make_engine(kiosk_url)
    try:
        with snapshot_session(central) as session:
            registered = session.get(SyncKiosk, target.kiosk_id)
            assert registered is not None
            acked = registered.acked_seq
            on_central = own_rows(session, target.kiosk_id)
            report = check_ledger(session)
        with read_session(kiosk) as session:
            last = local_last_seq(session, target.kiosk_id)
            on_kiosk = own_rows(session, target.kiosk_id)
    finally:
        central.dispose()
        kiosk.dispose()
    outcome.central_rows = len(on_central)
    outcome.problems += [f"final: central: {p}" for p in report.problems]
    if acked != last:
        outcome.problems.append(f"final: central acked {acked}, the kiosk is at {last}")
    outcome.problems += _seq_problems(on_central, range(1, last + 1), "final: central")
    _compare(on_kiosk, on_central, "final: central vs kiosk", outcome)
    presence = Presence(target.db_url)
    for op_id, operation in confirmed.items():
        present = presence.count(operation, op_id)
        if present != 1:
            outcome.problems.append(
                f"final: confirmed {operation} {op_id} present {present} times on the central"
            )


@contextlib.contextmanager
def sync_world(
    directory: Path, *, central_url: str | None = None, households_per_village: int = 5
) -> Iterator[tuple[str, SyncTarget]]:
    """A central (an empty database at `central_url`, else SQLite in `directory`) seeded and
    served on loopback, and a kiosk database bootstrapped from it; yields (kiosk URL,
    target)."""
    from kiosk.core.db import open_database
    from sync.loopback import LoopbackServer
    from sync.server import RateLimiter

    with contextlib.ExitStack() as stack:
        db_url = central_url or f"sqlite:///{directory / 'central.db'}"
        prepare_central(db_url, households_per_village)
        secret = register_kiosk(db_url)
        engine = open_database(db_url)
        stack.callback(engine.dispose)
        # The child syncs back to back on purpose, and what is under test here is
        # durability, not throttling (tests/stress/test_bad_requests.py has that): no limits.
        unlimited = RateLimiter(burst=1e12, per_second=1e12)
        server = LoopbackServer(
            engine, log_level="error", kiosk_limiter=unlimited, failure_limiter=unlimited
        )
        stack.callback(server.stop)
        target = SyncTarget(db_url, server.url, SYNC_KIOSK_ID, secret)
        kiosk_url = f"sqlite:///{directory / 'kiosk.db'}"
        clean_sync(kiosk_url, target)  # bootstrap: the village, its operators and balances
        yield kiosk_url, target


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """An empty database on a throw-away PostgreSQL server (or KIOSK_TEST_PG_URL's)."""
    from tests.support.postgres import create_database, drop_database, postgres_server

    with postgres_server() as server:
        url = create_database(server)
        try:
            yield url
        finally:
            drop_database(server, url)
