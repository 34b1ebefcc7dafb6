"""The print queue: receipts are stored with their order and printed, in order, when the printer can."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlmodel import Session, col, select

from kiosk.core.clock import as_utc
from kiosk.core.ids import new_id
from kiosk.core.models import ReceiptJob
from kiosk.printing.printers import Printer

KINDS: Final = ("receipt", "handover", "phone_slip")
QUEUED: Final = "queued"
PRINTED: Final = "printed"
_MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class PrintResult:
    printed: tuple[str, ...]  # ids of the jobs printed by this call, in order
    pending: int  # jobs still queued afterwards
    error: str | None = None  # why the first failing job did not print; later ones were not tried
    # What the printer itself reported when asked before the job ("paper_out", "offline"):
    # the counter can then say what to do rather than "check the printer".
    state: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def enqueue(
    session: Session, order_id: str, kind: str, payload: bytes, now: datetime
) -> ReceiptJob:
    """Queue the ESC/POS bytes of a receipt or slip, in the caller's transaction.

    Called in the same transaction as the order it belongs to, so an order is never
    committed without its receipt, nor a receipt without its order.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not payload:
        raise ValueError("an empty print job prints nothing")
    job = ReceiptJob(
        id=new_id(),
        order_id=order_id,
        kind=kind,
        payload=bytes(payload),
        status=QUEUED,
        attempts=0,
        created_at=as_utc(now),
    )
    session.add(job)
    session.flush()
    return job


def print_pending(session: Session, printer: Printer, now: datetime) -> PrintResult:
    """Print the queued jobs oldest first; stop at the first failure, which is recorded.

    Commits after each job, unlike the other service functions: paper cannot be rolled
    back, so a printed job is marked at once and never printed twice after a crash, and
    no transaction stays open (holding SQLite's write lock) while the printer works.
    Never raises for the printer: its failure comes back in the result and in the job.
    """
    job_ids = session.exec(
        select(ReceiptJob.id)
        .where(ReceiptJob.status == QUEUED)
        .order_by(col(ReceiptJob.created_at), col(ReceiptJob.id))
    ).all()
    session.commit()

    printed: list[str] = []
    error: str | None = None
    state: str | None = None
    for job_id in job_ids:
        job = session.get(ReceiptJob, job_id, populate_existing=True)
        if job is None or job.status != QUEUED:
            session.commit()
            continue  # printed or withdrawn meanwhile by another worker
        payload = bytes(job.payload)
        session.commit()
        try:
            printer.send(payload)
        except Exception as failure:  # PrinterError, or whatever a driver lets through
            error = " ".join(str(failure).split())[:_MAX_ERROR_LENGTH] or type(failure).__name__
            state = getattr(failure, "state", None)
        job.attempts += 1
        if error is None:
            job.status = PRINTED
            job.printed_at = as_utc(now)
            printed.append(job_id)
        else:
            job.last_error = error
        session.add(job)
        session.commit()
        if error is not None:
            # The next job would meet the same empty roll; and trying it could print the
            # receipts out of order once the paper is back.
            break

    pending = len(session.exec(select(ReceiptJob.id).where(ReceiptJob.status == QUEUED)).all())
    session.commit()
    return PrintResult(printed=tuple(printed), pending=pending, error=error, state=state)
