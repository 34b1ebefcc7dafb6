"""A kiosk fetches the photos it lacks a bounded number per sync, a few per request, and stores
only bytes that match their content-hash name."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest

from sync import evidence


class FakeCentral:
    def __init__(self, blobs: dict[str, bytes]) -> None:
        self.blobs = blobs
        self.calls: list[list[str]] = []

    def evidence(self, names: list[str]) -> dict[str, Any]:
        self.calls.append(names)
        return {
            "photos": {n: base64.b64encode(self.blobs[n]).decode() for n in names},
            "missing": [],
        }


def test_photos_are_fetched_bounded_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = {}
    for i in range(30):
        data = f"photo {i}".encode()
        blobs[hashlib.sha256(data).hexdigest() + ".jpg"] = data
    names = list(blobs)
    tampered = names[0]
    blobs[tampered] = b"something else"
    monkeypatch.setattr(evidence, "lacking", lambda _engine, _dir: names)
    link = FakeCentral(blobs)
    stored = evidence.fetch_photos(None, link, tmp_path)  # type: ignore[arg-type]
    assert stored == evidence.PER_SYNC - 1  # the tampered one refused
    assert [len(c) for c in link.calls] == [evidence.PER_CALL] * (
        evidence.PER_SYNC // evidence.PER_CALL
    )
    assert not (tmp_path / tampered).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1 : evidence.PER_SYNC])
