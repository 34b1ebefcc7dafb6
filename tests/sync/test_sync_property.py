"""Property: whatever order and repetition a kiosk's chunks arrive in (with different
chunk boundaries mixed), the central only ever holds a gap-free prefix of the kiosk's
rows, and one resumed push then brings it to exactly the same state."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.core.central_models import SyncKiosk
from kiosk.core.db import make_engine, read_session, write_session
from kiosk.core.errors import Refused
from kiosk.core.households import household_by_code
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from sync import central
from sync.client import LocalCentral, push_payloads, run_sync
from sync.protocol import RECORD_TABLES
from tests.sync.harness import NOW, Central, copy_file, new_kiosk, village_state, write_awards

KIOSK = "K-HP-01"


@dataclass(repr=False)  # hypothesis prints arguments; a megabyte of rows helps no one
class World:
    central_bytes: bytes  # the central with the kiosk registered, before any push
    pool: list[dict[str, Any]]  # chunks of sizes 3, 5 and 7
    resume: list[dict[str, Any]]  # the chunks of 5 a resumed sync would send
    final: dict[str, Any]
    total: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("property")
    path = copy_file(sqlite_template, directory / "central.db")
    engine = make_engine(f"sqlite:///{path}")
    hub = Central(f"sqlite:///{path}", engine, "sqlite")
    kiosk = new_kiosk(hub, directory, KIOSK)
    run_sync(kiosk.engine, LocalCentral(engine, KIOSK, lambda: NOW), kiosk_id=KIOSK, now=NOW)
    with engine.connect():
        pass
    engine.dispose()
    registered = path.read_bytes()
    with write_session(kiosk.engine) as session:
        for code in ("HP0001", "HP0002"):
            redeem(
                session,
                household=household_by_code(session, code),
                lines=[RedeemLine(1, 1, hand_over=True), RedeemLine(2, 1)],
                operator=operator_by_id(session, "shop-heping"),
                now=NOW,
            )
    write_awards(kiosk.engine, KIOSK, "HP0003", 20)
    pool = [
        p for size in (3, 5, 7) for p, _ in push_payloads(kiosk.engine, KIOSK, 0, chunk_size=size)
    ]
    engine = make_engine(f"sqlite:///{path}")
    run_sync(kiosk.engine, LocalCentral(engine, KIOSK, lambda: NOW), kiosk_id=KIOSK, now=NOW)
    final = village_state(engine, "heping")
    with read_session(engine) as session:
        total = session.get(SyncKiosk, KIOSK).acked_seq  # type: ignore[union-attr]
    engine.dispose()
    kiosk.engine.dispose()
    resume = list(p for p, _ in push_payloads(kiosk.engine, KIOSK, 0, chunk_size=5))
    yield World(registered, pool, resume, final, total)


def own_seqs(engine: Any) -> list[int]:
    seqs: list[int] = []
    with read_session(engine) as session:
        for table in RECORD_TABLES:
            t = table.table
            seqs += session.scalars(select(t.c.origin_seq).where(t.c.origin == KIOSK)).all()
    return sorted(seqs)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_order_and_repetition_of_chunks_converges(world: World, data: st.DataObject) -> None:
    deliveries = data.draw(
        st.lists(st.integers(min_value=0, max_value=len(world.pool) - 1), max_size=14)
    )
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "central.db"
        path.write_bytes(world.central_bytes)
        engine = make_engine(f"sqlite:///{path}")
        acked = 0
        try:
            for index in deliveries:
                try:
                    central.receive_push(engine, KIOSK, world.pool[index], NOW)
                except Refused as refused:
                    assert refused.key == "sync.gap"
                with read_session(engine) as session:
                    acked = session.get(SyncKiosk, KIOSK).acked_seq  # type: ignore[union-attr]
                assert own_seqs(engine) == list(range(1, acked + 1))
            for payload in world.resume:
                if payload["last_seq"] > acked:
                    acked = central.receive_push(engine, KIOSK, payload, NOW).acked_seq
            assert acked == world.total
            assert village_state(engine, "heping") == world.final
        finally:
            engine.dispose()
