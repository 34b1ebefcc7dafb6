"""Keeping the 2-day and 7-day promises: hand-overs, cancellations, restocks, deadlines, on-time rates.

Every order line is in exactly one state: pending (overdue once `due_at` has passed),
handed over (a `Handover` row), or cancelled (a `Cancellation` row with its refund entry).
States are never stored: they follow from which rows exist, so they cannot disagree with
the ledger. A line is late when it is handed over after its `due_at`; handing over at the
exact instant of `due_at` keeps the promise.

Decisions:
- Cancelling refunds points, so only a village or street administrator may do it; the
  shopkeeper who ordered the goods is refused (the same roles that may award points).
- The refund lands in the points year of the order: within the year at the cancellation,
  for an order of an earlier year at that year's last instant (rules.engine.booking_instant,
  as corrections are), so 次年清零 lets no old points into the new year (docs/rules.md).
- A hand-over of several lines is all or nothing: if one chosen line is short of stock,
  nothing is handed over and the message names the item.
- "Due today" counts pending lines not yet overdue whose `due_at` falls before the next
  midnight in Chongqing, so the home screen's two counts never overlap.
- The monthly on-time rate counts lines by the Chongqing month of their `due_at`; cancelled
  lines are left out, pending lines past due count as late, and pending lines not yet due
  are reported as open rather than counted either way.

The package: `lines` (states and views), `handover`, `cancellation`, `board` (stock, the
deadline board, restocks), `reports` (order list, on-time rates).
"""

from __future__ import annotations

from kiosk.core.fulfilment.board import (
    MAX_RESTOCK_QTY,
    BoardRow,
    DeadlineCounts,
    RestockResult,
    board,
    counts,
    exchange_point_for,
    restock,
)
from kiosk.core.fulfilment.cancellation import (
    CANCELLING_ROLES,
    MAX_REASON_LENGTH,
    CancelResult,
    cancel_line,
)
from kiosk.core.fulfilment.handover import (
    HandoverResult,
    hand_over,
    handover_slip,
)
from kiosk.core.fulfilment.lines import (
    DUE_SOON,
    FulfilmentLine,
    LineStatus,
    OrderRecord,
    Urgency,
    is_overdue,
    order_record,
    resolve_order,
    urgency,
)
from kiosk.core.fulfilment.reports import (
    OnTimeReport,
    OnTimeRow,
    on_time_rates,
    order_report,
)

__all__ = [
    "CANCELLING_ROLES",
    "DUE_SOON",
    "MAX_REASON_LENGTH",
    "MAX_RESTOCK_QTY",
    "BoardRow",
    "CancelResult",
    "DeadlineCounts",
    "FulfilmentLine",
    "HandoverResult",
    "LineStatus",
    "OnTimeReport",
    "OnTimeRow",
    "OrderRecord",
    "RestockResult",
    "Urgency",
    "board",
    "cancel_line",
    "counts",
    "exchange_point_for",
    "hand_over",
    "handover_slip",
    "is_overdue",
    "on_time_rates",
    "order_record",
    "order_report",
    "resolve_order",
    "restock",
    "urgency",
]
