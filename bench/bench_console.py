"""The office console's overview page over loopback on PostgreSQL, as the central serves it:
the district file (bench.datagen) copied into a throw-away PostgreSQL (as bench_office does),
then a street administrator's GET /o (every village) and GET /o?village=... through the real
app on uvicorn with `kiosk.services.office.Desk`, beside the same app's cheapest console
response (its stylesheet, which still checks the session). `python -m bench --only console`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from bench.bench_office import _copy_district
from bench.bench_sync import _postgres
from bench.datagen import BENCH_NOW, ensure_district_db
from bench.table import BenchOptions, BenchRow, p50_p95, time_pair_ms
from kiosk.core.db import open_database, read_session
from kiosk.services.office import Desk
from sync.loopback import LoopbackServer
from sync.phones import sign_in_admin

OVERVIEW_PAGE_TARGET_MS = 300.0


def run(options: BenchOptions) -> list[BenchRow]:
    path: Path = ensure_district_db(quick=options.quick, data_dir=options.data_dir)
    rows: list[BenchRow] = []
    with _postgres() as url:
        engine = open_database(url)
        copied = _copy_district(path, engine)
        with read_session(engine) as session:
            village_id = (
                session.connection()
                .exec_driver_sql("SELECT id FROM village ORDER BY id LIMIT 1")
                .scalar_one()
            )
        # The generated district's street administrator (bench.datagen, PIN 1111).
        signed = sign_in_admin(
            engine, "street-admin", "1111", now=BENCH_NOW, address="bench", kind="console"
        )
        server = LoopbackServer(engine, clock=lambda: BENCH_NOW, desk=Desk())
        try:
            with httpx.Client(
                base_url=server.url, headers={"cookie": f"jf_office={signed.token}"}, timeout=600
            ) as client:
                for name, target in (
                    ("every village", "/o"),
                    (f"one village ({village_id})", f"/o?village={village_id}"),
                ):
                    response = client.get(target)
                    assert response.status_code == 200, (target, response.status_code)
                    samples, floor = time_pair_ms(
                        _getter(client, target),
                        _getter(client, "/o/console.css"),
                        min(options.samples, 50),
                        warmup=2,
                    )
                    p50, p95 = p50_p95(samples)
                    floor_p50, floor_p95 = p50_p95(floor)
                    rows.append(
                        BenchRow(
                            name=f"console overview page {target}, {name}, PostgreSQL (loopback)",
                            p50=p50,
                            p95=p95,
                            unit="ms",
                            floor_name="GET /o/console.css, same session check",
                            floor=floor_p95,
                            floor_p50=floor_p50,
                            target_p95=OVERVIEW_PAGE_TARGET_MS,
                            note=f"{copied:,} rows; page {len(response.content):,} B",
                        )
                    )
        finally:
            server.stop()
            engine.dispose()
    return rows


def _getter(client: httpx.Client, url: str) -> Callable[[int], object]:
    return lambda _i: client.get(url)
