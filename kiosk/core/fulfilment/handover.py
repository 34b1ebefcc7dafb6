"""Handing order lines over at the counter: all or nothing, from stock, with a slip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.fulfilment.lines import (
    FulfilmentLine,
    LineStatus,
    OrderRecord,
    order_record,
    refuse_on_conflict,
)
from kiosk.core.ledger import local_origin
from kiosk.core.masking import mask_name
from kiosk.core.models import (
    ExchangePoint,
    Household,
    Operator,
    OrderLine,
    RedemptionOrder,
)
from kiosk.core.receipt import HandoverSlip, ReceiptLine
from kiosk.core.redemption import hand_over_line
from kiosk.core.reference import require_village

# --- hand-over -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverResult:
    order: OrderRecord  # after the hand-over
    handed: tuple[FulfilmentLine, ...]  # the lines handed over now
    exchange_point_name: str
    operator_name: str
    handed_at: datetime

    @property
    def late_count(self) -> int:
        return sum(1 for line in self.handed if line.late)

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.order.number,
            "household": self.order.household_code,
            "handed_at": self.handed_at,
            "late": self.late_count,
            "lines": [line.as_json() for line in self.handed],
            "pending": [line.line_no for line in self.order.open_lines],
        }


def _choose_lines(record: OrderRecord, line_nos: Sequence[int] | None) -> list[FulfilmentLine]:
    if line_nos is None:
        chosen = list(record.open_lines)
        if not chosen:
            raise Refused("handover.nothing_pending", order=record.number)
        return chosen
    by_no = {line.line_no: line for line in record.lines}
    wanted = sorted(set(line_nos))
    if not wanted:
        raise BadInput("handover.none_chosen")
    chosen = []
    for no in wanted:
        line = by_no.get(no)
        if line is None:
            raise NotFound("order.line_unknown", order=record.number, no=no, count=len(by_no))
        if line.status == LineStatus.CANCELLED:
            raise Refused("handover.cancelled", name=line.name)
        if line.status == LineStatus.HANDED:
            raise Refused("handover.twice", name=line.name)
        chosen.append(line)
    return chosen


def hand_over(
    session: Session,
    order: RedemptionOrder,
    line_nos: Sequence[int] | None,
    operator: Operator,
    now: datetime,
) -> HandoverResult:
    """Hand the chosen pending lines (all pending ones when `line_nos` is None) to the household.

    All or nothing: a line already handed over or cancelled, or short of stock, refuses the
    whole hand-over and nothing is written.
    """
    household = session.get(Household, order.household_id)
    if household is None:
        raise NotFound("order.unknown", order=order.number)
    require_village(operator, household.village_id)
    before = order_record(session, order, now)
    chosen = _choose_lines(before, line_nos)
    origin = local_origin(session)
    lines = {
        line.id: line
        for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id))
    }
    for view in chosen:
        with refuse_on_conflict(Refused("handover.twice", name=view.name)):
            hand_over_line(
                session, lines[view.line_id], order.exchange_point_id, operator.id, now, origin
            )
    after = order_record(session, order, now)
    chosen_ids = {line.line_id for line in chosen}
    point = session.get(ExchangePoint, order.exchange_point_id)
    return HandoverResult(
        order=after,
        handed=tuple(line for line in after.lines if line.line_id in chosen_ids),
        exchange_point_name=point.name if point else order.exchange_point_id,
        operator_name=operator.name,
        handed_at=now,
    )


def handover_slip(result: HandoverResult) -> HandoverSlip:
    """The short slip printed for a hand-over (the household's name masked: slips get lost)."""
    return HandoverSlip(
        exchange_point=result.exchange_point_name,
        printed_at=result.handed_at,
        operator=result.operator_name,
        order_number=result.order.number,
        household_code=result.order.household_code,
        masked_name=mask_name(result.order.head_name),
        lines=tuple(
            ReceiptLine(
                no=line.line_no,
                name=line.name,
                qty=line.qty,
                points=line.points,
                due_at=line.due_at,
                handed=True,
            )
            for line in result.handed
        ),
        late_lines=result.late_count,
        qr_payload=result.order.qr_payload,
    )
