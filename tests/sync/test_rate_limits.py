"""Failed sign-ins are limited per claimed kiosk id and per address, at the production
limits: one kiosk's secret guessed twenty times does not lock out the other kiosks behind
the same address (a village's NAT), while guessing across many ids is slowed down too."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from sync.loopback import LoopbackServer
from tests.sync.harness import NOW, Central, Clock

HELLO = {"protocol": 1, "client_time": NOW.isoformat(), "local_seq": 0}


def basic(kiosk_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{kiosk_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def limited(sqlite_central: Central) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """A central with create_app's own limits, and the secrets of two kiosks of 和平."""
    secrets = {kiosk: sqlite_central.add_kiosk(kiosk) for kiosk in ("K-HP-01", "K-HP-02")}
    server = LoopbackServer(sqlite_central.engine, clock=Clock())
    try:
        with httpx.Client(base_url=server.url) as client:
            yield client, secrets
    finally:
        server.stop()


def hello(client: httpx.Client, kiosk_id: str, secret: str) -> httpx.Response:
    return client.post(
        "/v1/hello", json={**HELLO, "kiosk_id": kiosk_id}, headers=basic(kiosk_id, secret)
    )


def test_guessing_one_kiosk_locks_out_that_kiosk_only(
    limited: tuple[httpx.Client, dict[str, str]],
) -> None:
    client, secrets = limited
    statuses = [hello(client, "K-HP-01", f"guess-{n}").status_code for n in range(25)]
    assert statuses[:20] == [401] * 20  # the burst create_app allows one kiosk id
    assert set(statuses[20:]) == {429}
    locked = hello(client, "K-HP-01", secrets["K-HP-01"])
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "60"
    assert locked.json()["error"] == "sync.rate_limited"
    # The neighbour behind the same address signs in as ever.
    assert hello(client, "K-HP-02", secrets["K-HP-02"]).status_code == 200


def test_guessing_across_many_ids_locks_out_the_address(
    limited: tuple[httpx.Client, dict[str, str]],
) -> None:
    client, secrets = limited
    statuses = [hello(client, f"K-XX-{n:03d}", "guess").status_code for n in range(260)]
    assert 429 in statuses, "no limit on an address guessing many kiosk ids"
    first = statuses.index(429)
    assert first >= 200  # the burst create_app allows one address
    assert set(statuses[:first]) == {401}
    assert hello(client, "K-HP-02", secrets["K-HP-02"]).status_code == 429
