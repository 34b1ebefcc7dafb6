"""A push is checked before it takes the counter lock every writer of server_seq shares, and
checked again under the lock when a push of its own village (or a stamp) committed in the
meantime, so the outcome is the one the checks would give under the lock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.core.db import read_session, write_session
from sync import ingest
from sync.client import LocalCentral, push_payloads, run_sync
from sync.stamps import high_water
from tests.sync.harness import NOW, Central, Kiosk, new_kiosk, write_awards


def _bootstrapped(central: Central, directory: Path, kiosk_id: str, village: str) -> Kiosk:
    kiosk = new_kiosk(central, directory, kiosk_id, village)
    run_sync(
        kiosk.engine,
        LocalCentral(central.engine, kiosk_id, lambda: NOW),
        kiosk_id=kiosk_id,
        now=NOW,
    )
    return kiosk


def _push_all(central: Central, kiosk: Kiosk) -> None:
    for payload, _last in push_payloads(kiosk.engine, kiosk.id, 0):
        central_push(central, kiosk.id, payload)


def central_push(central: Central, kiosk_id: str, payload: dict[str, Any]) -> None:
    ingest.receive_push(central.engine, kiosk_id, payload, NOW)


def test_a_push_of_another_village_does_not_move_this_one(central: Central, tmp_path: Path) -> None:
    heping = _bootstrapped(central, tmp_path, "K-HP-01", "heping")
    _bootstrapped(central, tmp_path, "K-XZG-01", "xizige")
    with read_session(central.engine) as session:
        before = high_water(session)
    write_awards(heping.engine, heping.id, "HP0001", 3)
    _push_all(central, heping)
    with read_session(central.engine) as session:
        after = high_water(session)
        assert after > before
        assert not ingest._village_moved(session, "xizige", before, after)
        assert ingest._village_moved(session, "heping", before, after)


def _spying(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], None]) -> list[str]:
    """Count the checks' runs; run `meanwhile` (another push, committed) after the first."""
    calls: list[str] = []
    real = ingest._admit_new

    def spy(session: Any, kiosk: Any, new: Any) -> Any:
        calls.append(kiosk.id)
        found = real(session, kiosk, new)
        if len(calls) == 1:
            meanwhile()
        return found

    monkeypatch.setattr(ingest, "_admit_new", spy)
    return calls


@pytest.mark.parametrize("other_village", ["heping", "xizige"])
def test_a_push_of_the_same_village_meanwhile_means_checking_again(
    central: Central, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other_village: str
) -> None:
    if central.kind == "sqlite":
        pytest.skip("SQLite's write transaction excludes any other push: nothing meanwhile")
    first = _bootstrapped(central, tmp_path, "K-HP-01", "heping")
    prefix = {"heping": "HP", "xizige": "XZG"}[other_village]
    other = _bootstrapped(central, tmp_path, f"K-{prefix}-02", other_village)
    write_awards(first.engine, first.id, "HP0001", 2)
    write_awards(other.engine, other.id, f"{prefix}0002", 2)
    [(payload, _last)] = list(push_payloads(first.engine, first.id, 0))
    [(other_payload, _)] = list(push_payloads(other.engine, other.id, 0))

    calls = _spying(monkeypatch, lambda: central_push(central, other.id, other_payload))
    central_push(central, first.id, payload)

    # The other push went through the checks once (no push meanwhile); the first one ran
    # them again under the lock only when the other kiosk was of its own village.
    expected = 3 if other_village == "heping" else 2
    assert len(calls) == expected
    with write_session(central.engine) as session:
        from kiosk.core.central_models import SyncKiosk

        for kiosk in (first, other):
            stored = session.get(SyncKiosk, kiosk.id)
            assert stored is not None and stored.acked_seq > 0
