"""Points-core benchmark: household lookup and redemption commit on the district database,
each beside a bare-SQLite floor that does the same logical work, measured in the same run."""

from __future__ import annotations

import random
import shutil
import sqlite3
import uuid
from datetime import timedelta
from pathlib import Path

from bench.datagen import BENCH_NOW, ensure_district_db, sample_codes
from bench.table import BenchOptions, BenchRow, p50_p95, time_ms, time_pair_cpu_ms, time_pair_ms
from kiosk.core.clock import local_date

LOOKUP_TARGET_MS = 5.0
LOOKUP_TARGET_RATIO = 3.0
COMMIT_TARGET_MS = 20.0
COMMIT_TARGET_RATIO = 3.0
YEAR = 2026  # the points year of BENCH_NOW
BENCH_DAY = local_date(BENCH_NOW).isoformat()  # its day, as the price in force is looked up


def run(options: BenchOptions) -> list[BenchRow]:
    path = ensure_district_db(quick=options.quick, data_dir=options.data_dir)
    return [*lookup_rows(path, options), *commit_rows(path, options)]


# --- household lookup ------------------------------------------------------------------


def lookup_rows(path: Path, options: BenchOptions) -> list[BenchRow]:
    """`kiosk household show` in-process: a scanned card resolved and summarised (`look_up`,
    as the CLI and the app's scan call it)."""
    from kiosk.core.codes import CardScan, CardSigner, parse_scan, verify_card
    from kiosk.core.db import open_database
    from kiosk.core.households import look_up

    signer = CardSigner.from_file(Path(f"{path}.card-key"))
    codes = sample_codes(path, options.samples + 20, seed=8)
    payloads = [signer.payload(code, 1) for code in codes]
    engine = open_database(f"sqlite:///{path}")
    bare = sqlite3.connect(path, isolation_level=None)
    rows: list[BenchRow] = []
    try:
        for with_entries in (True, False):

            def lookup(i: int, with_entries: bool = with_entries) -> None:
                summary = look_up(engine, payloads[i], BENCH_NOW, with_entries=with_entries)
                assert summary.code == codes[i]

            def floor(i: int, with_entries: bool = with_entries) -> None:
                _bare_lookup(bare, codes[i], with_entries)

            samples, floor_samples = time_pair_ms(lookup, floor, options.samples, warmup=20)
            p50, p95 = p50_p95(samples)
            floor_p50, floor_p95 = p50_p95(floor_samples)
            rows.append(
                BenchRow(
                    name="household lookup: scan -> look_up"
                    + (" (with the year's entries)" if with_entries else " (balance only)"),
                    p50=p50,
                    p95=p95,
                    unit="ms",
                    floor_name="bare sqlite3, same reads (key, household, village, freeze, "
                    + ("entries)" if with_entries else "balance)"),
                    floor=floor_p95,
                    floor_p50=floor_p50,
                    target_p95=LOOKUP_TARGET_MS,
                    target_ratio=LOOKUP_TARGET_RATIO,
                )
            )
        # The one part of a lookup the floor leaves out: it is CPU in OpenSSL, not a read.
        public_key = _card_key(bare)
        scans = [parse_scan(payload) for payload in payloads]

        def verify(i: int) -> None:
            scan = scans[i]
            assert isinstance(scan, CardScan) and verify_card(scan, public_key)

        p50, p95 = p50_p95(time_ms(verify, options.samples, warmup=20))
        rows.append(
            BenchRow(
                name="  of which: Ed25519 card check (not in the floors)",
                p50=p50,
                p95=p95,
                unit="ms",
            )
        )
    finally:
        bare.close()
        engine.dispose()
    return rows


def _card_key(connection: sqlite3.Connection) -> str:
    row = connection.execute("SELECT value FROM meta WHERE key = 'card_public_key'").fetchone()
    return str(row[0])


def _bare_lookup(connection: sqlite3.Connection, code: str, with_entries: bool) -> None:
    """What a lookup reads, through sqlite3 and the same indexes: no ORM, no signature check.

    One read transaction, as the service's session has, so the figures agree with each other;
    with entries the balance is their sum, as summarize computes it.
    """
    connection.execute("BEGIN")
    _card_key(connection)
    household_id, village_id = connection.execute(
        "SELECT id, village_id, code, group_name, head_name, members, residency, "
        "long_term_absent, opted_in, card_version FROM household WHERE code = ?",
        (code,),
    ).fetchone()[:2]
    connection.execute("SELECT name FROM village WHERE id = ?", (village_id,)).fetchone()
    connection.execute(
        "SELECT action, starts_on, ends_on, reason FROM freeze WHERE household_id = ? "
        "ORDER BY created_at DESC, origin_seq DESC",
        (household_id,),
    ).fetchall()
    if with_entries:
        entries = connection.execute(
            "SELECT id, points, kind, rule_id, quantity, remainder, order_id, reverses_id, "
            "operator_id, origin, origin_seq, created_at, note FROM ledgerentry "
            "WHERE household_id = ? AND points_year = ? ORDER BY created_at, origin_seq",
            (household_id, YEAR),
        ).fetchall()
        sum(entry[1] for entry in entries)
    else:
        connection.execute(
            "SELECT coalesce(sum(points), 0) FROM ledgerentry "
            "WHERE household_id = ? AND points_year = ?",
            (household_id, YEAR),
        ).fetchone()
    connection.execute("COMMIT")


# --- redemption commit -----------------------------------------------------------------


def commit_rows(path: Path, options: BenchOptions) -> list[BenchRow]:
    """One redemption through the service, committed durably (WAL, synchronous=FULL), in
    wall-clock time and in CPU time, each beside the same redemption in bare sqlite3."""
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
    candidates = _households_with_points(work)
    codes = [rng.choice(candidates) for _ in range(options.samples + 20)]
    items = [rng.choice((1, 2)) for _ in range(options.samples + 20)]
    floor_codes = [rng.choice(candidates) for _ in range(options.samples + 20)]
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
                    lines=[RedeemLine(items[i], 1)],
                    operator=operator,
                    now=BENCH_NOW,
                )

        def floor(i: int) -> None:
            _bare_redeem(bare, floor_codes[i], items[i])

        times = time_pair_cpu_ms(commit, floor, options.samples, warmup=20)
    finally:
        bare.close()
        engine.dispose()
    floor_name = "bare sqlite3, same reads + rows + COMMIT"
    wall_p50, wall_p95 = p50_p95(times.wall)
    floor_wall_p50, floor_wall_p95 = p50_p95(times.floor_wall)
    cpu_p50, cpu_p95 = p50_p95(times.cpu)
    floor_cpu_p50, floor_cpu_p95 = p50_p95(times.floor_cpu)
    return [
        BenchRow(
            name="redemption commit (WAL, synchronous=FULL)",
            p50=wall_p50,
            p95=wall_p95,
            unit="ms",
            floor_name=floor_name + ", fsync",
            floor=floor_wall_p95,
            floor_p50=floor_wall_p50,
            target_p95=COMMIT_TARGET_MS,
            target_ratio=COMMIT_TARGET_RATIO,
        ),
        BenchRow(
            name="  the same commits in CPU time (no fsync wait)",
            p50=cpu_p50,
            p95=cpu_p95,
            unit="ms CPU",
            floor_name=floor_name + ", CPU time",
            floor=floor_cpu_p95,
            floor_p50=floor_cpu_p50,
            target_ratio=COMMIT_TARGET_RATIO,
        ),
    ]


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
    """A bare connection with the kiosk's durability and integrity settings."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=10000")
    return connection


def _utc_text(offset: timedelta = timedelta(0)) -> str:
    # How the kiosk's tables store a datetime in SQLite: naive UTC text.
    return (BENCH_NOW + offset).strftime("%Y-%m-%d %H:%M:%S.%f")


def _bare_redeem(connection: sqlite3.Connection, code: str, item_no: int) -> None:
    """A one-item redemption in bare sqlite3: the reads its checks need, the rows it writes
    (order, line, entry, in the real tables with their indexes), and a durable COMMIT.

    The rows are real redemptions of a real household, so the work database stays one that
    `kiosk check` passes.
    """
    connection.execute("BEGIN IMMEDIATE")
    household_id, village_id = connection.execute(
        "SELECT id, village_id, card_version FROM household WHERE code = ?", (code,)
    ).fetchone()[:2]
    operator_id, point_id = connection.execute(
        "SELECT id, exchange_point_id, village_id, role, active FROM operator WHERE id = ?",
        ("shop-heping",),
    ).fetchone()[:2]
    balance = connection.execute(
        "SELECT coalesce(sum(points), 0) FROM ledgerentry "
        "WHERE household_id = ? AND points_year = ?",
        (household_id, YEAR),
    ).fetchone()[0]
    connection.execute(
        "SELECT action, starts_on, ends_on FROM freeze WHERE household_id = ?", (household_id,)
    ).fetchall()
    no, name, points, due_class = connection.execute(
        "SELECT no, name, coalesce((SELECT p.points FROM catalogprice p WHERE p.item_no = no "
        "AND p.effective_from <= ? ORDER BY p.effective_from DESC LIMIT 1), points), due_class "
        "FROM catalogitem WHERE no = ? AND active",
        (BENCH_DAY, item_no),
    ).fetchone()
    assert points <= balance
    (origin,) = connection.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone()
    (point_village,) = connection.execute(
        "SELECT village_id FROM exchangepoint WHERE id = ?", (point_id,)
    ).fetchone()
    assert point_village == village_id
    (last,) = connection.execute(
        "UPDATE origincounter SET last_seq = last_seq + 2 WHERE origin = ? RETURNING last_seq",
        (origin,),
    ).fetchone()
    # The receipt counter, read as kiosk.core.redemption.next_receipt_seq reads it.
    (receipt,) = connection.execute(
        "SELECT coalesce((SELECT max(receipt_seq) FROM redemptionorder WHERE origin = ?), "
        "(SELECT max(origin_seq) FROM redemptionorder WHERE origin = ?), 0) + 1",
        (origin, origin),
    ).fetchone()
    order_id, number, now = str(uuid.uuid4()), f"{origin}-{receipt:06d}".upper(), _utc_text()
    connection.execute(
        "INSERT INTO redemptionorder (id, number, receipt_seq, household_id, exchange_point_id, "
        "operator_id, points_year, total, balance_before, origin, origin_seq, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (order_id, number, receipt, household_id, point_id, operator_id, YEAR, points, balance,
         origin, last - 1, now),
    )  # fmt: skip
    connection.execute(
        "INSERT INTO orderline (id, order_id, line_no, item_no, item_name, qty, unit_points, "
        "points, due_class, due_at) VALUES (?, ?, 1, ?, ?, 1, ?, ?, ?, ?)",
        (str(uuid.uuid4()), order_id, no, name, points, points, due_class,
         _utc_text(timedelta(days=7 if due_class == "appliance" else 2))),
    )  # fmt: skip
    connection.execute(
        "INSERT INTO ledgerentry (id, household_id, points_year, points, kind, order_id, "
        "group_id, operator_id, origin, origin_seq, created_at, note) "
        "VALUES (?, ?, ?, ?, 'redemption', ?, ?, ?, ?, ?, ?, ?)",
        (str(uuid.uuid4()), household_id, YEAR, -points, order_id, order_id, operator_id,
         origin, last, now, number),
    )  # fmt: skip
    connection.execute("COMMIT")
