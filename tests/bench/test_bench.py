"""The benchmark tooling works end to end on small data (its numbers are not tested: bench/
is run by hand), and the table's arithmetic is right."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.__main__ import bench_modules, main
from bench.datagen import QUICK, ensure_district_db
from bench.table import BenchRow, p50_p95, percentile, render
from kiosk.core.db import open_database, read_session
from kiosk.core.invariants import check_ledger


def test_quick_run_prints_one_table_with_the_core_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--quick", "--only", "core", "--samples", "5", "--data-dir", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert table.count("household lookup") == 2
    assert "redemption commit (WAL, synchronous=FULL)" in table
    assert "bare sqlite3, same reads + rows + COMMIT, fsync" in table
    assert "ms CPU" in table  # the commit again in CPU time, beside its floor's
    # The commit floor writes real redemptions: the work copy still passes the checks.
    work = open_database(f"sqlite:///{tmp_path / 'district-quick-work.db'}")
    try:
        with read_session(work) as session:
            report = check_ledger(session)
        assert report.ok, report.problems[:5]
    finally:
        work.dispose()
    # The generated database is what the application would have written: its checks pass.
    path = ensure_district_db(quick=True, data_dir=tmp_path)
    connection = sqlite3.connect(path)
    try:
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("village", "household", "ledgerentry")
        }
        indexes = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
    finally:
        connection.close()
    assert counts == {
        "village": QUICK.villages,
        "household": QUICK.households,
        "ledgerentry": QUICK.entries,
    }
    assert {"ix_ledgerentry_balance", "ix_ledgerentry_rule", "ix_household_village_id"} <= indexes
    engine = open_database(f"sqlite:///{path}")
    try:
        with read_session(engine) as session:
            report = check_ledger(session)
        assert report.ok, report.problems[:5]
        assert report.counts["negative_balances"] == 0
    finally:
        engine.dispose()


def test_the_core_module_is_found_first() -> None:
    assert bench_modules()[0] == "bench.bench_core"


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert p50_p95(samples) == (50.0, 95.0)
    assert percentile([3.0], 0.95) == 3.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_ratio_and_targets() -> None:
    row = BenchRow("lookup", 1.0, 2.0, "ms", "bare", 0.5, target_p95=5.0, target_ratio=5.0)
    assert (row.ratio, row.passed) == (4.0, True)
    slow = BenchRow("commit", 1.0, 4.0, "ms", "fsync", 1.0, target_p95=20.0, target_ratio=3.0)
    assert (slow.ratio, slow.passed) == (4.0, False)
    ingest = BenchRow(
        "ingest",
        None,
        5000.0,
        "entries/s",
        "COPY",
        10000.0,
        target_ratio=3.0,
        higher_is_better=True,
    )
    assert (ingest.ratio, ingest.passed) == (2.0, True)
    assert BenchRow("memory", None, 80.0, "MB").passed is None
    # With both medians known the ratio compares medians, which load disturbs least.
    steady = BenchRow("lookup", 1.0, 9.0, "ms", "bare", 0.5, floor_p50=0.25, target_ratio=5.0)
    assert (steady.ratio, steady.passed) == (4.0, True)
    table = render([row, slow, ingest])
    assert table.splitlines()[0].startswith("| benchmark")
    assert "4.00x" in table and "NO" in table and "<= 3.00x floor" in table


def test_quick_web_run_prints_every_household_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--quick", "--only", "web", "--samples", "3", "--data-dir", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    for page in ("/", "/history", "/owed", "/notice", "/rules", "/requests", "/phones"):
        assert f"household page {page} (loopback)" in table
        assert f"page weight {page} (first load)" in table


def test_the_office_bench_times_the_districts_own_overview(tmp_path: Path) -> None:
    """What bench_office times on PostgreSQL is the district file's overview, figure for figure."""
    from bench.bench_office import QUARTER, measure
    from bench.datagen import BENCH_NOW
    from kiosk.core.overview import office_overview

    path = ensure_district_db(quick=True, data_dir=tmp_path)
    lite = open_database(f"sqlite:///{path}")
    try:
        with read_session(lite) as session:
            expected = office_overview(session, QUARTER, BENCH_NOW)
    finally:
        lite.dispose()
    assert sum(m.redeemed for v in expected.villages for m in v.months) > 0
    numbers = measure(path, samples=1)
    assert numbers["overview"] == expected
    assert numbers["rows"] > QUICK.households * QUICK.entries_per_household
