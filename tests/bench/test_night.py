"""The night load test on a small scale: a few kiosks, each bootstrapped from a central on a
real PostgreSQL over real HTTP and given a day through its own services, sync at once
against `kiosk central serve`; every row arrives exactly once and `kiosk check` passes on
the central. Nothing here is timed (`python -m bench night` is run by hand)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.night import TINY_DAY, _own_rows, prepare, run_night
from tests.support.postgres import PostgresUnavailable, postgres_server


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


def test_a_small_night_takes_every_kiosks_day_exactly_once(pg: str, tmp_path: Path) -> None:
    prepared = prepare(pg, tmp_path / "cache", 3, TINY_DAY, processes=1)
    from kiosk.core.db import make_engine

    # Each kiosk's day holds every kind of record the night must carry.
    engine = make_engine(f"sqlite:///{prepared.kiosks[0].path}")
    try:
        kinds = {key.split("/")[1] for key in _own_rows(engine, prepared.kiosks[0].id)}
    finally:
        engine.dispose()
    assert {
        "entries",
        "orders",
        "order_lines",
        "handovers",
        "stock_movements",
        "declarations",
    } <= kinds

    result = run_night(pg, prepared, 3, concurrency=3, processes=2, scratch=tmp_path)
    assert [s.error for s in result.syncs] == [None, None, None]
    assert result.mismatches == []
    assert result.central_check == []
    assert result.exactly_once
    assert result.rows_pushed > 3 * (TINY_DAY.awards + TINY_DAY.redemptions)

    # The cache is reused: a second night starts from the same unsynced days.
    again = prepare(pg, tmp_path / "cache", 3, TINY_DAY, processes=1)
    assert [k.id for k in again.kiosks] == [k.id for k in prepared.kiosks]
    second = run_night(pg, again, 2, concurrency=2, processes=1, scratch=tmp_path / "two")
    assert second.exactly_once
