"""A redemption with its receipt queued: the one path the app, the CLI and the central take."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from kiosk.core.models import Household, Operator, RedemptionOrder
from kiosk.core.redemption import RedeemLine, RedeemResult, redeem
from kiosk.printing.order_receipt import queue_receipt


def redeem_and_queue_receipt(
    session: Session,
    *,
    household: Household,
    lines: Sequence[RedeemLine],
    operator: Operator,
    now: datetime,
    exchange_point_id: str | None,
    order_id: str | None,
    columns: int,
    encoding: str,
) -> RedeemResult:
    """Commit the order and queue its receipt in the caller's transaction: one order per
    `order_id`, ever, and never an order without its receipt nor a receipt without its order.

    A retry with the same `order_id` (the first attempt's answer was lost) gets the
    committed order back and queues nothing new.
    """
    result = redeem(
        session,
        household=household,
        lines=lines,
        operator=operator,
        now=now,
        exchange_point_id=exchange_point_id,
        order_id=order_id,
    )
    if not result.replayed:
        order = session.get(RedemptionOrder, result.order_id)
        if order is None:  # redeem() just wrote it in this transaction
            raise RuntimeError(f"order {result.order_id} vanished inside its own transaction")
        queue_receipt(session, order, now=now, columns=columns, encoding=encoding)
    return result
