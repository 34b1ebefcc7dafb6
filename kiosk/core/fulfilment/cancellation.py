"""Cancelling an order line: an administrator's decision, refunded by a ledger entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from kiosk.core.clock import as_utc
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.fulfilment.lines import (
    FulfilmentLine,
    LineStatus,
    order_record,
    refuse_on_conflict,
)
from kiosk.core.ids import new_id
from kiosk.core.ledger import append_entry, balance, local_origin, next_origin_seq
from kiosk.core.models import (
    Cancellation,
    Household,
    LedgerEntry,
    Operator,
    RedemptionOrder,
    Role,
)
from kiosk.core.reference import require_village
from rules.engine import booking_instant, points_year

CANCELLING_ROLES = (Role.VILLAGE_ADMIN, Role.STREET_ADMIN)
MAX_REASON_LENGTH = 200

# --- cancellation --------------------------------------------------------------------------


@dataclass(frozen=True)
class CancelResult:
    order_number: str
    household_code: str
    line: FulfilmentLine
    refund_entry_id: str
    refunded: int
    balance_after: int

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.order_number,
            "household": self.household_code,
            "line": self.line.as_json(),
            "refund_entry_id": self.refund_entry_id,
            "refunded": self.refunded,
            "balance_after": self.balance_after,
        }


def cancel_line(
    session: Session,
    order: RedemptionOrder,
    line_no: int,
    reason: str,
    operator: Operator,
    now: datetime,
) -> CancelResult:
    """Cancel one pending line and refund its points by a reversing entry, exactly once.

    A second cancellation is refused; a concurrent one cannot refund twice either, since
    the caller's IMMEDIATE transaction serialises writers and `Cancellation.line_id` is unique.
    """
    if operator.role not in CANCELLING_ROLES:
        raise Refused("cancel.role", operator=operator.name)
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise BadInput("cancel.reason", max=MAX_REASON_LENGTH)
    household = session.get(Household, order.household_id)
    if household is None:
        raise NotFound("order.unknown", order=order.number)
    require_village(operator, household.village_id)
    record = order_record(session, order, now)
    view = next((line for line in record.lines if line.line_no == line_no), None)
    if view is None:
        raise NotFound(
            "order.line_unknown", order=order.number, no=line_no, count=len(record.lines)
        )
    if view.status == LineStatus.CANCELLED:
        raise Refused("cancel.twice", name=view.name)
    if view.status == LineStatus.HANDED:
        raise Refused("cancel.handed", name=view.name)
    redemption = session.exec(
        select(LedgerEntry).where(
            LedgerEntry.order_id == order.id, LedgerEntry.kind == "redemption"
        )
    ).first()
    if redemption is None:
        raise NotFound("order.unknown", order=order.number)
    origin = local_origin(session)
    with refuse_on_conflict(Refused("cancel.twice", name=view.name)):
        refund = append_entry(
            session,
            household_id=household.id,
            points=view.points,
            kind="refund",
            # An order of an earlier points year is refunded into that year (at its last
            # instant, as corrections are): 次年清零 lets no old points into the new year.
            at=booking_instant(redemption.points_year, now),
            origin=origin,
            points_year_override=redemption.points_year,
            order_id=order.id,
            group_id=order.id,
            reverses_id=redemption.id,
            operator_id=operator.id,
            note=f"{order.number} #{view.line_no} {reason}",
        )
        session.add(
            Cancellation(
                id=new_id(),
                line_id=view.line_id,
                refund_entry_id=refund.id,
                reason=reason,
                operator_id=operator.id,
                cancelled_at=as_utc(now),
                origin=origin,
                origin_seq=next_origin_seq(session, origin),
            )
        )
        session.flush()
    after = order_record(session, order, now)
    return CancelResult(
        order_number=order.number,
        household_code=household.code,
        line=next(line for line in after.lines if line.line_id == view.line_id),
        refund_entry_id=refund.id,
        refunded=view.points,
        balance_after=balance(session, household.id, points_year(now)),
    )
