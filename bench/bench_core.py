"""Points-core benchmark: household lookup and redemption commit on the district database,
each beside a bare-SQLite floor measured in the same run."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

from bench.datagen import BENCH_NOW, ensure_district_db, sample_codes
from bench.table import BenchOptions, BenchRow, p50_p95, time_pair_ms

LOOKUP_TARGET_MS = 5.0
LOOKUP_TARGET_RATIO = 5.0
COMMIT_TARGET_MS = 20.0
COMMIT_TARGET_RATIO = 3.0


def run(options: BenchOptions) -> list[BenchRow]:
    path = ensure_district_db(quick=options.quick, data_dir=options.data_dir)
    return [*lookup_rows(path, options), commit_row(path, options)]


# --- household lookup ------------------------------------------------------------------


def lookup_rows(path: Path, options: BenchOptions) -> list[BenchRow]:
    """`kiosk household show` in-process: a scanned card resolved and summarised."""
    from kiosk.core.codes import CardSigner
    from kiosk.core.db import open_database, read_session
    from kiosk.core.households import resolve_household, summarize

    signer = CardSigner.from_file(Path(f"{path}.card-key"))
    codes = sample_codes(path, options.samples + 20, seed=8)
    payloads = [signer.payload(code, 1) for code in codes]
    engine = open_database(f"sqlite:///{path}")
    bare = sqlite3.connect(path, isolation_level=None)
    rows: list[BenchRow] = []
    try:
        for with_entries in (True, False):

            def lookup(i: int, with_entries: bool = with_entries) -> None:
                with read_session(engine) as session:
                    household = resolve_household(session, payloads[i])
                    summary = summarize(session, household, BENCH_NOW, with_entries=with_entries)
                    assert summary.code == codes[i]

            def floor(i: int, with_entries: bool = with_entries) -> None:
                _bare_lookup(bare, codes[i], with_entries)

            samples, floor_samples = time_pair_ms(lookup, floor, options.samples, warmup=20)
            p50, p95 = p50_p95(samples)
            floor_p50, floor_p95 = p50_p95(floor_samples)
            rows.append(
                BenchRow(
                    name="household lookup: scan -> resolve + summarize"
                    + (" (with the year's entries)" if with_entries else " (balance only)"),
                    p50=p50,
                    p95=p95,
                    unit="ms",
                    floor_name="bare sqlite3, same indexed reads"
                    if with_entries
                    else "bare sqlite3: code + balance + freeze",
                    floor=floor_p95,
                    floor_p50=floor_p50,
                    target_p95=LOOKUP_TARGET_MS,
                    target_ratio=LOOKUP_TARGET_RATIO,
                )
            )
    finally:
        bare.close()
        engine.dispose()
    return rows


def _bare_lookup(connection: sqlite3.Connection, code: str, with_entries: bool) -> None:
    """The same reads the lookup needs, through sqlite3 and the same indexes, no ORM."""
    year = 2026
    row = connection.execute(
        "SELECT id, code, village_id, group_name, head_name, members, card_version "
        "FROM household WHERE code = ?",
        (code,),
    ).fetchone()
    connection.execute("SELECT name FROM village WHERE id = ?", (row[2],)).fetchone()
    connection.execute(
        "SELECT coalesce(sum(points), 0) FROM ledgerentry WHERE household_id = ? AND points_year = ?",
        (row[0], year),
    ).fetchone()
    connection.execute(
        "SELECT action, starts_on, ends_on, reason FROM freeze WHERE household_id = ? "
        "ORDER BY created_at DESC",
        (row[0],),
    ).fetchall()
    if with_entries:
        connection.execute(
            "SELECT * FROM ledgerentry WHERE household_id = ? AND points_year = ? "
            "ORDER BY created_at, origin_seq",
            (row[0], year),
        ).fetchall()


# --- redemption commit -----------------------------------------------------------------


def commit_row(path: Path, options: BenchOptions) -> BenchRow:
    """One redemption through the service, committed durably (WAL, synchronous=FULL)."""
    from kiosk.core.db import open_database, write_session
    from kiosk.core.households import resolve_household
    from kiosk.core.redemption import RedeemLine, redeem
    from kiosk.core.reference import operator_by_id

    # Redemptions write; work on a copy so the cached database stays as generated.
    work = path.with_name("district-work.db" if not options.quick else "district-quick-work.db")
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(path, work)
    rng = random.Random(5)
    codes = [rng.choice(_households_with_points(work)) for _ in range(options.samples + 20)]
    engine = open_database(f"sqlite:///{work}")
    bare = _bare_commit_connection(work)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL

        def commit(i: int) -> None:
            with write_session(engine) as session:
                household = resolve_household(session, codes[i])
                operator = operator_by_id(session, "shop-heping")
                redeem(
                    session,
                    household=household,
                    lines=[RedeemLine(rng.choice((1, 2)), 1)],
                    operator=operator,
                    now=BENCH_NOW,
                )

        def floor(i: int) -> None:
            bare.execute("BEGIN IMMEDIATE")
            bare.execute("INSERT INTO bench_floor (v) VALUES (?)", (f"row {i}",))
            bare.execute("COMMIT")

        samples, floor_samples = time_pair_ms(commit, floor, options.samples, warmup=20)
    finally:
        bare.close()
        engine.dispose()
    p50, p95 = p50_p95(samples)
    floor_p50, floor_p95 = p50_p95(floor_samples)
    return BenchRow(
        name="redemption commit (WAL, synchronous=FULL)",
        p50=p50,
        p95=p95,
        unit="ms",
        floor_name="bare sqlite3 INSERT + COMMIT, fsync",
        floor=floor_p95,
        floor_p50=floor_p50,
        target_p95=COMMIT_TARGET_MS,
        target_ratio=COMMIT_TARGET_RATIO,
    )


def _households_with_points(path: Path) -> list[str]:
    """和平 households (the kiosk's own village) holding enough points for a few orders."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [
            row[0]
            for row in connection.execute(
                "SELECT h.code FROM household h JOIN ledgerentry e ON e.household_id = h.id "
                "WHERE h.village_id = 'heping' AND e.points_year = 2026 "
                "GROUP BY h.id HAVING sum(e.points) >= 30 ORDER BY h.code"
            )
        ]
    finally:
        connection.close()


def _bare_commit_connection(path: Path) -> sqlite3.Connection:
    """A bare connection with the kiosk's durability settings and a scratch table."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA busy_timeout=10000")
    connection.execute("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, v TEXT)")
    return connection
