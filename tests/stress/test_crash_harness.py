"""The quick variant of the crash harness: SIGKILL a redeeming child a few times, lose nothing;
then the same while it syncs with a central on loopback (SQLite, then PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.crash.central import sync_world
from bench.crash.checks import Outcome
from bench.crash.rounds import run
from bench.crash.workload import prepare_database
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.households import household_by_code
from kiosk.core.invariants import check_ledger
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from sync import central
from sync.client import LocalCentral, push_payloads, run_sync
from tests.support.postgres import create_database, drop_database
from tests.sync.harness import NOW, Central, copy_file, new_kiosk


def test_kills_lose_and_double_nothing(tmp_path: Path) -> None:
    url = prepare_database(tmp_path / "crash.db", households_per_village=3)
    outcome = run(url, kills=6, max_wait=0.3, seed=7)
    assert outcome.problems == []
    assert outcome.kills == 6
    # The child must have got work done between kills, or the test proves nothing.
    assert outcome.confirmed > 0


def _assert_sync_outcome(outcome: Outcome, kills: int) -> None:
    assert outcome.problems == []
    assert outcome.kills == kills
    assert outcome.confirmed > 0
    # The final clean sync brought every row up: at least one per confirmed operation.
    assert outcome.central_rows >= outcome.confirmed
    # No kill between two chunks left the central half a transaction (chunks end at one's end).
    assert outcome.half_pushed == 0, outcome.half_pushed_example


def test_kills_while_syncing_lose_and_double_nothing(tmp_path: Path) -> None:
    with sync_world(tmp_path, households_per_village=3) as (url, target):
        outcome = run(url, kills=5, max_wait=1.0, seed=11, sync=target)
    _assert_sync_outcome(outcome, 5)


@pytest.mark.postgres
def test_kills_while_syncing_with_a_postgresql_central(tmp_path: Path, pg_server: str) -> None:
    database = create_database(pg_server)
    try:
        with sync_world(tmp_path, central_url=database, households_per_village=3) as (url, target):
            outcome = run(url, kills=3, max_wait=1.0, seed=5, sync=target)
    finally:
        drop_database(pg_server, database)
    _assert_sync_outcome(outcome, 3)


def test_a_chunk_boundary_never_leaves_half_a_transaction_on_the_central(
    sqlite_template: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{copy_file(sqlite_template, tmp_path / 'central.db')}"
    engine = open_database(url)
    kiosk = new_kiosk(Central(url, engine, "sqlite"), tmp_path, "K-HP-01")
    try:
        run_sync(
            kiosk.engine, LocalCentral(engine, kiosk.id, lambda: NOW), kiosk_id=kiosk.id, now=NOW
        )
        with write_session(kiosk.engine) as session:
            redeem(
                session,
                household=household_by_code(session, "HP0001"),
                lines=[RedeemLine(1, 1)],
                operator=operator_by_id(session, "shop-heping"),
                now=NOW,
            )
        # The first chunk of a sync cut at the worst place: the order without its entry,
        # which is the next seq. The kiosk dies here.
        first, _last = next(iter(push_payloads(kiosk.engine, kiosk.id, 0, chunk_size=1)))
        central.receive_push(engine, kiosk.id, first, NOW)
        with read_session(engine) as session:
            report = check_ledger(session)
        assert report.problems == []
    finally:
        kiosk.engine.dispose()
        engine.dispose()
