"""Real parts for the sync tests: seeded central databases, a live uvicorn, kiosks, a
byte-counting TCP proxy that cuts or stalls connections, and entry-for-entry comparison."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select as sql_select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.core.clock import SHANGHAI
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.households import household_by_code
from kiosk.core.invariants import check_ledger
from kiosk.core.ledger import append_entry, meta_get
from kiosk.core.models import Household
from kiosk.core.seed import seed_demo
from sync.central import _scoped, init_central
from sync.client import HttpCentral, SyncReport, run_sync
from sync.credentials import add_kiosk
from sync.loopback import LoopbackServer
from sync.protocol import ORDER_LINES, RECORD_TABLES, REFERENCE_TABLES, encode_row

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
HOUSEHOLDS_PER_VILLAGE = 4
RULE_VERSION = "tangxiang-2022@2022-12-08"  # the street rule set the demo seeds
BULK_RULE, BULK_POINTS = "P03", 10  # per occurrence, no cap and no ranking condition


class Clock:
    """The central's clock in a test: fixed, moved by hand."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def seed_central(url: str) -> None:
    engine = open_database(url)
    with write_session(engine) as session:
        seed_demo(
            session, now=NOW - timedelta(days=1), households_per_village=HOUSEHOLDS_PER_VILLAGE
        )
        init_central(session, NOW, signing_key_path=None)
    engine.dispose()


@dataclass
class Central:
    url: str
    engine: Engine
    kind: str  # "sqlite" or "postgresql"

    def add_kiosk(self, kiosk_id: str, village: str = "heping") -> str:
        with write_session(self.engine) as session:
            return add_kiosk(
                session, kiosk_id, village=village, exchange_point=None, now=NOW
            ).secret


class LiveServer(LoopbackServer):
    """The central on loopback with the test's clock (kept, so a test can move it)."""

    def __init__(self, engine: Engine, clock: Clock, **app_options: Any) -> None:
        self.clock = clock
        super().__init__(engine, clock=clock, **app_options)


@dataclass
class Kiosk:
    id: str
    secret: str
    engine: Engine
    path: Path
    village: str = "heping"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def link(self, server_url: str, **options: Any) -> HttpCentral:
        return HttpCentral(server_url, self.id, self.secret, **options)

    def sync(self, server_url: str, *, now: datetime = NOW, **options: Any) -> SyncReport:
        with self.link(server_url) as link:
            return run_sync(self.engine, link, kiosk_id=self.id, now=now, **options)

    def household(self, code: str) -> Household:
        with read_session(self.engine) as session:
            return household_by_code(session, code)


def new_kiosk(central: Central, directory: Path, kiosk_id: str, village: str = "heping") -> Kiosk:
    secret = central.add_kiosk(kiosk_id, village)
    path = directory / f"{kiosk_id}.db"
    return Kiosk(kiosk_id, secret, open_database(f"sqlite:///{path}"), path, village)


def write_awards(
    engine: Engine, origin: str, household_code: str, count: int, at: datetime = NOW
) -> None:
    """`count` awards of a per-occurrence rule written straight through the ledger, each
    exactly as `kiosk.core.awards.award` prices it (fast bulk history for chunking; the
    central admits them as an honest kiosk's)."""
    with write_session(engine) as session:
        household = household_by_code(session, household_code)
        for _ in range(count):
            append_entry(
                session,
                household_id=household.id,
                points=BULK_POINTS,
                kind="award",
                at=at,
                origin=origin,
                rule_id=BULK_RULE,
                rule_version=RULE_VERSION,
                quantity=1,
                operator_id=f"admin-{household.village_id}",
                note="bulk",
            )


# --- comparing ---------------------------------------------------------------------------------


def village_state(engine: Engine, village_id: str) -> dict[str, dict[str, dict[str, Any]]]:
    """Every synced row a kiosk of `village_id` should hold, by table and id, without the
    central's own bookkeeping (server_seq)."""
    state: dict[str, dict[str, dict[str, Any]]] = {}
    with Session(engine) as session:
        for table in (*REFERENCE_TABLES, *RECORD_TABLES):
            rows = session.execute(_scoped(table, village_id)).mappings()
            state[table.name] = {str(r[table.key]): encode_row(table, r) for r in rows}
        order_ids = list(state["orders"])
        lines = session.execute(
            sql_select(ORDER_LINES.table).where(ORDER_LINES.table.c.order_id.in_(order_ids))
        ).mappings()
        state["order_lines"] = {r["id"]: encode_row(ORDER_LINES, r) for r in lines}
    return state


def assert_agree(central: Central, kiosk: Kiosk) -> None:
    """Central and kiosk hold the same rows for the kiosk's village, and both ledgers pass."""
    village = kiosk.village
    kiosk_state = village_state(kiosk.engine, village)
    central_state = village_state(central.engine, village)
    for table in central_state:
        if table == "villages":
            continue
        assert kiosk_state[table] == central_state[table], f"{table} differs"
    for engine in (central.engine, kiosk.engine):
        with read_session(engine) as session:
            report = check_ledger(session)
        assert report.ok, report.problems


def kiosk_meta(kiosk: Kiosk, key: str) -> str | None:
    with read_session(kiosk.engine) as session:
        return meta_get(session, key)


def copy_file(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


# --- a TCP proxy that fails on purpose -----------------------------------------------------------


@dataclass
class FaultyProxy:
    """Forwards loopback TCP to `target_port`, counting bytes both ways; once `cut_after`
    bytes have passed it drops every connection (or, with `stall`, stops forwarding and
    holds them open, so a client can be killed mid-request)."""

    target_port: int
    cut_after: int | None = None
    stall: bool = False
    transferred: int = 0
    tripped: threading.Event = field(default_factory=threading.Event)
    # (direction, first byte offset, end offset) of each run of bytes one way: the
    # requests ("up") and replies ("down") of the conversation, in order.
    segments: list[tuple[str, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.tripped.is_set() and not self.stall:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()  # nothing listens behind: the client sees a dropped connection
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink, way in ((client, upstream, "up"), (upstream, client, "down")):
                threading.Thread(target=self._pump, args=(source, sink, way), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, way: str) -> None:
        try:
            while True:
                data = source.recv(4096)
                if not data:
                    break
                with self._lock:
                    allowed = len(data)
                    if self.cut_after is not None:
                        allowed = max(0, min(allowed, self.cut_after - self.transferred))
                    if allowed:
                        if self.segments and self.segments[-1][0] == way:
                            self.segments[-1] = (
                                way,
                                self.segments[-1][1],
                                self.transferred + allowed,
                            )
                        else:
                            self.segments.append(
                                (way, self.transferred, self.transferred + allowed)
                            )
                    self.transferred += allowed
                if allowed:
                    sink.sendall(data[:allowed])
                if allowed < len(data):
                    self.tripped.set()
                    if self.stall:
                        while not self._closed:
                            time.sleep(0.02)
                    break
        except OSError:
            pass
        finally:
            self._shut(source, sink)

    def _shut(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        self._shut(*sockets)
