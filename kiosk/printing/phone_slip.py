"""A phone sign-in slip, queued for the kiosk's printer like a receipt."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from kiosk.core.models import ReceiptJob
from kiosk.core.receipt import PhoneSignInSlip
from kiosk.printing.escpos_bytes import render_phone_slip
from kiosk.printing.queue import enqueue


def queue_phone_slip(
    session: Session,
    slip: PhoneSignInSlip,
    *,
    now: datetime,
    columns: int = 32,
    encoding: str = "gb18030",
) -> ReceiptJob:
    """Queue the slip's ESC/POS bytes; the job is filed under the household's code, not an
    order, so no order's receipt lookup ever finds it."""
    payload = render_phone_slip(slip, columns=columns, encoding=encoding)
    return enqueue(session, f"phone-slip:{slip.household_code}", "phone_slip", payload, now)
