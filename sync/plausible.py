"""Plausibility checks of a kiosk's pushed records, in plain Python over the decoded rows:
a well-typed row that no kiosk software writes is refused before anything is stored.

`decode_row` checks types; this checks meaning: an entry's kind and sign, points within any
rule's reach, the points year of its date, an order that adds up, dates inside the scheme's
life. A signed-in kiosk is trusted to be who it is, not to be bug-free or untampered, and a
row taken in cannot be taken back (records are insert-only and travel on to every kiosk of
the village). No query per row: the central's ingest must stay fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from sqlmodel.sql.sqltypes import UTCDateTime

from kiosk.core.errors import BadInput
from kiosk.core.models import EntryKind
from sync.protocol import ORDER_LINES, ORDERS, RECORD_TABLES, Row

MAX_POINTS = 1_000_000  # far beyond any rule or order; more is a bug or a forgery
MAX_QUANTITY = 100_000
MAX_LINE_QTY = 99  # kiosk.core.redemption.MAX_LINE_QTY, after merging repeated items
MAX_STOCK_DELTA = 100_000
EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)  # before the scheme existed
FUTURE_SLACK = timedelta(days=1)  # a kiosk clock a little ahead is warned about, not refused
# A due date lies the longest fulfilment class (7 days) after its order; a month is slack.
MAX_DUE_AFTER = timedelta(days=31)
# Asia/Shanghai has kept UTC+8 without summer time since 1991, and every date here is later
# than EARLIEST: a fixed offset gives the points year without a zoneinfo lookup per row.
SHANGHAI_OFFSET = timedelta(hours=8)

# The kinds a kiosk writes, each with the sign its points must have. Bonus and expiry are
# written only by the central's period closes, so a kiosk pushing one is refused.
KIOSK_KINDS: dict[str, Callable[[int], bool]] = {
    EntryKind.AWARD: lambda points: points >= 0,
    EntryKind.DEDUCTION: lambda points: points <= 0,
    EntryKind.WARNING: lambda points: points == 0,
    EntryKind.REDEMPTION: lambda points: points < 0,
    EntryKind.REFUND: lambda points: points > 0,
    EntryKind.CORRECTION: lambda points: True,  # the opposite of what it reverses
}

# The instants each record table carries (due dates are checked against their order).
_INSTANTS: dict[str, tuple[str, ...]] = {
    table.name: tuple(c.name for c in table.columns if isinstance(c.type, UTCDateTime))
    for table in RECORD_TABLES
}


def _refuse(table: str, row: Mapping[str, object], column: str, value: object) -> BadInput:
    return BadInput(
        "sync.implausible",
        table=table,
        row=str(row.get("id", "?"))[:40],
        column=column,
        value=repr(value)[:40],
    )


def check_rows(rows: Mapping[str, Sequence[Row]], now: datetime) -> None:
    """Refuse the chunk (BadInput naming the first bad row) unless every row is plausible.

    `rows` are decoded (`sync.protocol.decode_tables`): datetimes aware UTC, integers int.
    """
    low, high = EARLIEST, now.astimezone(UTC) + FUTURE_SLACK
    for name, table_rows in rows.items():
        for column in _INSTANTS.get(name, ()):
            for row in table_rows:
                value = row[column]
                if not low <= value <= high:
                    raise _refuse(name, row, column, value.isoformat())
    _check_entries(rows.get("entries", ()))
    _check_orders(
        rows.get(ORDERS.name, ()), rows.get(ORDER_LINES.name, ()), rows.get("entries", ())
    )
    for row in rows.get("stock_movements", ()):
        if not -MAX_STOCK_DELTA <= row["delta"] <= MAX_STOCK_DELTA:
            raise _refuse("stock_movements", row, "delta", row["delta"])
    for row in rows.get("declarations", ()):
        if not 0 <= row["quantity"] <= MAX_QUANTITY:
            raise _refuse("declarations", row, "quantity", row["quantity"])


def _check_entries(entries: Sequence[Row]) -> None:
    # The hot loop of a big push (bench/bench_sync.py): locals and no calls on a good row.
    kinds = KIOSK_KINDS
    offset = SHANGHAI_OFFSET
    for row in entries:
        kind = row["kind"]
        points = row["points"]
        sign_ok = kinds.get(kind)
        if sign_ok is None:
            raise _refuse("entries", row, "kind", kind)
        if not sign_ok(points) or not -MAX_POINTS <= points <= MAX_POINTS:
            raise _refuse("entries", row, "points", points)
        if kind == EntryKind.CORRECTION and row["reverses_id"] is None:
            raise _refuse("entries", row, "reverses_id", None)
        if row["points_year"] != (row["created_at"] + offset).year:
            raise _refuse("entries", row, "points_year", row["points_year"])
        quantity = row["quantity"]
        if quantity is not None and not 0 <= quantity <= MAX_QUANTITY:
            raise _refuse("entries", row, "quantity", quantity)
        remainder = row["remainder"]
        if remainder is not None and not 0 <= remainder <= MAX_QUANTITY:
            raise _refuse("entries", row, "remainder", remainder)


def _check_orders(orders: Sequence[Row], lines: Sequence[Row], entries: Sequence[Row]) -> None:
    """Each order's lines add up to its total, which is positive; every line prices its qty;
    the order's redemption entry, when it travels with it, spends exactly that total."""
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        qty = line["qty"]
        if not 1 <= qty <= MAX_LINE_QTY:
            raise _refuse(ORDER_LINES.name, line, "qty", qty)
        if not 0 <= line["unit_points"] <= MAX_POINTS:
            raise _refuse(ORDER_LINES.name, line, "unit_points", line["unit_points"])
        if line["points"] != qty * line["unit_points"]:
            raise _refuse(ORDER_LINES.name, line, "points", line["points"])
        sums[line["order_id"]] += line["points"]
    created: dict[str, datetime] = {}
    totals: dict[str, int] = {}
    for order in orders:
        total = order["total"]
        if not 0 < total <= MAX_POINTS or total != sums.get(order["id"], 0):
            raise _refuse(ORDERS.name, order, "total", total)
        if order["points_year"] != (order["created_at"] + SHANGHAI_OFFSET).year:
            raise _refuse(ORDERS.name, order, "points_year", order["points_year"])
        created[order["id"]] = order["created_at"]
        totals[order["id"]] = total
    for line in lines:
        # parse_chunk made sure every line's order is in the chunk.
        placed = created.get(line["order_id"])
        if placed is not None and not placed <= line["due_at"] <= placed + MAX_DUE_AFTER:
            raise _refuse(ORDER_LINES.name, line, "due_at", line["due_at"].isoformat())
    if totals:
        for entry in entries:
            if (
                entry["kind"] == EntryKind.REDEMPTION
                and entry["order_id"] in totals
                and entry["points"] != -totals[entry["order_id"]]
            ):
                raise _refuse("entries", entry, "points", entry["points"])
