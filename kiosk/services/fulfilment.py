"""Hand-overs with their slip: the one path the CLI and the app share for owed goods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from kiosk.core.fulfilment import HandoverResult, hand_over, handover_slip
from kiosk.core.models import Operator, RedemptionOrder
from kiosk.printing.escpos_bytes import render_handover_slip
from kiosk.printing.queue import enqueue


def hand_over_and_queue_slip(
    session: Session,
    order: RedemptionOrder,
    line_nos: Sequence[int] | None,
    operator: Operator,
    now: datetime,
    *,
    columns: int,
    encoding: str,
) -> HandoverResult:
    """`hand_over`, with its slip queued for the printer in the same transaction.

    The one path the CLI and the app share: a slip is never lost, nor printed for a
    hand-over that did not happen. Printing itself is the print queue's job.
    """
    result = hand_over(session, order, line_nos, operator, now)
    slip = render_handover_slip(handover_slip(result), columns=columns, encoding=encoding)
    enqueue(session, order.id, "handover", slip, now)
    return result
