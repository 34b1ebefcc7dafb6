"""`python -m bench night`: the district's night, every kiosk syncing at once with one central.

A central on a throw-away PostgreSQL (`tests/support/postgres.py`), served by `kiosk central
serve` in its own process exactly as `systemd/kiosk-central.service` runs it (one uvicorn
process, no `--workers`). Every village has one kiosk: a real SQLite database bootstrapped
from that central over real HTTP, then given a day made through the kiosk's own services
(awards, redemptions of two lines with one handed over at the counter, hand-overs of pending
lines, a restock, a declaration). The central and the kiosks' files are prepared once and
cached under `bench/data/` by `NIGHT_VERSION` and size, so only the night itself is timed.

The night: N kiosks push and pull at once, driven by a few worker processes each running
many kiosks in threads (as many kiosks in flight as `--concurrency`), over real HTTP. A
refused attempt (503 from the server's concurrency limit, a timeout, 429) is tried again,
as the sync timer's `Restart=on-failure` would, after a second instead of ten minutes, at
most six starts. Measured: wall time until every kiosk is done, each kiosk's sync time,
the central's CPU (the uvicorn process and every PostgreSQL backend), and how many
backends wait on a lock (pg_stat_activity sampled). At the end each kiosk's rows must be
on the central exactly once and `kiosk check` must pass on the central.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.table import DATA_DIR, BenchRow, percentile, render
from kiosk.core.clock import SHANGHAI

REPO = Path(__file__).resolve().parent.parent
NIGHT_VERSION = "1"  # bump when the prepared central or days change, so caches are rebuilt
BOOT = datetime(2026, 6, 15, 7, 0, tzinfo=SHANGHAI)  # kiosks bootstrapped
DAY = datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI)  # the shop opens
NIGHT = datetime(2026, 6, 16, 2, 30, tzinfo=SHANGHAI)  # kiosk-sync.timer's OnCalendar
SIZES = (30, 100, 300, 1000)
ATTEMPTS = 6  # kiosk-sync.service: StartLimitBurst=6
RETRY_AFTER_S = 1.0  # RestartSec=10min in the field; from a second here, doubling
# In flight at once: below the 64 the server admits (`limit_concurrency`; more get 503),
# since in the field RandomizedDelaySec=30min spreads the kiosks' starts.
CONCURRENCY = 48


@dataclass(frozen=True)
class DayShape:
    """One kiosk's day at its village's shop."""

    households: int = 40  # per village
    awards: int = 40
    redemptions: int = 15  # two lines each, the first handed over at the counter
    handovers: int = 5  # pending second lines handed over later the same day
    declarations: int = 1


FULL_DAY = DayShape()
TINY_DAY = DayShape(households=4, awards=4, redemptions=2, handovers=1, declarations=1)


@dataclass(frozen=True)
class KioskFile:
    id: str
    village_id: str
    secret: str
    path: Path


@dataclass(frozen=True)
class Prepared:
    """A central (as a pg_dump) and its kiosks' databases, each holding an unsynced day."""

    directory: Path
    dump: Path
    kiosks: list[KioskFile]


# --- preparing the central and the kiosks' days --------------------------------------------------


def _villages(count: int) -> list[tuple[str, str, str]]:
    """(slug, name, code prefix): the street's nine, then generated ones up to `count`."""
    from kiosk.core.seed import VILLAGES

    villages = list(VILLAGES[:count])
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for n in range(len(villages), count):
        # Z and three letters: room for 17,576 villages, none clashing with the street's.
        prefix = "Z" + letters[n // 676 % 26] + letters[n // 26 % 26] + letters[n % 26]
        villages.append((f"n{n:04d}", f"试点{n:04d}村", prefix))
    return villages


def seed_night_central(url: str, villages: int, shape: DayShape) -> dict[str, str]:
    """The central's reference data for `villages` villages (the nine of the street and
    generated ones), their operators and households, and one kiosk per village; returns
    each kiosk's secret by id."""
    from kiosk.core.db import open_database, write_session
    from kiosk.core.ids import derived_id
    from kiosk.core.models import ExchangePoint, Household, Operator, Role, Village
    from kiosk.core.pins import hash_pin
    from kiosk.core.seed import VILLAGES, seed_reference
    from sync.central import init_central
    from sync.credentials import add_kiosk

    engine = open_database(url)
    secrets: dict[str, str] = {}
    pin_hash = hash_pin("1111")  # scrypt is slow by design: one hash shared by all
    created = BOOT - timedelta(days=400)
    with write_session(engine) as session:
        seed_reference(session, BOOT - timedelta(days=1))
        known = {slug for slug, _name, _prefix in VILLAGES}
        table = _villages(villages)
        for slug, name, prefix in table:
            if slug not in known:
                session.add(Village(id=slug, name=name, code_prefix=prefix))
        session.flush()
        for slug, name, _prefix in table:
            if slug not in known:
                session.add(
                    ExchangePoint(id=f"{slug}-shop", village_id=slug, name=f"{name}便民商店")
                )
        session.flush()
        for slug, _name, prefix in table:
            session.add(
                Operator(
                    id=f"shop-{slug}",
                    name="店主",
                    role=Role.SHOPKEEPER,
                    village_id=slug,
                    exchange_point_id=f"{slug}-shop",
                    pin_hash=pin_hash,
                )
            )
            session.add(
                Operator(
                    id=f"admin-{slug}",
                    name="村管理员",
                    role=Role.VILLAGE_ADMIN,
                    village_id=slug,
                    pin_hash=pin_hash,
                )
            )
            for number in range(1, shape.households + 1):
                session.add(
                    Household(
                        id=derived_id("night-household", slug, number),
                        code=f"{prefix}{number:04d}",
                        village_id=slug,
                        group_name=f"{number % 8 + 1}组",
                        head_name="王建国",
                        members=["王建国", "李秀英"],
                        created_at=created,
                    )
                )
        session.flush()
        init_central(session, BOOT, signing_key_path=None)
        for _slug, name, prefix in table[:villages]:
            kiosk_id = f"K-{prefix}-01"
            secrets[kiosk_id] = add_kiosk(
                session, kiosk_id, village=name, exchange_point=None, now=BOOT
            ).secret
    engine.dispose()
    return secrets


def make_day(engine: Any, village_id: str, shape: DayShape) -> None:
    """A shop's day through the kiosk's services, one transaction per action as the app
    runs them: a restock, awards, redemptions, hand-overs of pending lines, a declaration."""
    from sqlmodel import select

    from kiosk.core.awards import award
    from kiosk.core.db import write_session
    from kiosk.core.declarations import file_declaration
    from kiosk.core.errors import DomainError
    from kiosk.core.fulfilment.board import restock
    from kiosk.core.fulfilment.handover import hand_over
    from kiosk.core.households import household_by_code
    from kiosk.core.models import ExchangePoint, Household, RedemptionOrder
    from kiosk.core.redemption import RedeemLine, redeem
    from kiosk.core.reference import operator_by_id

    at = DAY
    step = timedelta(minutes=3)
    with write_session(engine) as session:
        codes = sorted(
            session.exec(select(Household.code).where(Household.village_id == village_id))
        )
        point = session.get(ExchangePoint, f"{village_id}-shop")
        assert point is not None
        admin = operator_by_id(session, f"admin-{village_id}")
        restock(session, point, 1, 40, admin, at)
        restock(session, point, 2, 40, admin, at)
    for n in range(shape.awards):
        at += step
        with write_session(engine) as session:
            household = household_by_code(session, codes[n % len(codes)])
            admin = operator_by_id(session, f"admin-{village_id}")
            award(session, household=household, rule_id="P01", quantity=1, operator=admin, now=at)
    orders: list[str] = []
    for n in range(shape.redemptions):
        at += step
        with write_session(engine) as session:
            household = household_by_code(session, codes[n % len(codes)])
            shop = operator_by_id(session, f"shop-{village_id}")
            try:
                result = redeem(
                    session,
                    household=household,
                    lines=[RedeemLine(1, 1, hand_over=True), RedeemLine(2, 1)],
                    operator=shop,
                    now=at,
                )
            except DomainError:
                continue  # short of points: the shopkeeper says no, nothing is written
            orders.append(result.order_id)
    for order_id in orders[: shape.handovers]:
        at += step
        with write_session(engine) as session:
            order = session.get(RedemptionOrder, order_id)
            assert order is not None
            shop = operator_by_id(session, f"shop-{village_id}")
            hand_over(session, order, None, shop, at)
    for n in range(shape.declarations):
        at += step
        with write_session(engine) as session:
            admin = operator_by_id(session, f"admin-{village_id}")
            file_declaration(
                session,
                household=household_by_code(session, codes[(n + 1) % len(codes)]),
                # Mutual help, filed by the administrator for a neighbour: no photos.
                helper=household_by_code(session, codes[(n + 2) % len(codes)]),
                rule_id="P08",
                quantity=1,
                description="帮邻居清扫村道",
                now=at,
                filed_by=admin,
            )


def _no_fsync(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA synchronous=OFF")


def _prepare_kiosk(args: tuple[str, KioskFile, DayShape, Path]) -> str:
    """Bootstrap one kiosk from the central over HTTP, then make its day."""
    from sqlalchemy import event

    from kiosk.core.db import open_database
    from sync.client import HttpCentral, run_sync

    base, kiosk, shape, template = args
    # An empty kiosk database already migrated once: migrating 1,000 new files took longer
    # than their days.
    shutil.copyfile(template, kiosk.path)
    engine = open_database(f"sqlite:///{kiosk.path}")
    # Preparing only: the day's commits need not wait for the disk (the night's do).
    event.listen(engine, "connect", _no_fsync)
    engine.dispose()  # the migration check's pooled connection predates the hook
    try:
        with HttpCentral(base, kiosk.id, kiosk.secret) as link:
            run_sync(engine, link, kiosk_id=kiosk.id, now=BOOT)
        make_day(engine, kiosk.village_id, shape)
    finally:
        engine.dispose()
    return kiosk.id


def prepare(
    server_url: str,
    directory: Path,
    kiosks: int,
    shape: DayShape,
    *,
    processes: int = 2,
) -> Prepared:
    """A central with `kiosks` villages and their kiosks, each bootstrapped and given a day;
    the central dumped to `directory/central.dump`. Reused when already complete."""
    marker = directory / "complete.json"
    if marker.exists():
        return _load_prepared(directory)
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "kiosks").mkdir(parents=True)
    from tests.support.postgres import create_database, drop_database

    started = time.perf_counter()
    url = create_database(server_url)
    secrets = seed_night_central(url, kiosks, shape)
    villages = {f"K-{prefix}-01": slug for slug, _name, prefix in _villages(kiosks)}
    files = [
        KioskFile(kiosk_id, villages[kiosk_id], secret, directory / "kiosks" / f"{kiosk_id}.db")
        for kiosk_id, secret in secrets.items()
    ]
    from kiosk.core.db import open_database

    template = directory / "empty-kiosk.db"
    open_database(f"sqlite:///{template}").dispose()
    with serve_central(url, BOOT) as (base, _process):
        context = multiprocessing.get_context("spawn")
        with context.Pool(processes) as pool:
            for done, _kiosk in enumerate(
                pool.imap_unordered(_prepare_kiosk, [(base, k, shape, template) for k in files]), 1
            ):
                if done % 100 == 0:
                    print(f"  prepared {done}/{len(files)} kiosks", file=sys.stderr, flush=True)
    dump = directory / "central.dump"
    _pg_tool("pg_dump", "-Fc", "-f", str(dump), *_conn_args(url))
    drop_database(server_url, url)
    marker.write_text(
        json.dumps(
            {
                "version": NIGHT_VERSION,
                "shape": shape.__dict__,
                "kiosks": [[k.id, k.village_id, k.secret] for k in files],
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )
    return _load_prepared(directory)


def _load_prepared(directory: Path) -> Prepared:
    data = json.loads((directory / "complete.json").read_text())
    kiosks = [
        KioskFile(kiosk_id, village, secret, directory / "kiosks" / f"{kiosk_id}.db")
        for kiosk_id, village, secret in data["kiosks"]
    ]
    return Prepared(directory, directory / "central.dump", kiosks)


def _conn_args(url: str) -> list[str]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return [
        "-h",
        parsed.host or "127.0.0.1",
        "-p",
        str(parsed.port or 5432),
        "-U",
        parsed.username or "postgres",
        "-d",
        parsed.database or "postgres",
    ]


def _pg_tool(name: str, *args: str) -> None:
    from tests.support.postgres import find_binaries

    bindir = find_binaries()
    tool = str(bindir / name) if bindir else name
    subprocess.run([tool, *args], check=True, capture_output=True)


def restore_central(server_url: str, dump: Path) -> str:
    """A fresh database on the server holding the prepared central."""
    from tests.support.postgres import create_database

    url = create_database(server_url)
    _pg_tool("pg_restore", "--no-owner", *_conn_args(url), str(dump))
    # A restore brings no planner statistics; a central that has run for a while has them.
    _pg_tool("psql", "-q", "-c", "ANALYZE", *_conn_args(url))
    return url


# --- the live central -----------------------------------------------------------------------------


@contextmanager
def serve_central(url: str, now: datetime) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`kiosk central serve` in its own process, as kiosk-central.service starts it (one
    uvicorn process), on a free loopback port, with its clock at `now`."""
    import httpx

    from tests.support.postgres import free_port

    port = free_port()
    env = {**os.environ, "KIOSK_NOW": now.isoformat(), "KIOSK_CONFIG": "/nonexistent.toml"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "central", "serve", "--db", url, "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.post(base + "/v1/hello", json={})
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("central serve did not start") from None
            time.sleep(0.1)
    try:
        yield base, process
    finally:
        process.terminate()
        process.wait(30)


# --- the night ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KioskNight:
    kiosk_id: str
    seconds: float  # from the first attempt to the end of the one that succeeded
    attempts: int
    error: str | None


def _sync_one(base: str, kiosk: KioskFile) -> KioskNight:
    from kiosk.core.db import make_engine
    from kiosk.core.errors import DomainError
    from sync.client import HttpCentral, SyncFailed, run_sync

    engine = make_engine(f"sqlite:///{kiosk.path}")  # migrated when prepared
    started = time.perf_counter()
    error: str | None = None
    attempts = 0
    try:
        while attempts < ATTEMPTS:
            attempts += 1
            try:
                with HttpCentral(base, kiosk.id, kiosk.secret) as link:
                    run_sync(engine, link, kiosk_id=kiosk.id, now=NIGHT)
                error = None
                break
            except SyncFailed as failure:
                # What the timer retries: the central unreachable, busy or failing. Ten
                # minutes apart in the field; here 1, 2, 4, 8, 16 s, so the retries still
                # spread over the night rather than meet the same queue again.
                error = str(failure)
                time.sleep(RETRY_AFTER_S * 2 ** (attempts - 1))
            except DomainError as refusal:
                error = f"refused: {refusal}"
                break
    finally:
        engine.dispose()
    return KioskNight(kiosk.id, time.perf_counter() - started, attempts, error)


_ready: Any = None  # the start line the worker processes and the timer meet at


def _worker_init(barrier: Any) -> None:
    global _ready
    _ready = barrier


def _drive(args: tuple[str, list[KioskFile], int]) -> list[KioskNight]:
    """One worker process: its kiosks, `threads` at a time, once every worker is ready."""
    base, kiosks, threads = args
    import kiosk.core.awards  # noqa: F401  (imports before the start, not inside the timing)
    import sync.client  # noqa: F401

    _ready.wait()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda k: _sync_one(base, k), kiosks))


def _warm_up(base: str, kiosk: KioskFile) -> None:
    """A hello and a pull by a kiosk that is not in the night, before the timing: a
    central that has run for a while has its code imported and its caches warm. It writes
    nothing on the kiosk and pushes nothing."""
    from kiosk.core.db import make_engine, read_session
    from sync.client import HttpCentral, hello_payload, pull_request

    engine = make_engine(f"sqlite:///{kiosk.path}")
    try:
        with read_session(engine) as session, HttpCentral(base, kiosk.id, kiosk.secret) as link:
            link.hello(hello_payload(session, kiosk.id, NIGHT))
            link.pull(pull_request(session, kiosk.id))
    finally:
        engine.dispose()


def _proc_cpu(pid: int, *, children: bool = False) -> float:
    """CPU seconds of a process (with its reaped children's when asked), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Sampler:
    """Samples pg_stat_activity (backends waiting on a lock, backends active) every
    `interval` seconds in a thread, and totals the central's CPU at start and stop."""

    url: str
    server_pid: int
    interval: float = 0.25
    lock_waits: list[int] = field(default_factory=list)
    active: list[int] = field(default_factory=list)
    lock_kinds: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        import psycopg

        from tests.support.postgres import _libpq

        self._connection = psycopg.connect(_libpq(self.url), autocommit=True)
        self._postmaster = int(
            _children_parent(self._connection.execute("SELECT pg_backend_pid()").fetchone())
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def cpu(self) -> tuple[float, float]:
        """(uvicorn's CPU seconds, PostgreSQL's: the postmaster, its live and reaped
        children)."""
        pg = _proc_cpu(self._postmaster, children=True) + sum(
            _proc_cpu(pid) for pid in _children(self._postmaster)
        )
        return _proc_cpu(self.server_pid), pg

    def start(self) -> None:
        self._cpu_start = self.cpu()
        self._thread.start()

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        end = self.cpu()
        self._connection.close()
        return end[0] - self._cpu_start[0], end[1] - self._cpu_start[1]

    def _run(self) -> None:
        query = (
            "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), "
            "count(*) FILTER (WHERE state = 'active'), "
            "string_agg(wait_event, ',') FILTER (WHERE wait_event_type = 'Lock') "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        while not self._stop.wait(self.interval):
            waiting, active, kinds = self._connection.execute(query).fetchone() or (0, 0, None)
            self.lock_waits.append(int(waiting))
            self.active.append(int(active))
            for kind in (kinds or "").split(","):
                if kind:
                    self.lock_kinds[kind] = self.lock_kinds.get(kind, 0) + 1


def _children_parent(row: Any) -> int:
    """The postmaster: the parent of this sampling connection's backend."""
    backend = int(row[0])
    return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])


@dataclass(frozen=True)
class NightResult:
    kiosks: int
    wall_s: float
    syncs: list[KioskNight]
    uvicorn_cpu_s: float
    postgres_cpu_s: float
    lock_wait_mean: float
    lock_wait_max: int
    lock_wait_share: float  # of the samples, how many had a backend waiting on a lock
    lock_kinds: dict[str, int]
    active_mean: float
    rows_pushed: int
    mismatches: list[str]
    central_check: list[str]

    @property
    def errors(self) -> int:
        return sum(1 for s in self.syncs if s.error is not None)

    @property
    def retries(self) -> int:
        return sum(s.attempts - 1 for s in self.syncs)

    @property
    def exactly_once(self) -> bool:
        return not self.mismatches and not self.central_check and self.errors == 0


def run_night(
    server_url: str,
    prepared: Prepared,
    kiosks: int,
    *,
    concurrency: int = CONCURRENCY,
    processes: int = 4,
    scratch: Path,
) -> NightResult:
    """Restore the prepared central, copy the first `kiosks` kiosks' files, serve the
    central, and sync them all at once; then check every row arrived exactly once."""
    from tests.support.postgres import drop_database

    chosen = prepared.kiosks[:kiosks]
    if len(chosen) < kiosks:
        raise ValueError(f"prepared for {len(prepared.kiosks)} kiosks, not {kiosks}")
    work = scratch / f"night-{kiosks}"
    work.mkdir(parents=True)
    copies = []
    for kiosk in chosen:
        target = work / kiosk.path.name
        shutil.copyfile(kiosk.path, target)
        copies.append(KioskFile(kiosk.id, kiosk.village_id, kiosk.secret, target))
    url = restore_central(server_url, prepared.dump)
    processes = max(1, min(processes, kiosks))
    threads = max(1, min(kiosks, concurrency) // processes)
    shares = [copies[i::processes] for i in range(processes)]
    context = multiprocessing.get_context("spawn")
    # Each worker blocks at the barrier with its share, so no worker takes two shares.
    barrier = context.Barrier(processes + 1)
    try:
        with (
            serve_central(url, NIGHT) as (base, server),
            context.Pool(processes, _worker_init, (barrier,)) as pool,
        ):
            _warm_up(base, prepared.kiosks[-1])
            sampler = Sampler(url, server.pid)
            pending = pool.map_async(_drive, [(base, s, threads) for s in shares], chunksize=1)
            barrier.wait()
            sampler.start()
            started = time.perf_counter()
            syncs = [night for share in pending.get() for night in share]
            wall = time.perf_counter() - started
            uvicorn_cpu, postgres_cpu = sampler.stop()
        mismatches, pushed = check_exactly_once(url, copies)
        central_check = check_central(url)
    finally:
        drop_database(server_url, url)
        shutil.rmtree(work, ignore_errors=True)
    waits = sampler.lock_waits or [0]
    return NightResult(
        kiosks=kiosks,
        wall_s=wall,
        syncs=syncs,
        uvicorn_cpu_s=uvicorn_cpu,
        postgres_cpu_s=postgres_cpu,
        lock_wait_mean=sum(waits) / len(waits),
        lock_wait_max=max(waits),
        lock_wait_share=sum(1 for w in waits if w) / len(waits),
        lock_kinds=dict(sampler.lock_kinds),
        active_mean=sum(sampler.active) / max(1, len(sampler.active)),
        rows_pushed=pushed,
        mismatches=mismatches,
        central_check=central_check,
    )


def _own_rows(engine: Any, origin: str | None) -> dict[str, set[str]]:
    """Ids of the record rows (and order lines) written at `origin`, by table; every
    origin's when `origin` is None (keys then carry the origin)."""
    from sqlalchemy import select

    from sync.protocol import ORDER_LINES, ORDERS, RECORD_TABLES

    found: dict[str, set[str]] = {}
    with engine.connect() as connection:
        for table in RECORD_TABLES:
            t = table.table
            statement = select(t.c.origin, t.c[table.key])
            if origin is not None:
                statement = statement.where(t.c.origin == origin)
            for row_origin, key in connection.execute(statement):
                found.setdefault(f"{row_origin}/{table.name}", set()).add(str(key))
        lines = ORDER_LINES.table
        orders = ORDERS.table
        statement = select(orders.c.origin, lines.c.id).join(
            orders, orders.c.id == lines.c.order_id
        )
        if origin is not None:
            statement = statement.where(orders.c.origin == origin)
        for row_origin, key in connection.execute(statement):
            found.setdefault(f"{row_origin}/{ORDER_LINES.name}", set()).add(str(key))
    return found


def check_exactly_once(url: str, kiosks: Sequence[KioskFile]) -> tuple[list[str], int]:
    """Each kiosk's own rows, table by table, are the central's rows of that origin (ids
    are unique keys there, so equal sets mean exactly once), and the central acknowledges
    the kiosk's last seq. Returns the differences found and how many rows were compared."""
    from sqlalchemy import select
    from sqlmodel import col

    from kiosk.core.central_models import SyncKiosk
    from kiosk.core.db import make_engine
    from kiosk.core.ledger import meta_get
    from sync.client import local_last_seq

    central = make_engine(url)
    problems: list[str] = []
    compared = 0
    try:
        on_central = _own_rows(central, None)
        with central.connect() as connection:
            acked = {
                str(kiosk_id): int(seq)
                for kiosk_id, seq in connection.execute(
                    select(col(SyncKiosk.id), col(SyncKiosk.acked_seq))
                )
            }
        for kiosk in kiosks:
            engine = make_engine(f"sqlite:///{kiosk.path}")
            try:
                local = _own_rows(engine, kiosk.id)
                from sqlmodel import Session

                with Session(engine) as session:
                    last = local_last_seq(session, kiosk.id)
                    assert meta_get(session, "origin") == kiosk.id
            finally:
                engine.dispose()
            for key, ids in local.items():
                compared += len(ids)
                if on_central.get(key, set()) != ids:
                    problems.append(f"{key}: {len(ids)} here, {len(on_central.get(key, ()))} there")
            for key in on_central:
                if key.startswith(f"{kiosk.id}/") and key not in local:
                    problems.append(f"{key}: none here, {len(on_central[key])} there")
            if acked.get(kiosk.id) != last:
                problems.append(f"{kiosk.id}: acked {acked.get(kiosk.id)}, last seq {last}")
    finally:
        central.dispose()
    return problems, compared


def check_central(url: str) -> list[str]:
    """`kiosk check` on the central: the ledger's invariants over the whole database."""
    from kiosk.core.db import make_engine
    from sync.selfcheck import check_database

    engine = make_engine(url)
    try:
        return list(check_database(engine, NIGHT).problems)
    finally:
        engine.dispose()


# --- the table --------------------------------------------------------------------------------------


def rows_of(results: Sequence[NightResult], *, concurrency: int) -> list[BenchRow]:
    """Bench rows: per N the wall time, one kiosk's sync (p50, p99), the central's CPU per
    kiosk against the smallest night's (flat is the target) and the exactly-once check."""
    rows: list[BenchRow] = []
    base = results[0]
    base_cost = (base.uvicorn_cpu_s + base.postgres_cpu_s) / base.kiosks
    for result in results:
        seconds = [s.seconds * 1000 for s in result.syncs]
        cost = (result.uvicorn_cpu_s + result.postgres_cpu_s) / result.kiosks
        rows.append(
            BenchRow(
                name=f"night: {result.kiosks} kiosks sync at once, all done",
                p50=None,
                p95=result.wall_s,
                unit="s",
                target_p95=300.0 if result.kiosks == 300 else None,
                note=(
                    f"{result.rows_pushed:,} rows, {concurrency} in flight, "
                    f"{result.retries} retries, {result.errors} errors"
                ),
            )
        )
        rows.append(
            BenchRow(
                name=f"night: one kiosk's sync among {result.kiosks} (p99 in the p95 column)",
                p50=percentile(seconds, 0.50),
                p95=percentile(seconds, 0.99),
                unit="ms",
            )
        )
        rows.append(
            BenchRow(
                name=f"night: central CPU per kiosk, {result.kiosks} kiosks",
                p50=None,
                p95=cost * 1000,
                unit="ms CPU",
                floor_name=f"the {base.kiosks}-kiosk night" if result is not base else None,
                floor=base_cost * 1000 if result is not base else None,
                target_ratio=1.25 if result is not base else None,
                note=(
                    f"uvicorn {result.uvicorn_cpu_s:.1f} s, PostgreSQL "
                    f"{result.postgres_cpu_s:.1f} s; lock waits: mean "
                    f"{result.lock_wait_mean:.2f} backends, max {result.lock_wait_max}, in "
                    f"{result.lock_wait_share:.0%} of samples"
                    + (
                        f" ({', '.join(f'{k} {v}' for k, v in sorted(result.lock_kinds.items()))})"
                        if result.lock_kinds
                        else ""
                    )
                ),
            )
        )
        problems = len(result.mismatches) + len(result.central_check) + result.errors
        rows.append(
            BenchRow(
                name=f"night: {result.kiosks} kiosks' rows on the central exactly once, "
                "kiosk check on the central",
                p50=None,
                p95=float(problems),
                unit="problems",
                target_p95=1.0,
                note="ok"
                if result.exactly_once
                else "; ".join((result.mismatches + result.central_check)[:3]),
            )
        )
    return rows


def _cache_for(data_dir: Path, kiosks: int) -> Path:
    """The smallest complete cache with at least `kiosks` kiosks (a night of N uses the
    first N), or where to make one."""
    found = sorted(
        (int(path.name.rsplit("-", 1)[1]), path)
        for path in data_dir.glob(f"night-v{NIGHT_VERSION}-*")
        if (path / "complete.json").exists() and path.name.rsplit("-", 1)[1].isdigit()
    )
    for size, path in found:
        if size >= kiosks:
            return path
    return data_dir / f"night-v{NIGHT_VERSION}-{kiosks}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench night", description=__doc__)
    parser.add_argument("--kiosks", type=int, action="append", help="N (repeatable)")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="kiosks in flight")
    parser.add_argument("--processes", type=int, default=4, help="worker processes")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument("--prepare-only", action="store_true", help="only build the cache")
    args = parser.parse_args(argv)
    sizes = sorted(args.kiosks or SIZES)
    # A stopped run still stops its server and PostgreSQL (the context managers' exits).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.path.insert(0, str(REPO))
    from tests.support.postgres import postgres_server

    directory = _cache_for(args.data_dir, max(sizes))
    results: list[NightResult] = []
    with postgres_server() as server, tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        prepared = prepare(server, directory, max(sizes), FULL_DAY)
        print(
            f"prepared {len(prepared.kiosks)} kiosks in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        for size in [] if args.prepare_only else sizes:
            print(f"night of {size} kiosks ...", file=sys.stderr, flush=True)
            result = run_night(
                server,
                prepared,
                size,
                concurrency=args.concurrency,
                processes=args.processes,
                scratch=Path(scratch),
            )
            print(
                f"  {result.wall_s:.1f} s, {result.errors} errors, {result.retries} retries, "
                f"exactly once: {result.exactly_once}",
                file=sys.stderr,
                flush=True,
            )
            results.append(result)
    if not results:
        return 0
    print(render(rows_of(results, concurrency=args.concurrency)))
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        **{k: v for k, v in r.__dict__.items() if k != "syncs"},
                        "syncs": [s.__dict__ for s in r.syncs],
                    }
                    for r in results
                ],
                indent=1,
            )
        )
    return 0 if all(r.exactly_once for r in results) else 1
