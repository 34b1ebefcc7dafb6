"""The street office's overview on the district database, served from PostgreSQL as the
central serves it: the district's SQLite file (bench.datagen) is copied into a throw-away
PostgreSQL once per run, then `kiosk.core.overview.office_overview` is timed for the whole
street and for one village. `python -m bench --only office`.

Floor: one scan that any overview must make, the sum of the quarter's ledger points grouped
by village (the same join and time range, none of the overview's other figures).
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
from kiosk.core.db import open_database, read_session
from kiosk.core.notice import Quarter
from kiosk.core.overview import office_overview

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
        raw.execute("ANALYZE")
    return copied


def _floor(engine: Any) -> None:
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
                floor_name="the quarter's ledger sum by village",
                floor=floor_p95,
                floor_p50=floor_p50,
                target_p95=OVERVIEW_TARGET_MS,
                note=f"{numbers['rows']:,} rows loaded in {numbers['load_s']:.0f} s",
            )
        )
    return rows
