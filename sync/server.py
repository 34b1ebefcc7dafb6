"""The central store's HTTP API (FastAPI on uvicorn): hello, push and pull for kiosks.

Every endpoint signs the kiosk in (HTTP Basic: kiosk id and secret) against the database on
each request, so a revoked kiosk is refused at once. Bodies are capped; each kiosk is rate
limited, and so are failed sign-ins, per claimed kiosk id and per address. TLS is the reverse
proxy's job (systemd/nginx-central.conf.example), and the server refuses to listen on a
public address in plain HTTP unless told --insecure.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from kiosk.core.clock import now as clock_now
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError, NotFound
from sync import central, phones
from sync.api import openapi_document
from sync.credentials import Unauthorized, authenticate
from sync.evidence import photos_for_kiosk
from sync.protocol import MAX_BODY_BYTES
from sync.web.office_port import OfficeDesk
from sync.web.routes import install as install_web

Clock = Callable[[], datetime]


class RateLimiter:
    """Token buckets per key: `burst` requests at once, refilled at `per_second`."""

    def __init__(self, burst: float, per_second: float) -> None:
        self.burst = burst
        self.per_second = per_second
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def exhausted(self, key: str) -> bool:
        """True when `key` has no token left (without taking one)."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self.burst, now))
            return min(self.burst, tokens + (now - stamp) * self.per_second) < 1

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - stamp) * self.per_second)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            if len(self._buckets) > 10_000:  # forget idle keys rather than grow without end
                self._buckets = {k: v for k, v in self._buckets.items() if v[1] > now - 3600}
            return True


def _error(status: int, error: DomainError) -> JSONResponse:
    return JSONResponse(
        {
            "error": error.key,
            "params": {
                k: v if isinstance(v, int | float | str) else str(v)
                for k, v in error.params.items()
            },
            "message": str(error),
        },
        status_code=status,
        headers={"Retry-After": "60"} if status == 429 else None,
    )


def _status_of(error: DomainError) -> int:
    if isinstance(error, Unauthorized):
        return 403 if error.key == "sync.revoked" else 401
    if isinstance(error, BadInput):
        return 413 if error.key == "sync.too_large" else 400
    if isinstance(error, NotFound):
        return 404
    return 409


def _credentials(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthorized("sync.unauthorized")
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("sync.unauthorized") from None
    kiosk_id, sep, secret = decoded.partition(":")
    if not sep:
        raise Unauthorized("sync.unauthorized")
    return kiosk_id, secret


async def _read_json(request: Request, limit: int) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BadInput("sync.too_large", limit=limit)
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise BadInput("sync.too_large", limit=limit)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: brackets nested thousands deep fit well under the size limit.
        raise BadInput("sync.bad_request", field="body") from None
    if not isinstance(payload, dict):
        raise BadInput("sync.bad_request", field="body")
    return payload


def _beside_sqlite(engine: Engine) -> Path | None:
    # As the settings' default (`<sqlite file>.evidence`); a PostgreSQL central is told its
    # directory by `kiosk central serve` (the settings' evidence_path), else takes no photos.
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return Path(f"{database}.evidence")
    return None


def create_app(
    engine: Engine,
    *,
    clock: Clock = clock_now,
    max_body: int = MAX_BODY_BYTES,
    kiosk_limiter: RateLimiter | None = None,
    failure_limiter: RateLimiter | None = None,
    address_limiter: RateLimiter | None = None,
    public_url: str | None = None,
    evidence_dir: Path | None = None,
    evidence_cap_mb: int = 20_000,
    desk: OfficeDesk | None = None,
) -> FastAPI:
    """The API over `engine`; tests pass their own clock and limits.

    Failed sign-ins are limited per claimed kiosk id (`failure_limiter`: guessing one kiosk's
    secret) and, more loosely, per address (`address_limiter`: guessing across many ids), so
    one kiosk's wrong secrets never lock out the other kiosks behind the same NAT address.
    `public_url` is the address phones reach the central at (the slips' links); by default
    the address the request came to. `evidence_dir` is where photos sent from phones are kept
    (by default beside an SQLite database; none elsewhere: photos are then refused), at most
    `evidence_cap_mb` of them. `desk` gives the office console its figures and files (the
    entry point passes `kiosk.services.office.Desk`); without it those pages answer 503.
    """
    app = FastAPI(
        title="Tangxiang central sync",
        docs_url=None,
        redoc_url=None,
        openapi_url="/v1/openapi.json",
    )
    # The handlers read bodies themselves (size cap, after sign-in): the published document
    # is built from sync.api's models, not from the handlers' signatures.
    app.openapi = openapi_document  # type: ignore[method-assign]
    photos_dir = evidence_dir or _beside_sqlite(engine)
    per_kiosk = kiosk_limiter or RateLimiter(burst=300, per_second=5)
    failures = failure_limiter or RateLimiter(burst=20, per_second=0.2)
    address_failures = address_limiter or RateLimiter(burst=200, per_second=1)

    def sign_in(kiosk_id: str, secret: str) -> str:
        with read_session(engine) as session:
            return authenticate(session, kiosk_id, secret).id

    async def handle(
        request: Request,
        work: Callable[[str, dict[str, Any]], dict[str, Any]],
        *,
        body: bool = True,
    ) -> Response:
        address = request.client.host if request.client else "-"
        try:
            # A kiosk id whose secret keeps failing is being guessed: slow that id down; an
            # address failing for many ids is guessing them all: slow the address down.
            if address_failures.exhausted(address):
                raise DomainError("sync.rate_limited")
            kiosk_id, secret = _credentials(request)
            claimed = "kiosk:" + kiosk_id[:100]
            if failures.exhausted(claimed):
                raise DomainError("sync.rate_limited")
            try:
                kiosk_id = await run_in_threadpool(sign_in, kiosk_id, secret)
            except Unauthorized:
                failures.allow(claimed)
                address_failures.allow(address)
                raise
            if not per_kiosk.allow(kiosk_id):
                raise DomainError("sync.rate_limited")
            payload = await _read_json(request, max_body) if body else {}
            result = await run_in_threadpool(work, kiosk_id, payload)
        except ClientDisconnect:
            # The kiosk went away mid-request; nothing was applied, it will push again.
            return Response(status_code=400)
        except DomainError as error:
            status = 429 if error.key == "sync.rate_limited" else _status_of(error)
            return _error(status, error)
        return JSONResponse(result)

    def do_hello(kiosk_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        from kiosk.core.central_models import SyncKiosk

        with write_session(engine) as session:
            kiosk = session.get(SyncKiosk, kiosk_id)
            assert kiosk is not None
            return central.hello(session, kiosk, payload, clock())

    def do_push(kiosk_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        return central.receive_push(engine, kiosk_id, payload, clock()).as_json()

    def do_pull(kiosk_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        return central.serve_pull(engine, kiosk_id, payload, clock())

    @app.post("/v1/hello")
    async def hello_endpoint(request: Request) -> Response:
        return await handle(request, do_hello)

    @app.post("/v1/push")
    async def push_endpoint(request: Request) -> Response:
        return await handle(request, do_push)

    @app.post("/v1/pull")
    async def pull_endpoint(request: Request) -> Response:
        return await handle(request, do_pull)

    def kiosk_village(session: Any, kiosk_id: str) -> str:
        from kiosk.core.central_models import SyncKiosk

        kiosk = session.get(SyncKiosk, kiosk_id)
        assert kiosk is not None
        return str(kiosk.village_id)

    @app.post("/v1/phone-slips")
    async def phone_slip_endpoint(request: Request) -> Response:
        base = public_url or str(request.base_url)

        def work(kiosk_id: str, payload: dict[str, Any]) -> dict[str, Any]:
            household_id = payload.get("household_id")
            if not isinstance(household_id, str):
                raise BadInput("sync.bad_request", field="household_id")
            with write_session(engine) as session:
                slip = phones.issue_slip(
                    session,
                    household_id,
                    issued_by=f"kiosk:{kiosk_id}",
                    village_id=kiosk_village(session, kiosk_id),
                    now=clock(),
                )
            return {
                "url": slip.url(base),
                "code": slip.code,
                "expires_at": slip.expires_at.isoformat(),
                "household_id": slip.household_id,
            }

        return await handle(request, work)

    @app.get("/v1/households/{household_id}/phones")
    async def phones_endpoint(request: Request, household_id: str) -> Response:
        def work(kiosk_id: str, _payload: dict[str, Any]) -> dict[str, Any]:
            with read_session(engine) as session:
                phones.household_in_scope(session, household_id, kiosk_village(session, kiosk_id))
                found = phones.phones_of(session, household_id)
                return {"phones": [phones.phone_json(phone) for phone in found]}

        return await handle(request, work, body=False)

    @app.post("/v1/evidence")
    async def evidence_endpoint(request: Request) -> Response:
        # Photos of the kiosk's own village's declarations only, a bounded number per call.
        def work(kiosk_id: str, payload: dict[str, Any]) -> dict[str, Any]:
            with read_session(engine) as session:
                return photos_for_kiosk(
                    session, kiosk_village(session, kiosk_id), payload.get("names"), photos_dir
                )

        return await handle(request, work)

    @app.delete("/v1/households/{household_id}/phones/{phone_id}")
    async def revoke_phone_endpoint(request: Request, household_id: str, phone_id: str) -> Response:
        def work(kiosk_id: str, _payload: dict[str, Any]) -> dict[str, Any]:
            with write_session(engine) as session:
                phones.household_in_scope(session, household_id, kiosk_village(session, kiosk_id))
                phone = phones.revoke_phone(
                    session, household_id, phone_id, by=f"kiosk:{kiosk_id}", now=clock()
                )
                return {"revoked": phone.id}

        return await handle(request, work, body=False)

    install_web(
        app,
        engine,
        clock,
        evidence_dir=photos_dir,
        evidence_cap=evidence_cap_mb * 1024 * 1024,
        desk=desk,
    )
    return app


def serve(
    engine: Engine,
    host: str,
    port: int,
    *,
    log_level: str = "info",
    public_url: str | None = None,
    evidence_dir: Path | None = None,
    evidence_cap_mb: int = 20_000,
    desk: OfficeDesk | None = None,
) -> None:
    """Run the API and the household pages until stopped (the systemd unit's main process)."""
    import uvicorn

    uvicorn.run(
        create_app(
            engine,
            public_url=public_url,
            evidence_dir=evidence_dir,
            evidence_cap_mb=evidence_cap_mb,
            desk=desk,
        ),
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        limit_concurrency=64,
        timeout_keep_alive=30,
    )
