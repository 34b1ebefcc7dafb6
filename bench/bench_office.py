"""The street office's overview on the district database, served from PostgreSQL as the
central serves it: the district's SQLite file (bench.datagen) is copied into a throw-away
PostgreSQL once per run, then `kiosk.core.overview.office_overview` is timed for the whole
street and for one village. `python -m bench --only office`.

The copy runs with the database's triggers off (a bulk load, as a restore would), then
counts the overview's kept figures from the records once (`kiosk.core.rollups`); what the
triggers cost the writers is measured where they write (bench_sync, bench_core).

Floor: the same kept figures read by bare SQL (no ORM, no view objects). The quarter's ledger
sum by village, the one scan an overview from the records had to make, is printed beside it.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.bench_sync import _postgres
from bench.datagen import BENCH_NOW, ensure_district_db
from bench.table import BenchOptions, BenchRow, p50_p95, time_pair_ms
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.notice import Quarter
from kiosk.core.overview import office_overview
from kiosk.core.rollups import rebuild_rollups

OVERVIEW_TARGET_MS = 300.0
QUARTER = Quarter.containing(BENCH_NOW)
# What the overview reads; the rest of the district file is the kiosk's own.
TABLES = (
    "village",
    "exchangepoint",
    "catalogitem",
    "catalogprice",
    "rulesetrecord",
    "operator",
    "household",
    "ledgerentry",
    "redemptionorder",
    "orderline",
    "handover",
    "cancellation",
    "stockmovement",
    "declaration",
    "declarationdecision",
    "dispute",
    "disputeresolution",
)


def _copy_district(sqlite_path: Path, engine: Any) -> int:
    """Every row of `TABLES` from the district file into PostgreSQL by COPY; rows copied."""
    copied = 0
    with closing(sqlite3.connect(sqlite_path)) as lite, engine.begin() as connection:
        raw = connection.connection.driver_connection
        # SQLite keeps UTC text without an offset: read it as UTC.
        raw.execute("SET TIME ZONE 'UTC'")
        # A bulk load: no trigger fires (foreign keys included, the file is consistent); the
        # kept figures are counted once afterwards.
        raw.execute("SET session_replication_role = replica")
        for table in TABLES:
            wanted = {
                name
                for (name,) in raw.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                    (table,),
                )
            }
            names = [row[1] for row in lite.execute(f"PRAGMA table_info({table})")]
            names = [n for n in names if n in wanted]
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                for row in lite.execute(f"SELECT {', '.join(names)} FROM {table}"):
                    copy.write_row(row)
                    copied += 1
        raw.execute("SET session_replication_role = DEFAULT")
    return copied


def _count_kept_figures(engine: Any) -> None:
    with write_session(engine) as session:
        rebuild_rollups(session)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")


# The kept figures the whole street's overview reads, by bare SQL.
_FLOOR_READS = (
    "SELECT village_id, taking_part FROM rollup_village",
    "SELECT village_id, earning FROM rollup_village_quarter WHERE quarter = %(quarter)s",
    "SELECT village_id, month, awarded, deducted, redeemed FROM rollup_village_month "
    "WHERE month = ANY(%(months)s)",
    "SELECT h.village_id, count(*), min(o.created_at) FROM rollup_open_declaration o "
    "JOIN household h ON h.id = o.household_id GROUP BY h.village_id",
    "SELECT h.village_id, count(*), min(o.created_at) FROM rollup_open_dispute o "
    "JOIN household h ON h.id = o.household_id GROUP BY h.village_id",
    "SELECT exchange_point_id, on_time, late FROM rollup_point_quarter WHERE quarter = %(quarter)s",
    "SELECT exchange_point_id, item_no, sum(qty), sum(CASE WHEN due_at < %(now)s THEN 1 ELSE 0 END) "
    "FROM rollup_open_line GROUP BY exchange_point_id, item_no",
    "SELECT exchange_point_id, item_no, on_hand FROM rollup_stock",
)


def _floor(engine: Any) -> None:
    first = 3 * QUARTER.number - 2
    params = {
        "quarter": QUARTER.key,
        "months": [f"{QUARTER.year:04d}-{m:02d}" for m in range(first, first + 3)],
        "now": BENCH_NOW,
    }
    with engine.connect() as connection:
        for sql in _FLOOR_READS:
            connection.exec_driver_sql(sql, params).all()


def _ledger_scan(engine: Any) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "SELECT h.village_id, sum(e.points) FROM ledgerentry e "
            "JOIN household h ON h.id = e.household_id "
            "WHERE e.created_at >= %(start)s AND e.created_at < %(end)s GROUP BY h.village_id",
            {"start": QUARTER.start, "end": QUARTER.end},
        ).all()


def measure(sqlite_path: Path, samples: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with _postgres() as url:
        engine = open_database(url)
        start = time.perf_counter()
        results["rows"] = _copy_district(sqlite_path, engine)
        results["load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        _count_kept_figures(engine)
        results["count_s"] = time.perf_counter() - start
        with read_session(engine) as session:
            first_village = (
                session.connection()
                .exec_driver_sql("SELECT id FROM village ORDER BY id LIMIT 1")
                .scalar_one()
            )

        def street(_i: int) -> None:
            with read_session(engine) as session:
                office_overview(session, QUARTER, BENCH_NOW)

        def village(_i: int) -> None:
            with read_session(engine) as session:
                office_overview(session, QUARTER, BENCH_NOW, {first_village})

        def floor(_i: int) -> None:
            _floor(engine)

        results["street"], results["floor"] = time_pair_ms(street, floor, samples, warmup=2)
        results["village"], _ = time_pair_ms(village, floor, samples, warmup=2)
        results["scan"], _ = time_pair_ms(lambda _i: _ledger_scan(engine), floor, 5, warmup=1)
        with read_session(engine) as session:
            overview = office_overview(session, QUARTER, BENCH_NOW)
        results["villages"] = len(overview.villages)
        results["overview"] = overview  # for the suite: the copy's figures are the file's
        engine.dispose()
    return results


def run(options: BenchOptions) -> list[BenchRow]:
    path = ensure_district_db(quick=options.quick, data_dir=options.data_dir)
    numbers = measure(path, samples=5 if options.quick else min(options.samples, 50))
    floor_p50, floor_p95 = p50_p95(numbers["floor"])
    scan_p50, _ = p50_p95(numbers["scan"])
    rows = []
    for key, label in (
        ("street", f"office overview, whole street ({numbers['villages']} villages), PostgreSQL"),
        ("village", "office overview, one village, PostgreSQL"),
    ):
        p50, p95 = p50_p95(numbers[key])
        rows.append(
            BenchRow(
                name=label,
                p50=p50,
                p95=p95,
                unit="ms",
                floor_name="the kept figures by bare SQL",
                floor=floor_p95,
                floor_p50=floor_p50,
                target_p95=OVERVIEW_TARGET_MS,
                note=(
                    f"{numbers['rows']:,} rows loaded in {numbers['load_s']:.0f} s, figures "
                    f"counted in {numbers['count_s']:.0f} s; the quarter's ledger sum by "
                    f"village, p50 {scan_p50:,.0f} ms"
                ),
            )
        )
    return rows
