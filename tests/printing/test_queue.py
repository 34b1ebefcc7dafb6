"""The print queue on a real SQLite file: order, retries, and a printer that fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from kiosk.core.clock import from_db
from kiosk.core.db import make_engine, write_session
from kiosk.core.models import ReceiptJob
from kiosk.printing.printers import DummyPrinter, open_printer
from kiosk.printing.queue import enqueue, print_pending

T0 = datetime(2026, 11, 29, 6, 5, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _queue_three(engine: Engine) -> list[str]:
    with write_session(engine) as session:
        return [
            enqueue(
                session,
                f"order-{n}",
                "receipt",
                f"receipt {n}\n".encode(),
                T0 + timedelta(minutes=n),
            ).id
            for n in (1, 2, 3)
        ]


def _jobs(engine: Engine) -> dict[str, ReceiptJob]:
    with Session(engine) as session:
        return {job.id: job for job in session.exec(select(ReceiptJob)).all()}


def test_enqueue_stores_a_queued_job(engine: Engine) -> None:
    with write_session(engine) as session:
        job_id = enqueue(session, "order-1", "handover", b"\x1b@slip", T0).id
    job = _jobs(engine)[job_id]
    assert (job.order_id, job.kind, job.payload, job.status, job.attempts) == (
        "order-1",
        "handover",
        b"\x1b@slip",
        "queued",
        0,
    )
    assert from_db(job.created_at) == T0
    assert job.last_error is None and job.printed_at is None


def test_enqueue_is_part_of_the_callers_transaction(engine: Engine) -> None:
    with pytest.raises(RuntimeError), write_session(engine) as session:
        enqueue(session, "order-1", "receipt", b"x", T0)
        raise RuntimeError("the order failed")
    assert _jobs(engine) == {}


@pytest.mark.parametrize(("kind", "payload"), [("invoice", b"x"), ("receipt", b"")])
def test_enqueue_refuses_bad_jobs(engine: Engine, kind: str, payload: bytes) -> None:
    with write_session(engine) as session, pytest.raises(ValueError):
        enqueue(session, "order-1", kind, payload, T0)


def test_prints_queued_jobs_oldest_first(engine: Engine) -> None:
    ids = _queue_three(engine)
    printer = DummyPrinter()
    with write_session(engine) as session:
        result = print_pending(session, printer, T0 + timedelta(hours=1))
    assert result.ok and result.printed == tuple(ids) and result.pending == 0
    assert printer.output == b"receipt 1\nreceipt 2\nreceipt 3\n"
    for job in _jobs(engine).values():
        assert job.status == "printed" and job.attempts == 1
        assert job.printed_at is not None and from_db(job.printed_at) == T0 + timedelta(hours=1)

    with write_session(engine) as session:
        again = print_pending(session, printer, T0 + timedelta(hours=2))
    assert again.printed == () and again.pending == 0
    assert printer.output == b"receipt 1\nreceipt 2\nreceipt 3\n"  # nothing printed twice


def test_a_failing_printer_keeps_jobs_queued_and_never_raises(
    engine: Engine, tmp_path: Path
) -> None:
    ids = _queue_three(engine)
    with write_session(engine) as session:
        result = print_pending(session, open_printer("file:/dev/full"), T0)
    assert not result.ok and result.printed == () and result.pending == 3
    assert result.error is not None and "磁盘空间" in result.error
    jobs = _jobs(engine)
    assert jobs[ids[0]].status == "queued" and jobs[ids[0]].attempts == 1
    assert jobs[ids[0]].last_error == result.error
    # The first failure stops the run: later jobs were not tried.
    assert [jobs[job_id].attempts for job_id in ids[1:]] == [0, 0]

    # Paper is back: everything prints, in order, and the history of the retry stays.
    roll = tmp_path / "roll.escpos"
    with write_session(engine) as session:
        result = print_pending(session, open_printer(f"file:{roll}"), T0 + timedelta(minutes=5))
    assert result.ok and result.printed == tuple(ids)
    assert roll.read_bytes() == b"receipt 1\nreceipt 2\nreceipt 3\n"
    jobs = _jobs(engine)
    assert jobs[ids[0]].attempts == 2 and jobs[ids[0]].last_error is not None
    assert all(job.status == "printed" for job in jobs.values())


class _BrokenDriver:
    """Stands in for a driver that raises something other than PrinterError."""

    def send(self, data: bytes) -> None:
        raise RuntimeError("driver bug")


def test_any_exception_from_the_printer_is_recorded(engine: Engine) -> None:
    _queue_three(engine)
    with write_session(engine) as session:
        result = print_pending(session, _BrokenDriver(), T0)
    assert result.error == "driver bug" and result.pending == 3


class _SlowPrinter:
    """Stands in for a printer busy printing while the kiosk takes the next order."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.output = b""

    def send(self, data: bytes) -> None:
        # Would wait out SQLite's busy timeout and fail if the queue held the write lock.
        with write_session(self.engine) as session:
            enqueue(session, "order-new", "receipt", b"new\n", T0 + timedelta(days=1))
        self.output += data


def test_the_database_is_not_locked_while_printing(engine: Engine) -> None:
    with write_session(engine) as session:
        enqueue(session, "order-1", "receipt", b"one\n", T0)
    printer = _SlowPrinter(engine)
    with write_session(engine) as session:
        result = print_pending(session, printer, T0)
    assert result.ok and printer.output == b"one\n"
    assert result.pending == 1  # the order taken meanwhile waits for the next run
