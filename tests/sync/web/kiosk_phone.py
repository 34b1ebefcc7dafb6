"""A kiosk bootstrapped from a central served on loopback, and `kiosk phone ...` run on it the way
the shop runs it: the CLI in process, the central's URL and secret from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import col, select

from kiosk.core.db import read_session
from kiosk.core.models import ReceiptJob
from kiosk.printables.scan_image import decode_codes
from kiosk.printing.preview import preview_text, render_png
from tests.sync.harness import NOW, Kiosk


@dataclass
class Ran:
    code: int
    out: str
    err: str


def kiosk_phone(
    kiosk: Kiosk,
    central_url: str,
    *args: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Ran:
    from kiosk.cli import main

    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    monkeypatch.setenv("KIOSK_CONFIG", "/nonexistent/kiosk.toml")
    monkeypatch.setenv("KIOSK_SYNC_SECRET", kiosk.secret)
    monkeypatch.setenv("KIOSK_PRINTER", "dummy")
    capsys.readouterr()
    code = main(
        ["phone", *args, "--db", kiosk.url, "--central", central_url, "--kiosk-id", kiosk.id]
    )
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def slip_jobs(kiosk: Kiosk) -> list[bytes]:
    with read_session(kiosk.engine) as session:
        jobs = session.exec(
            select(ReceiptJob)
            .where(ReceiptJob.kind == "phone_slip")
            .order_by(col(ReceiptJob.created_at))
        ).all()
        return [bytes(job.payload) for job in jobs]


@dataclass(frozen=True)
class ReadSlip:
    url: str  # what the QR code holds, read back from the picture of the paper
    text: str  # the paper's text


def read_slip(payload: bytes, png: Path | None = None) -> ReadSlip:
    """The slip as the printer would print it: its QR code decoded from the rendered paper."""
    image = render_png(payload)
    if png is not None:
        png.parent.mkdir(parents=True, exist_ok=True)
        image.save(png)
    (url,) = decode_codes(image)
    return ReadSlip(url, preview_text(payload))
