"""The receipt of a committed order, built from the database, and queued for the printer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal_column
from sqlmodel import Session, col, select

from kiosk.core.codes import order_payload
from kiosk.core.masking import mask_name
from kiosk.core.models import ExchangePoint, Household, Operator, ReceiptJob, RedemptionOrder
from kiosk.core.receipt import Receipt, ReceiptLine
from kiosk.core.redemption import order_view
from kiosk.printing.escpos_bytes import render_receipt
from kiosk.printing.queue import enqueue


def receipt_for_order(
    session: Session, order: RedemptionOrder, *, printed_at: datetime, reprint: bool = False
) -> Receipt:
    """What the receipt of `order` prints; a reprint is marked so it never passes for a new order."""
    view = order_view(session, order)
    # The receipt says what happened at the counter: a line handed over later (after a
    # restock, by its due date) was owed then, and stays so on a reprint, which adds when
    # it was handed over.
    household = session.get(Household, order.household_id)
    point = session.get(ExchangePoint, order.exchange_point_id)
    operator = session.get(Operator, order.operator_id) if order.operator_id else None
    return Receipt(
        exchange_point=point.name if point else order.exchange_point_id,
        printed_at=printed_at,
        operator=operator.name if operator else (order.operator_id or "-"),
        number=order.number,
        household_code=view.household_code,
        masked_name=mask_name(household.head_name) if household else "",
        lines=tuple(
            ReceiptLine(
                no=index,
                name=line.name,
                qty=line.qty,
                points=line.points,
                due_at=None if line.at_counter else line.due_at,
                handed=line.at_counter,
                handed_later_at=(line.handed_at if reprint and not line.at_counter else None),
            )
            for index, line in enumerate(view.lines, start=1)
        ),
        total=view.total,
        balance_before=view.balance_before,
        balance_after=view.balance_after,
        qr_payload=order_payload(order.number),
        reprint=reprint,
    )


def receipt_bytes(
    session: Session,
    order: RedemptionOrder,
    *,
    printed_at: datetime,
    columns: int,
    encoding: str,
    reprint: bool = False,
) -> bytes:
    receipt = receipt_for_order(session, order, printed_at=printed_at, reprint=reprint)
    return render_receipt(receipt, columns=columns, encoding=encoding)


def queue_receipt(
    session: Session,
    order: RedemptionOrder,
    *,
    now: datetime,
    columns: int,
    encoding: str,
    reprint: bool = False,
) -> ReceiptJob:
    """Queue the receipt (or a marked reprint) of `order` in the caller's transaction."""
    payload = receipt_bytes(
        session, order, printed_at=now, columns=columns, encoding=encoding, reprint=reprint
    )
    return enqueue(session, order.id, "receipt", payload, now)


def latest_receipt_job(session: Session, order_id: str) -> ReceiptJob | None:
    """The newest receipt job of an order (the original, or the latest reprint)."""
    statement = (
        select(ReceiptJob)
        .where(ReceiptJob.order_id == order_id, ReceiptJob.kind == "receipt")
        .order_by(col(ReceiptJob.created_at).desc())
    )
    if session.get_bind().dialect.name == "sqlite":
        # Jobs queued within one clock tick (a drill's fixed KIOSK_NOW): the later insert.
        statement = statement.order_by(literal_column("receiptjob.rowid").desc())
    return session.exec(statement).first()
