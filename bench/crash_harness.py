"""Crash harness: a child redeems and awards in a loop, the parent SIGKILLs it at random moments.

After every kill the database must open, pass `kiosk check`, and hold every operation the
child reported as confirmed exactly once. Run by hand:

    .venv/bin/python -m bench.crash_harness --kills 1000

With `--sync` a central store runs on loopback (uvicorn in a thread of this process, an
SQLite central unless `--postgres`) and the child also runs the nightly sync
(`sync.client.run_sync` over `HttpCentral`) in a second thread, so kills land mid-push,
mid-pull and mid-operation. After every kill the central must hold exactly the kiosk's
first `acked_seq` rows, equal to the kiosk's own, and pass `kiosk check` (a failure there is
also counted as "central held half a txn": a chunk that ended inside a transaction); at the
end one clean sync must bring every kiosk row and every confirmed operation to the central
exactly once. The child's own syncs may fail only as "unreachable".

    .venv/bin/python -m bench.crash_harness --sync --kills 1000
    .venv/bin/python -m bench.crash_harness --sync --postgres --kills 200

A quick variant of each runs in the test suite (tests/stress/test_crash_harness.py).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import random
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from sqlmodel import col, select

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

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


@dataclass
class Outcome:
    kills: int = 0
    confirmed: int = 0
    unconfirmed_present: int = 0
    problems: list[str] = field(default_factory=list)
    # --sync only
    syncs_done: int = 0
    chunks_acked: int = 0  # push replies the child heard (each ends an acknowledged chunk)
    kills_during_sync: int = 0
    kills_after_push_began: int = 0  # at least one chunk acknowledged in the killed sync
    sync_failures: Counter[str] = field(default_factory=Counter)
    central_rows: int = 0  # the kiosk's rows on the central after the final clean sync
    # Kills after which the central held part of a kiosk transaction (healed by the next sync).
    half_pushed: int = 0
    half_pushed_example: str = ""


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


def _read_lines(stream: IO[str], seconds: float) -> Iterator[str]:
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if not selector.select(remaining):
            break
        line = stream.readline()
        if not line:
            break
        yield line.rstrip("\n")
    selector.close()


# --- starting children ----------------------------------------------------------------------------


@dataclass
class Child:
    """A running child: its pid and the stream of its report lines."""

    pid: int
    stream: IO[str]
    process: subprocess.Popen[str] | None = None  # a fresh interpreter, else a zygote's fork

    def kill(self) -> list[str]:
        """SIGKILL it; the lines it wrote before dying (they still count), once it is gone."""
        os.kill(self.pid, signal.SIGKILL)
        rest = self.stream.read().splitlines()  # EOF: the dying process closed its end
        self.stream.close()
        if self.process is not None:
            self.process.wait()
        else:
            # The zygote reaps its children; wait until this one is gone from the table.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.002)
        return rest


class Launcher:
    """Starts each round's child: by default forked from a zygote that imported the kiosk
    once (a fresh interpreter spends ~1.5 s importing, which would be most of a round);
    with `fresh` a new interpreter every time. Either way the child opens the database
    itself after it starts, and dies by SIGKILL with nothing shared with the zygote."""

    def __init__(self, *, fresh: bool, env: dict[str, str]) -> None:
        self.fresh = fresh
        self.env = env
        self.cwd = Path(__file__).resolve().parent.parent
        self._zygote: subprocess.Popen[str] | None = None
        self._listener: socket.socket | None = None
        self._scratch: str | None = None
        if not fresh:
            self._scratch = tempfile.mkdtemp(prefix="crash-")
            path = str(Path(self._scratch) / "children.sock")
            self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._listener.bind(path)
            self._listener.listen(4)
            self._listener.settimeout(30)
            self._zygote = subprocess.Popen(
                [sys.executable, "-m", "bench.crash_harness", "zygote", path],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=self.cwd,
                env=env,
            )
            assert self._zygote.stdout is not None
            if self._zygote.stdout.readline().strip() != "zygote-ready":
                raise RuntimeError("the zygote did not start")

    def start(self, args: list[str]) -> Child:
        if self._zygote is None:
            process = subprocess.Popen(
                [sys.executable, "-m", "bench.crash_harness", *args],
                stdout=subprocess.PIPE,
                text=True,
                cwd=self.cwd,
                env=self.env,
            )
            assert process.stdout is not None
            return Child(process.pid, process.stdout, process)
        assert self._zygote.stdin is not None and self._zygote.stdout is not None
        assert self._listener is not None
        self._zygote.stdin.write(" ".join(args) + "\n")
        self._zygote.stdin.flush()
        pid = int(self._zygote.stdout.readline())
        connection, _ = self._listener.accept()
        return Child(pid, connection.makefile("r", encoding="utf-8"))

    def close(self) -> None:
        if self._zygote is not None:
            assert self._zygote.stdin is not None
            self._zygote.stdin.close()  # EOF: the zygote's loop ends
            self._zygote.wait(30)
            assert self._zygote.stdout is not None
            self._zygote.stdout.close()
        if self._listener is not None:
            self._listener.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def zygote(socket_path: str) -> None:
    """Import what children use, then fork one child per line of arguments on stdin; each
    child sends its report lines to `socket_path` instead of stdout."""
    for module in CHILD_MODULES:
        importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped without a wait
    print("zygote-ready", flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                connection.connect(socket_path)
                os.dup2(connection.fileno(), sys.stdout.fileno())
                connection.close()
                code = main(line.split())
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        print(pid, flush=True)


class Presence:
    """How many times each operation is in a database, read in three queries (one query per
    operation made every round quadratic: thousands of confirmed operations by the end)."""

    def __init__(self, url: str) -> None:
        from kiosk.core.db import make_engine, read_session
        from kiosk.core.models import LedgerEntry, RedemptionOrder

        engine = make_engine(url)
        try:
            with read_session(engine) as session:
                self.orders = Counter(session.exec(select(RedemptionOrder.id)).all())
                self.order_entries = Counter(
                    session.exec(
                        select(LedgerEntry.order_id).where(col(LedgerEntry.order_id).is_not(None))
                    ).all()
                )
                noted = session.exec(
                    select(LedgerEntry.note, LedgerEntry.group_id).where(
                        col(LedgerEntry.note).is_not(None)
                    )
                ).all()
                self.groups = Counter(
                    session.exec(
                        select(LedgerEntry.group_id).where(col(LedgerEntry.group_id).is_not(None))
                    ).all()
                )
        finally:
            engine.dispose()
        self.notes: dict[str, list[str | None]] = {}
        for note, group_id in noted:
            self.notes.setdefault(str(note), []).append(group_id)

    def count(self, operation: str, op_id: str) -> int:
        """How many times `op_id` is there; -1 when only part of it is."""
        if operation == "redeem":
            orders, entries = self.orders[op_id], self.order_entries[op_id]
            return orders if orders == entries else -1
        groups = self.notes.get(op_id, [])
        if operation == "award-helped" and len(groups) == 1:
            # Both halves of a mutual-help award land together or not at all.
            return 1 if groups[0] is not None and self.groups[groups[0]] == 2 else -1
        return len(groups)


def verify(
    url: str, confirmed: dict[str, str], unconfirmed: dict[str, str], outcome: Outcome
) -> None:
    """The database opens, its invariants hold, confirmed operations are there exactly once."""
    from kiosk.core.db import open_database, read_session
    from kiosk.core.invariants import check_ledger

    engine = open_database(url)
    with read_session(engine) as session:
        report = check_ledger(session)
    engine.dispose()
    outcome.problems += [f"after kill {outcome.kills}: {p}" for p in report.problems]
    presence = Presence(url)
    for op_id, operation in confirmed.items():
        present = presence.count(operation, op_id)
        if present != 1:
            outcome.problems.append(f"confirmed {operation} {op_id} present {present} times")
    for op_id, operation in unconfirmed.items():
        present = presence.count(operation, op_id)
        if present not in (0, 1):
            outcome.problems.append(f"unconfirmed {operation} {op_id} present {present} times")
        outcome.unconfirmed_present += max(present, 0)


@dataclass
class _Round:
    """What one child said before it was killed."""

    in_flight: dict[str, str] = field(default_factory=dict)
    syncing: bool = False
    pushed_in_sync: bool = False


def _take(line: str, state: _Round, confirmed: dict[str, str], outcome: Outcome) -> None:
    kind, *rest = line.split()
    if kind == "begin":
        state.in_flight[rest[1]] = rest[0]
    elif kind == "done":
        confirmed[rest[1]] = state.in_flight.pop(rest[1], rest[0])
    elif kind == "refused":
        state.in_flight.pop(rest[0], None)
    elif kind == "sync-begin":
        state.syncing, state.pushed_in_sync = True, False
    elif kind == "pushed":
        state.pushed_in_sync = True
        outcome.chunks_acked += 1
    elif kind == "sync-done":
        state.syncing = False
        outcome.syncs_done += 1
    elif kind == "sync-failed":
        state.syncing = False
        outcome.sync_failures[rest[0]] += 1
        if rest[0] not in RETRYABLE_SYNC_FAILURES:
            outcome.problems.append(f"a sync before kill {outcome.kills + 1} failed: {rest[0]}")


def run(
    url: str,
    kills: int,
    *,
    max_wait: float = 0.25,
    seed: int = 1,
    sync: SyncTarget | None = None,
    fresh: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Start, kill and verify `kills` times; confirmed operations accumulate across kills.

    With `sync` the child also syncs with that central, which is checked after every kill
    and, at the end, after one clean sync run here.
    """
    rng = random.Random(seed)
    outcome = Outcome()
    confirmed: dict[str, str] = {}
    env = dict(os.environ)
    if sync is not None:
        env[SECRET_ENV] = sync.secret
    with Launcher(fresh=fresh, env=env) as launcher:
        for round_number in range(kills):
            if sync is None:
                args = ["child", url, str(seed + round_number)]
            else:
                args = ["sync-child", url, str(seed + round_number), sync.http_url, sync.kiosk_id]
            child_process = launcher.start(args)
            state = _Round()
            ready = False
            for line in _read_lines(child_process.stream, 30):
                if line == "ready":
                    ready = True
                    break
                _take(line, state, confirmed, outcome)  # the sync thread may start first
            if not ready:
                child_process.kill()
                outcome.problems.append(f"child {round_number} never became ready")
                break
            # Let it work for a random moment, reading what it confirms, then kill it
            # mid-stride.
            for line in _read_lines(child_process.stream, rng.uniform(0.0, max_wait)):
                _take(line, state, confirmed, outcome)
            for line in child_process.kill():
                _take(line, state, confirmed, outcome)
            outcome.kills += 1
            outcome.kills_during_sync += state.syncing
            outcome.kills_after_push_began += state.syncing and state.pushed_in_sync
            verify(url, confirmed, state.in_flight, outcome)
            if sync is not None:
                verify_central_prefix(url, sync, outcome)
            if progress is not None:
                progress(outcome)
            if outcome.problems:
                break
    outcome.confirmed = len(confirmed)
    if sync is not None and not outcome.problems:
        final_sync(url, sync, confirmed, outcome)
    return outcome


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="mode")
    child_parser = sub.add_parser("child")
    child_parser.add_argument("url")
    child_parser.add_argument("seed", type=int)
    sync_parser = sub.add_parser("sync-child")
    sync_parser.add_argument("url")
    sync_parser.add_argument("seed", type=int)
    sync_parser.add_argument("central")
    sync_parser.add_argument("kiosk_id")
    zygote_parser = sub.add_parser("zygote")
    zygote_parser.add_argument("socket")
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--db", type=Path, default=Path("bench/data/crash.db"))
    parser.add_argument("--sync", action="store_true", help="sync with a central while working")
    parser.add_argument("--postgres", action="store_true", help="the central on PostgreSQL")
    parser.add_argument(
        "--max-wait",
        type=float,
        help="at most this many seconds between ready and the kill (default 0.25; 1.5 with "
        "--sync, where a sync needs a moment to get to its pushes)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--fresh", action="store_true", help="a new interpreter per child instead of a fork"
    )
    args = parser.parse_args(argv)
    if args.mode == "child":
        child(args.url, args.seed)
        return 0
    if args.mode == "sync-child":
        sync_child(args.url, args.seed, args.central, args.kiosk_id)
        return 0
    if args.mode == "zygote":
        zygote(args.socket)
        return 0

    def show(outcome: Outcome) -> None:
        if outcome.kills % 50 == 0:
            print(f"  {outcome.kills} kills ...", file=sys.stderr, flush=True)

    max_wait = args.max_wait if args.max_wait is not None else (1.5 if args.sync else 0.25)
    started = time.monotonic()
    if args.sync:
        with contextlib.ExitStack() as stack:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crash-sync-")))
            central_url = stack.enter_context(throwaway_postgres()) if args.postgres else None
            url, target = stack.enter_context(sync_world(scratch, central_url=central_url))
            outcome = run(
                url,
                args.kills,
                max_wait=max_wait,
                seed=args.seed,
                sync=target,
                fresh=args.fresh,
                progress=show,
            )
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        args.db.parent.mkdir(parents=True, exist_ok=True)
        url = prepare_database(args.db)
        outcome = run(
            url, args.kills, max_wait=max_wait, seed=args.seed, fresh=args.fresh, progress=show
        )
    elapsed = time.monotonic() - started
    print(f"{'kills':<28}{outcome.kills:>10}")
    print(f"{'confirmed operations':<28}{outcome.confirmed:>10}")
    print(f"{'unconfirmed but committed':<28}{outcome.unconfirmed_present:>10}")
    if args.sync:
        print(f"{'syncs finished':<28}{outcome.syncs_done:>10}")
        print(f"{'chunks acknowledged':<28}{outcome.chunks_acked:>10}")
        print(f"{'kills during a sync':<28}{outcome.kills_during_sync:>10}")
        print(f"{'  of which after a push':<28}{outcome.kills_after_push_began:>10}")
        for key, count in sorted(outcome.sync_failures.items()):
            print(f"{'sync failed: ' + key:<28}{count:>10}")
        print(f"{'kiosk rows on the central':<28}{outcome.central_rows:>10}")
        print(f"{'central held half a txn':<28}{outcome.half_pushed:>10}")
        if outcome.half_pushed_example:
            print(f"  e.g. {outcome.half_pushed_example}")
    print(f"{'problems (lost, doubled...)':<28}{len(outcome.problems):>10}")
    print(f"{'seconds':<28}{elapsed:>10.1f}")
    for problem in outcome.problems[:20]:
        print("  ✗", problem)
    return 0 if not outcome.problems else 1


if __name__ == "__main__":
    sys.exit(main())
