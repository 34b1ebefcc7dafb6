"""Household page benchmarks on the district database over loopback: each page's server time
(a signed-in phone's GET through the real app on uvicorn) beside the same app's cheapest
response (the stylesheet, which still checks the session), and each page's weight (HTML plus
the stylesheet and script a first load fetches). `python -m bench --only web`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from bench.datagen import BENCH_NOW, ensure_district_db, sample_codes
from bench.table import BenchOptions, BenchRow, p50_p95, time_pair_ms
from kiosk.core.db import open_database, write_session
from kiosk.core.households import household_by_code
from sync.loopback import LoopbackServer
from sync.phones import SlipLink, bind_phone, issue_slip

PAGE_TARGET_MS = 50.0
QUEUE_TARGET_MS = 100.0
FIRST_LOAD_TARGET_KB = 150.0
PAGES = (
    "",
    "/history",
    "/owed",
    "/notice",
    "/rules",
    "/requests",
    "/phones",
    "/declare",
    "/declare/P08",
)
PENDING = 40  # declarations waiting in the village's queue, each with a photo of its own


def _pending_queue(engine: Engine, village_id: str, evidence: Path) -> str:
    """Fill the village's review queue as a busy week leaves it and sign an administrator in
    on a phone; returns the administrator's cookie token."""
    import io
    import secrets

    from PIL import Image
    from sqlmodel import select

    from kiosk.core.central_models import AdminSession
    from kiosk.core.clock import as_utc
    from kiosk.core.declarations import file_declaration
    from kiosk.core.help_requests import clean_photos, keep_photos
    from kiosk.core.ids import new_id
    from kiosk.core.models import Household
    from sync.phones import ADMIN_SESSION_LIFETIME, token_hash

    with write_session(engine) as session:
        households = list(
            session.exec(select(Household).where(Household.village_id == village_id).limit(PENDING))
        )
        for index in range(PENDING):
            household = households[index % len(households)]
            if not household.takes_part:
                continue
            image = Image.new("RGB", (640, 480), (index * 5 % 256, 90, 160))
            for x in range(0, 640, 16 + index % 7):
                image.paste((255, 255, 255), (x, 0, x + 3, 480))
            out = io.BytesIO()
            image.save(out, "JPEG")
            photos = keep_photos(
                session,
                clean_photos([("p.jpg", out.getvalue())]),
                household=household,
                evidence_dir=evidence,
                cap_bytes=1 << 40,
                now=BENCH_NOW,
            )
            file_declaration(
                session,
                household=household,
                rule_id="P08",
                quantity=1,
                description="参加村里清扫公路",
                now=BENCH_NOW,
                photos=photos,
                evidence_dir=evidence,
            )
        token = secrets.token_urlsafe(32)
        session.add(
            AdminSession(
                id=new_id(),
                operator_id=f"admin-{village_id}",
                token_hash=token_hash(token),
                created_at=as_utc(BENCH_NOW),
                expires_at=as_utc(BENCH_NOW + ADMIN_SESSION_LIFETIME),
            )
        )
    return token


def run(options: BenchOptions) -> list[BenchRow]:
    path = ensure_district_db(quick=options.quick, data_dir=options.data_dir)
    # Signing a phone in writes; work on a copy so the cached database stays as generated.
    work = path.with_name("district-web-quick.db" if options.quick else "district-web.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(path, work)
    engine = open_database(f"sqlite:///{work}")
    code = sample_codes(work, 1)[0]
    with write_session(engine) as session:
        household = household_by_code(session, code)
        slip = issue_slip(session, household.id, issued_by="bench", village_id=None, now=BENCH_NOW)
    bound = bind_phone(engine, SlipLink(slip.token), now=BENCH_NOW, address="bench")
    evidence = work.with_name(work.name + ".evidence")
    shutil.rmtree(evidence, ignore_errors=True)
    admin_token = _pending_queue(engine, household.village_id, evidence)

    server = LoopbackServer(engine, clock=lambda: BENCH_NOW, evidence_dir=evidence)
    rows: list[BenchRow] = []
    try:
        # Secure cookies go to http://127.0.0.1 in a browser, not in httpx: set the header.
        with httpx.Client(
            base_url=server.url, headers={"cookie": f"jf_session={bound.token}"}
        ) as client:
            extras = sum(
                len(client.get(asset).content) for asset in ("/site.css", "/read-aloud.js")
            )
            for page in PAGES:
                url = f"/h/{code}{page}"
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                samples, floor = time_pair_ms(
                    _getter(client, url),
                    _getter(client, "/site.css"),
                    options.samples,
                    warmup=10,
                )
                p50, p95 = p50_p95(samples)
                floor_p50, floor_p95 = p50_p95(floor)
                name = f"household page {page or '/'} (loopback)"
                rows.append(
                    BenchRow(
                        name=name,
                        p50=p50,
                        p95=p95,
                        unit="ms",
                        floor_name="GET /site.css, same session check",
                        floor=floor_p95,
                        floor_p50=floor_p50,
                        target_p95=PAGE_TARGET_MS,
                    )
                )
                rows.append(
                    BenchRow(
                        name=f"page weight {page or '/'} (first load)",
                        p50=None,
                        p95=(len(response.content) + extras) / 1024,
                        unit="KB",
                        target_p95=FIRST_LOAD_TARGET_KB,
                        note=f"HTML {len(response.content)} B + CSS and script {extras} B",
                    )
                )
        with httpx.Client(
            base_url=server.url, headers={"cookie": f"jf_admin={admin_token}"}
        ) as client:
            response = client.get("/a")
            assert response.status_code == 200, response.status_code
            samples, floor = time_pair_ms(
                _getter(client, "/a"), _getter(client, "/site.css"), options.samples, warmup=5
            )
            p50, p95 = p50_p95(samples)
            floor_p50, floor_p95 = p50_p95(floor)
            rows.append(
                BenchRow(
                    name=f"review queue /a, {PENDING} pending with photos (loopback)",
                    p50=p50,
                    p95=p95,
                    unit="ms",
                    floor_name="GET /site.css",
                    floor=floor_p95,
                    floor_p50=floor_p50,
                    target_p95=QUEUE_TARGET_MS,
                )
            )
    finally:
        server.stop()
        engine.dispose()
    return rows


def _getter(client: httpx.Client, url: str) -> Callable[[int], object]:
    return lambda _i: client.get(url)
