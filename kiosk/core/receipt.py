"""What a receipt or a hand-over slip prints, as plain values independent of the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ReceiptLine:
    """One order line as the household sees it on paper."""

    no: int  # line number within the order, 1-based
    name: str  # catalogue name, e.g. "洗衣液（500ml）"
    qty: int
    points: int  # the line total, not the unit price
    due_at: datetime | None  # aware; None when handed over at the counter
    handed: bool  # at the counter, with the order
    # Aware; when a line owed at the counter was handed over later (a reprint says so).
    handed_later_at: datetime | None = None


@dataclass(frozen=True)
class Receipt:
    """The receipt printed when an order is placed (or reprinted on request)."""

    exchange_point: str
    printed_at: datetime  # aware; shown in Asia/Shanghai
    operator: str
    number: str  # the order's receipt number, e.g. "K-HP1-000123"
    household_code: str
    masked_name: str  # already masked, e.g. "张*华"; receipts are left lying about
    lines: tuple[ReceiptLine, ...]
    total: int
    balance_before: int
    balance_after: int
    qr_payload: str  # what the order's QR code holds; ASCII, since scanners type it
    reprint: bool = False


@dataclass(frozen=True)
class HandoverSlip:
    """The short slip printed when goods of an earlier order are handed over."""

    exchange_point: str
    printed_at: datetime  # aware; the moment of the hand-over
    operator: str
    order_number: str
    household_code: str
    masked_name: str
    lines: tuple[ReceiptLine, ...]  # the lines handed over now
    late_lines: int  # how many of them arrived after their due date
    qr_payload: str


@dataclass(frozen=True)
class PhoneSignInSlip:
    """The slip that signs a household's phone in at the central: a QR link and a code."""

    exchange_point: str
    printed_at: datetime  # aware
    household_code: str
    masked_name: str
    url: str  # the link in the QR code (holds the slip's token)
    signin_url: str  # where the code is typed by hand
    code: str  # 6 digits
    expires_at: datetime  # aware
