"""Faults: connections cut at every step, chunks repeated and out of order, a client
killed mid-push, conflicting rows, revoked and wrong credentials, oversized and malformed
requests. After the next clean sync, central and kiosk agree entry for entry."""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from kiosk.core.central_models import SyncAlert, SyncKiosk
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError, Refused
from kiosk.core.models import Household, LedgerEntry
from sync.client import LAST_RESULT_KEY, SyncFailed, check_central_url, hello_payload, push_payloads
from sync.credentials import revoke_kiosk
from sync.server import RateLimiter
from tests.support.postgres import free_port
from tests.sync.harness import (
    NOW,
    Central,
    Clock,
    FaultyProxy,
    Kiosk,
    LiveServer,
    assert_agree,
    kiosk_meta,
    new_kiosk,
    village_state,
    write_awards,
)

REPO = Path(__file__).resolve().parents[2]


def chunks(kiosk: Kiosk, start: int, size: int) -> list[dict[str, Any]]:
    return [
        payload for payload, _last in push_payloads(kiosk.engine, kiosk.id, start, chunk_size=size)
    ]


def greet(kiosk: Kiosk, link: Any) -> dict[str, Any]:
    with read_session(kiosk.engine) as session:
        greeting: dict[str, Any] = link.hello(hello_payload(session, kiosk.id, NOW))
        return greeting


def acked(central: Central, kiosk_id: str) -> int:
    with read_session(central.engine) as session:
        row = session.get(SyncKiosk, kiosk_id)
        assert row is not None
        return row.acked_seq


def test_a_connection_cut_at_every_step_of_a_sync_loses_and_doubles_nothing(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    # Record the conversation of one sync of the shape every round has: hello, two pushes
    # of 10, one pull page; then cut a fresh round inside each request and each reply, and
    # right after each request (the central has done the work, the kiosk never hears).
    write_awards(kiosk.engine, kiosk.id, "HP0001", 20)
    meter = FaultyProxy(server.port)
    kiosk.sync(meter.url, chunk_size=10)
    meter.close()
    assert [way for way, _, _ in meter.segments] == ["up", "down"] * 4
    cut_points = []
    for way, start, end in meter.segments:
        cut_points.append((start + end) // 2)
        if way == "up":
            cut_points.append(end)
    for cut in cut_points:
        write_awards(kiosk.engine, kiosk.id, "HP0001", 20)
        proxy = FaultyProxy(server.port, cut_after=cut)
        with pytest.raises(SyncFailed) as failure:
            kiosk.sync(proxy.url, chunk_size=10)
        proxy.close()
        assert failure.value.key == "sync.unreachable"
        kiosk.sync(server.url)
        assert_agree(central, kiosk)
    with read_session(central.engine) as session:
        bulk = session.exec(select(LedgerEntry).where(LedgerEntry.note == "bulk")).all()
    assert len(bulk) == 20 * (len(cut_points) + 1)
    assert len({(e.origin, e.origin_seq) for e in bulk}) == len(bulk)


def test_the_same_chunk_twice_and_out_of_order(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0002", 30)
    first, second, third = chunks(kiosk, 0, 10)
    with kiosk.link(server.url) as link:
        greet(kiosk, link)
        with pytest.raises(Refused) as gap:
            link.push(second)
        assert gap.value.key == "sync.gap"
        assert acked(central, kiosk.id) == 0
        assert link.push(first)["inserted"] == 10
        again = link.push(first)
        assert (again["inserted"], again["repeated"], again["acked_seq"]) == (0, 10, 10)
        with pytest.raises(Refused):
            link.push(third)
        assert link.push(second)["acked_seq"] == 20
        assert link.push(second)["inserted"] == 0
        overlap = chunks(kiosk, 14, 10)[0]  # seqs 15..24: half repeated, half new
        reply = link.push(overlap)
        assert (reply["inserted"], reply["repeated"], reply["acked_seq"]) == (4, 6, 24)
        assert link.push(third)["inserted"] == 6
    report = kiosk.sync(server.url)
    assert report.pushed == 0
    assert_agree(central, kiosk)


def test_a_row_changed_after_its_acknowledgement_is_refused_and_alerted_once(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0002", 5)
    kiosk.sync(server.url)
    before = village_state(central.engine, "heping")
    (chunk,) = chunks(kiosk, 0, 10)
    altered = copy.deepcopy(chunk)
    altered["rows"]["entries"][2]["points"] = 50
    renamed = copy.deepcopy(chunk)
    renamed["rows"]["entries"][0]["id"] = "00000000-0000-4000-8000-000000000000"
    with kiosk.link(server.url) as link:
        for payload in (altered, altered, renamed):
            with pytest.raises(Refused) as refused:
                link.push(payload)
            assert refused.value.key == "sync.conflict"
    assert village_state(central.engine, "heping") == before
    with read_session(central.engine) as session:
        alerts = session.exec(select(SyncAlert).where(SyncAlert.kind == "conflict")).all()
    # One alert per kiosk and reason: the altered row and the renamed one are both rows that
    # differ from what the central acknowledged, so the office reads it once.
    assert len(alerts) == 1
    assert kiosk.sync(server.url).pushed == 0
    assert_agree(central, kiosk)


def test_a_new_seq_reusing_an_acknowledged_id_is_a_conflict(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0002", 2)
    kiosk.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0002", 1)
    (chunk,) = chunks(kiosk, 2, 10)
    chunk["rows"]["entries"][0]["id"] = chunks(kiosk, 0, 1)[0]["rows"]["entries"][0]["id"]
    with kiosk.link(server.url) as link, pytest.raises(Refused) as refused:
        link.push(chunk)
    assert refused.value.key == "sync.conflict"
    assert acked(central, kiosk.id) == 2


@pytest.mark.parametrize("chunk", [0, 1])
def test_the_sync_client_killed_mid_push_loses_nothing(
    central: Central, server: LiveServer, tmp_path: Path, chunk: int
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0003", 3000)
    # Stall the wire half-way through the request of chunk 0 or 1 (of 1,000 entries each)
    # and kill the client there.
    size = len(json.dumps(chunks(kiosk, 0, 1000)[0]))
    proxy = FaultyProxy(server.port, cut_after=2000 + chunk * size + size // 2, stall=True)
    env = {
        **os.environ,
        "KIOSK_CONFIG": str(tmp_path / "none.toml"),
        "KIOSK_SYNC_SECRET": kiosk.secret,
        "KIOSK_NOW": NOW.isoformat(),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "sync",
            "--db",
            kiosk.url,
            "--central",
            proxy.url,
            "--kiosk-id",
            kiosk.id,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proxy.tripped.wait(60), "the client never got that far"
        assert process.poll() is None
        process.send_signal(signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        proxy.close()
    # Killed inside the first or the second chunk's request: what the central had
    # acknowledged stands, the half-sent chunk left no trace.
    before = acked(central, kiosk.id)
    assert before == chunk * 1000
    report = kiosk.sync(server.url)
    assert report.pushed == 3000 - before
    assert acked(central, kiosk.id) == 3000
    assert_agree(central, kiosk)


def test_missing_wrong_and_revoked_credentials_are_refused_on_every_endpoint(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    endpoints = ("/v1/hello", "/v1/push", "/v1/pull")
    for auth, status in ((None, 401), (("K-HP-01", "wrong"), 401), (("K-NONE-9", "x"), 401)):
        for path in endpoints:
            response = httpx.post(server.url + path, json={}, auth=auth)
            assert response.status_code == status
            assert response.json()["error"] == "sync.unauthorized"
    with write_session(central.engine) as session:
        revoke_kiosk(session, kiosk.id, NOW)
    for path in endpoints:
        response = httpx.post(server.url + path, json={}, auth=(kiosk.id, kiosk.secret))
        assert response.status_code == 403 and response.json()["error"] == "sync.revoked"
    with pytest.raises(Refused) as refused:
        kiosk.sync(server.url)
    assert refused.value.key == "sync.revoked"
    assert "已被注销" in str(refused.value) and "revoked" in str(refused.value)
    assert "revoked" in (kiosk_meta(kiosk, LAST_RESULT_KEY) or "")


def test_a_kiosk_pushes_only_its_own_rows_and_pulls_only_its_village(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    mine = new_kiosk(central, tmp_path, "K-HP-01")
    other = new_kiosk(central, tmp_path, "K-XZG-01", village="xizige")
    mine.sync(server.url)
    other.sync(server.url)
    with read_session(other.engine) as session:
        assert {h.village_id for h in session.exec(select(Household))} == {"xizige"}
    write_awards(mine.engine, mine.id, "HP0001", 1)
    (chunk,) = chunks(mine, 0, 10)
    with other.link(server.url) as link, pytest.raises(Refused) as refused:
        link.push(chunk)  # K-XZG-01 pushing K-HP-01's row
    assert refused.value.key == "sync.foreign_origin"
    with read_session(central.engine) as session:
        stranger = session.exec(select(Household).where(Household.village_id == "xizige")).first()
        assert stranger is not None
    chunk["rows"]["entries"][0]["household_id"] = stranger.id
    with mine.link(server.url) as link, pytest.raises(Refused) as refused:
        link.push(chunk)
    assert refused.value.key == "sync.foreign_village"
    assert acked(central, mine.id) == 0


def test_oversized_malformed_and_too_frequent_requests(
    central: Central, clock: Clock, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    live = LiveServer(
        central.engine,
        clock,
        max_body=20_000,
        kiosk_limiter=RateLimiter(burst=12, per_second=0),
        failure_limiter=RateLimiter(burst=3, per_second=0),
        address_limiter=RateLimiter(burst=5, per_second=0),
    )
    try:
        kiosk.sync(live.url)
        write_awards(kiosk.engine, kiosk.id, "HP0001", 100)
        with pytest.raises(BadInput) as too_big:
            kiosk.sync(live.url)
        assert too_big.value.key == "sync.too_large"
        auth = (kiosk.id, kiosk.secret)
        response = httpx.post(live.url + "/v1/push", content=b"{not json", auth=auth)
        assert (response.status_code, response.json()["error"]) == (400, "sync.bad_request")
        payload = chunks(kiosk, 0, 2)[0]
        del payload["rows"]["entries"][0]["points"]
        response = httpx.post(live.url + "/v1/push", json=payload, auth=auth)
        assert (response.status_code, response.json()["error"]) == (400, "sync.bad_row")
        assert acked(central, kiosk.id) == 0
        statuses = [
            httpx.post(live.url + "/v1/pull", json={}, auth=auth).status_code for _ in range(12)
        ]
        assert statuses[-1] == 429
        for _ in range(3):
            assert (
                httpx.post(live.url + "/v1/hello", json={}, auth=("K-HP-01", "bad")).status_code
                == 401
            )
        # Guessing this kiosk's secret is now slowed down, even with the right one...
        hello = live.url + "/v1/hello"
        assert httpx.post(hello, json={}, auth=auth).status_code == 429
        # ...but not another kiosk's behind the same address, until the address has failed
        # as often as its own (looser) limit allows.
        assert httpx.post(hello, json={}, auth=("K-HP-02", "x")).status_code == 401
        assert httpx.post(hello, json={}, auth=("K-HP-03", "x")).status_code == 401
        assert httpx.post(hello, json={}, auth=("K-HP-04", "x")).status_code == 429
    finally:
        live.stop()


def test_plain_http_is_refused_beyond_this_machine() -> None:
    assert (
        check_central_url("https://jifen.example.org/", insecure=False)
        == "https://jifen.example.org"
    )
    assert check_central_url("http://127.0.0.1:8700", insecure=False)
    assert check_central_url("http://[::1]:8700", insecure=False)
    assert check_central_url("http://localhost:8700", insecure=False)
    for url in ("http://10.0.0.5:8700", "http://jifen.example.org"):
        with pytest.raises(BadInput) as refused:
            check_central_url(url, insecure=False)
        assert refused.value.key == "sync.plain_http"
        assert check_central_url(url, insecure=True)
    with pytest.raises(BadInput):
        check_central_url("ftp://example.org", insecure=True)


def test_an_unreachable_central_is_a_sync_failure(tmp_path: Path, sqlite_central: Central) -> None:
    kiosk = new_kiosk(sqlite_central, tmp_path, "K-HP-01")
    port = free_port()  # nothing listens there: the connection is refused at once
    with pytest.raises(SyncFailed) as failed:
        kiosk.sync(f"http://127.0.0.1:{port}")
    assert isinstance(failed.value, DomainError) and failed.value.key == "sync.unreachable"
