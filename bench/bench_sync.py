"""Sync benchmarks on a throw-away PostgreSQL: central ingest rate against a bare COPY of
the same rows, one kiosk's sync of 10,000 new entries over loopback, and a sync with
nothing new. `python -m bench --only sync`, or `measure()` for the raw numbers."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.table import BenchOptions, BenchRow, p50_p95, time_ms
from kiosk.core.clock import SHANGHAI
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.ids import new_id
from kiosk.core.ledger import append_entry
from kiosk.core.models import Household
from kiosk.core.seed import seed_demo
from sync import central
from sync.central import init_central
from sync.client import HttpCentral, run_sync
from sync.credentials import add_kiosk
from sync.protocol import ENTRIES, decode_row

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
KIOSK = "K-HP-01"
SHOP_KIOSK = "K-HP-02"  # pushes a shop's day of mixed records
# Awards exactly as kiosk.core.awards prices them: the central admits only what an honest
# kiosk could write (sync.admission), so the rows are real ones, re-derived on the way in.
RULE_VERSION = "tangxiang-2022@2022-12-08"
AWARD_RULE, AWARD_POINTS = "P03", 10  # per occurrence: no cap, no ranking condition


@contextmanager
def _postgres() -> Iterator[str]:
    sys.path.insert(0, str(REPO))
    from tests.support.postgres import create_database, postgres_server

    with postgres_server() as server:
        yield create_database(server)


def _central(url: str, households: int) -> tuple[Any, str]:
    engine = open_database(url)
    with write_session(engine) as session:
        seed_demo(session, now=NOW, households_per_village=households)
        init_central(session, NOW, signing_key_path=None)
        secret = add_kiosk(session, KIOSK, village="heping", exchange_point=None, now=NOW).secret
    return engine, secret


def _entry_rows(engine: Any, count: int, first_seq: int) -> list[dict[str, Any]]:
    with read_session(engine) as session:
        ids = [h.id for h in session.query(Household).filter(Household.village_id == "heping")]
    created = NOW.isoformat()
    return [
        {
            "id": new_id(),
            "household_id": ids[i % len(ids)],
            "points_year": 2026,
            "points": AWARD_POINTS,
            "kind": "award",
            "rule_id": AWARD_RULE,
            "rule_version": RULE_VERSION,
            "quantity": 1,
            "remainder": None,
            "order_id": None,
            "reverses_id": None,
            "group_id": None,
            "helper_for_id": None,
            "operator_id": "admin-heping",
            "origin": KIOSK,
            "origin_seq": first_seq + i,
            "created_at": created,
            "note": None,
        }
        for i in range(count)
    ]


def _ingest(engine: Any, rows: list[dict[str, Any]], chunk: int = 1000) -> float:
    """Entries per second through receive_push (parse, plausibility, admission: every row
    re-derived against the rule set, operators and references; COPY; the books of what the
    push touched; acknowledge)."""
    start = time.perf_counter()
    for offset in range(0, len(rows), chunk):
        part = rows[offset : offset + chunk]
        payload = {
            "first_seq": part[0]["origin_seq"],
            "last_seq": part[-1]["origin_seq"],
            "holes": [],
            "rows": {"entries": part},
        }
        central.receive_push(engine, KIOSK, payload, NOW)
    return len(rows) / (time.perf_counter() - start)


def _shop_day(engine: Any, scratch: Path, orders: int) -> tuple[list[dict[str, Any]], int]:
    """A second kiosk's real records, made by its own services: for every order of two
    lines (one handed over at the counter) an award that pays for it, and a restock now and
    then; returned as the pushes the sync would cut, with how many rows they hold."""
    from kiosk.core.awards import award
    from kiosk.core.errors import DomainError
    from kiosk.core.fulfilment import restock
    from kiosk.core.households import household_by_code
    from kiosk.core.models import ExchangePoint
    from kiosk.core.redemption import RedeemLine, redeem
    from kiosk.core.reference import operator_by_id
    from sync.client import LocalCentral, push_payloads

    with write_session(engine) as session:
        add_kiosk(session, SHOP_KIOSK, village="heping", exchange_point=None, now=NOW)
    kiosk = open_database(f"sqlite:///{scratch / 'shop.db'}")
    run_sync(kiosk, LocalCentral(engine, SHOP_KIOSK, lambda: NOW), kiosk_id=SHOP_KIOSK, now=NOW)
    with write_session(kiosk) as session:
        admin = operator_by_id(session, "admin-heping")
        shop = operator_by_id(session, "shop-heping")
        point = session.get(ExchangePoint, "heping-shop")
        assert point is not None
        codes = [
            h.code
            for h in session.query(Household).filter(Household.village_id == "heping")
            if h.takes_part
        ]
        made = 0
        for n in range(orders * 2):
            if made == orders:
                break
            household = household_by_code(session, codes[n % len(codes)])
            if made % 20 == 0:
                restock(session, point, 1, 40, admin, NOW)
            award(session, household=household, rule_id="P01", quantity=1, operator=admin, now=NOW)
            try:
                redeem(
                    session,
                    household=household,
                    lines=[RedeemLine(1, 1, hand_over=True), RedeemLine(2, 1)],
                    operator=shop,
                    now=NOW,
                )
            except DomainError:
                continue  # a household the seed froze: it earns, but may not redeem
            made += 1
    chunks = [payload for payload, _last in push_payloads(kiosk, SHOP_KIOSK, 0)]
    kiosk.dispose()
    rows = sum(len(table) for chunk in chunks for table in chunk["rows"].values())
    return chunks, rows


def _ingest_chunks(engine: Any, chunks: list[dict[str, Any]], kiosk_id: str) -> float:
    """Seconds to take in `chunks` through receive_push, as the central does."""
    start = time.perf_counter()
    for payload in chunks:
        central.receive_push(engine, kiosk_id, payload, NOW)
    return time.perf_counter() - start


def _bare_copy(engine: Any, rows: list[dict[str, Any]], chunk: int = 1000) -> float:
    """The floor: the same rows COPYed into an identically indexed table, one commit per
    chunk, with no parsing, checks or acknowledgement."""
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE ledger_floor (LIKE ledgerentry INCLUDING ALL)")
    decoded = [
        {**decode_row(ENTRIES, row), "server_seq": i, "received_at": NOW}
        for i, row in enumerate(rows)
    ]
    names = list(decoded[0])
    start = time.perf_counter()
    for offset in range(0, len(decoded), chunk):
        with engine.begin() as connection:
            raw = connection.connection.driver_connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY ledger_floor ({', '.join(names)}) FROM STDIN") as copy,
            ):
                for row in decoded[offset : offset + chunk]:
                    copy.write_row([row[n] for n in names])
    return len(decoded) / (time.perf_counter() - start)


@contextmanager
def _serve(url: str) -> Iterator[str]:
    """`kiosk central serve` in its own process, as in production (minus nginx)."""
    from bench.night import serve_central

    with serve_central(url, NOW) as (base, _process):
        yield base


def measure(*, quick: bool = False, samples: int = 50) -> dict[str, float]:
    """The raw numbers: ingest and floor in entries/s, sync times in seconds/milliseconds."""
    ingest_count = 5_000 if quick else 100_000
    sync_count = 1_000 if quick else 10_000
    results: dict[str, float] = {}
    with _postgres() as url, tempfile.TemporaryDirectory() as scratch:
        engine, secret = _central(url, households=5 if quick else 50)
        rows = _entry_rows(engine, ingest_count, 1)
        results["ingest_entries_per_s"] = _ingest(engine, rows)
        results["bare_copy_entries_per_s"] = _bare_copy(
            engine, _entry_rows(engine, ingest_count, 1)
        )
        results["ingest_entries"] = ingest_count
        chunks, day_rows = _shop_day(engine, Path(scratch), 300 if quick else 2_000)
        results["day_rows"] = day_rows
        results["day_rows_per_s"] = day_rows / _ingest_chunks(engine, chunks, SHOP_KIOSK)

        kiosk_engine = open_database(f"sqlite:///{Path(scratch) / 'kiosk.db'}")
        with _serve(url) as base, HttpCentral(base, KIOSK, secret) as link:
            run_sync(kiosk_engine, link, kiosk_id=KIOSK, now=NOW)  # bootstrap
            with write_session(kiosk_engine) as session:
                households = [h.id for h in session.query(Household)]
                for i in range(sync_count):
                    append_entry(
                        session,
                        household_id=households[i % len(households)],
                        points=AWARD_POINTS,
                        kind="award",
                        at=NOW,
                        origin=KIOSK,
                        rule_id=AWARD_RULE,
                        rule_version=RULE_VERSION,
                        quantity=1,
                        operator_id="admin-heping",
                    )
            start = time.perf_counter()
            report = run_sync(kiosk_engine, link, kiosk_id=KIOSK, now=NOW)
            results["sync_new_s"] = time.perf_counter() - start
            results["sync_new_entries"] = report.pushed
            idle = time_ms(
                lambda _i: run_sync(kiosk_engine, link, kiosk_id=KIOSK, now=NOW),
                samples,
                warmup=3,
            )
            results["sync_nothing_p50_ms"], results["sync_nothing_p95_ms"] = p50_p95(idle)
        kiosk_engine.dispose()
        engine.dispose()
    return results


def run(options: BenchOptions) -> list[BenchRow]:
    numbers = measure(
        quick=options.quick, samples=min(options.samples, 10 if options.quick else 100)
    )
    return [
        BenchRow(
            name=f"central ingest, PostgreSQL ({int(numbers['ingest_entries']):,} entries)",
            p50=None,
            p95=numbers["ingest_entries_per_s"],
            unit="entries/s",
            floor_name="bare COPY",
            floor=numbers["bare_copy_entries_per_s"],
            target_p95=20_000,
            higher_is_better=True,
        ),
        BenchRow(
            name=(
                f"central ingest of a shop's day, PostgreSQL ({int(numbers['day_rows']):,} rows:"
                " orders, lines, hand-overs, stock, awards)"
            ),
            p50=None,
            p95=numbers["day_rows_per_s"],
            unit="rows/s",
            higher_is_better=True,
        ),
        BenchRow(
            name=f"kiosk sync of {int(numbers['sync_new_entries']):,} new entries (loopback)",
            p50=None,
            p95=numbers["sync_new_s"],
            unit="s",
            target_p95=5.0,
        ),
        BenchRow(
            name="kiosk sync, nothing new (loopback)",
            p50=numbers["sync_nothing_p50_ms"],
            p95=numbers["sync_nothing_p95_ms"],
            unit="ms",
            target_p95=200.0,
        ),
    ]


if __name__ == "__main__":
    from bench.table import render

    print(render(run(BenchOptions(quick="--quick" in sys.argv, samples=100))))
