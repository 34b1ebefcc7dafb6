"""Receipts through the real device paths: a serial printer on a pty, a network printer on
loopback, each a fake printer that answers the ESC/POS status query (DLE EOT) as told.

The kiosk's own command line prints (`kiosk receipt ORDER --printer URI`), the device
captures, and the capture must be byte for byte what `kiosk receipt ORDER --escpos` exports
and render in `kiosk printer preview`. A printer that reports no paper, or offline, gets no
job: the job stays queued with the reason, and prints once the paper is back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session
from sqlmodel import select as sql_select

from kiosk.core.db import open_database, write_session
from kiosk.core.models import ReceiptJob
from kiosk.core.redemption import order_by_number
from kiosk.printing.order_receipt import queue_receipt
from kiosk.printing.printers import PrinterError, open_printer, printer_state
from kiosk.printing.queue import QUEUED, print_pending
from tests.support import fake_printer
from tests.support.fake_printer import OFFLINE, PAPER_OUT, READY, FakePrinter, wait_printed

KIOSK = Path(sys.executable).parent / "kiosk"


@pytest.fixture()
def serial_printer() -> Iterator[tuple[str, FakePrinter]]:
    with fake_printer.serial_printer() as found:
        yield found


@pytest.fixture()
def tcp_printer() -> Iterator[tuple[str, FakePrinter]]:
    with fake_printer.tcp_printer() as found:
        yield found


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    # No KIOSK_* settings from the environment: the command line says everything.
    env = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    return subprocess.run(
        [str(KIOSK), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('devices') / 'kiosk.db'}"
    assert kiosk("seed-demo", "--db", url).returncode == 0
    return url


def redeem(url: str) -> str:
    """A real redemption by the demo shopkeeper; its receipt number."""
    result = kiosk("redeem", "HP0001", "1", "2", "--operator", "shop-heping", "--db", url, "--json")
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["order"])


@pytest.mark.parametrize("device", ["serial_printer", "tcp_printer"])
def test_the_device_gets_exactly_the_exported_receipt(
    device: str, demo_db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    uri, printer = request.getfixturevalue(device)
    number = redeem(demo_db)

    # Exported before it is printed: `kiosk redeem` queued the receipt like the app, so this
    # print is its first (a receipt exported after printing is marked 【补打】, a reprint).
    exported_path = tmp_path / "exported.escpos"
    exported = kiosk("receipt", number, "--db", demo_db, "--escpos", str(exported_path))
    assert exported.returncode == 0, exported.stderr
    expected = exported_path.read_bytes()
    printed = kiosk("receipt", number, "--db", demo_db, "--printer", uri)
    assert printed.returncode == 0, printed.stdout + printed.stderr

    captured = wait_printed(printer, len(expected))
    assert len(expected) > 200  # a real receipt, not an empty job
    assert captured == expected

    captured_path = tmp_path / "captured.escpos"
    captured_path.write_bytes(captured)
    preview = kiosk("printer", "preview", str(captured_path), "--png", str(tmp_path / "c.png"))
    assert preview.returncode == 0, preview.stderr
    assert number in preview.stdout
    assert "牙刷" in preview.stdout and "牙膏" in preview.stdout
    assert (tmp_path / "c.png").stat().st_size > 0


@pytest.mark.parametrize("device", ["serial_printer", "tcp_printer"])
@pytest.mark.parametrize(
    ("status", "state", "advice"),
    [(PAPER_OUT, "paper_out", "缺纸"), (OFFLINE, "offline", "离线")],
)
def test_a_printer_that_cannot_print_gets_no_job_until_it_can(
    device: str,
    status: dict[int, int],
    state: str,
    advice: str,
    demo_db: str,
    request: pytest.FixtureRequest,
) -> None:
    uri, printer = request.getfixturevalue(device)
    printer.status.clear()
    printer.status.update(status)
    number = redeem(demo_db)
    engine = open_database(demo_db)
    device_printer = open_printer(uri, check_status=True)
    now = datetime.now(UTC)
    with write_session(engine) as session:
        for job in session.exec(sql_select(ReceiptJob).where(ReceiptJob.status == QUEUED)):
            session.delete(job)  # another test's job: only this order's is wanted here
        # Queued in the order's place, as the kiosk does when it redeems.
        queue_receipt(
            session, order_by_number(session, number), now=now, columns=32, encoding="gb18030"
        )
    with Session(engine, expire_on_commit=False) as session:
        stopped = print_pending(session, device_printer, now)
        assert not stopped.ok and stopped.pending == 1  # the job waits in the queue
        assert stopped.error is not None and advice in stopped.error
        assert printer.printed == b""  # not one byte of the receipt went out
        assert printer.queries[:2] == [1, 4]

        printer.status.clear()
        printer.status.update(READY)  # paper loaded, cover closed
        resumed = print_pending(session, device_printer, now)
        assert resumed.ok and resumed.pending == 0 and len(resumed.printed) == 1
        job = session.get(ReceiptJob, resumed.printed[0])
        assert job is not None
        assert wait_printed(printer, len(job.payload)) == bytes(job.payload)
    engine.dispose()


def test_a_printer_that_never_answers_still_gets_the_job(
    serial_printer: tuple[str, FakePrinter],
) -> None:
    """Some printers only listen: no answer is no reason to hold the receipt back."""
    uri, printer = serial_printer
    printer.status.clear()  # answers nothing
    device_printer = open_printer(uri, check_status=True)
    device_printer.send(b"\x1b@receipt\n")
    assert wait_printed(printer, 10) == b"\x1b@receipt\n"
    assert getattr(device_printer, "last_state", None) == "unknown"


@pytest.mark.parametrize(
    ("printer_status", "paper_status", "state"),
    [
        (0x12, 0x12, "ready"),
        (0x12, 0x1E, "paper_near_end"),
        (0x1A, 0x72, "paper_out"),
        (0x1A, 0x12, "offline"),
        (0x1A, None, "offline"),
        (None, None, "unknown"),
        (0x00, 0x12, "unknown"),  # not a status byte
    ],
)
def test_status_bytes(printer_status: int | None, paper_status: int | None, state: str) -> None:
    assert printer_state(printer_status, paper_status) == state


def test_the_error_names_the_state() -> None:
    error = PrinterError(
        "serial:/dev/ttyUSB0", "serial", "the printer reports paper_out", "paper_out"
    )
    assert "缺纸" in error.message("zh") and "out of paper" in error.message("en")
