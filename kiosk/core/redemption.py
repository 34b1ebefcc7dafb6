"""Redeeming points for catalogue items: one order, its lines, and its ledger entry, together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, exists, func, insert
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Row
from sqlmodel import Session, col, select

from catalog.items import DueClass
from kiosk.core.clock import as_utc, from_db, local_date
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.households import ANY_FREEZE, FreezeStatus, freeze_status
from kiosk.core.ids import new_id
from kiosk.core.ledger import (
    BALANCE_SUBQUERY,
    CENTRAL_ORIGIN,
    entry_row,
    next_origin_seq,
    take_origin_seqs,
)
from kiosk.core.models import (
    CatalogItem,
    CatalogPrice,
    ExchangePoint,
    Handover,
    Household,
    LedgerEntry,
    Meta,
    Operator,
    OrderLine,
    RedemptionOrder,
    StockMovement,
    table_of,
)
from kiosk.core.reference import (
    counter_exchange_point_id,
    exchange_points_of,
    require_village,
    stock_levels,
)
from rules.engine import points_year

# A catalogue item as _ITEMS_BY_NO reads it: no, name, points, due_class, active.
_ItemRow = Row[Any, Any, Any, Any, Any]

MAX_LINE_QTY = 99  # a household does not take 100 bars of soap; larger is a keying mistake


@dataclass(frozen=True)
class RedeemLine:
    item_no: int
    qty: int
    hand_over: bool = False  # given at the counter now, rather than pending until due


@dataclass(frozen=True)
class LineView:
    line_id: str
    line_no: int  # as printed on the receipt; hand-over and cancel name lines by it
    no: int  # the catalogue item number
    name: str
    qty: int
    points: int
    due_class: str
    due_at: datetime
    handed_at: datetime | None
    # Handed over at the counter with the order, as against later (after a restock, by its
    # due date): a receipt says what happened at the counter, so it shows the latter as owed.
    at_counter: bool = False


@dataclass(frozen=True)
class RedeemResult:
    order_id: str
    number: str
    household_code: str
    exchange_point_id: str
    total: int
    balance_before: int
    balance_after: int
    created_at: datetime
    lines: list[LineView]
    replayed: bool = False  # the same order id was committed before: nothing new written

    def as_json(self) -> dict[str, object]:
        return {
            "order": self.number,
            "order_id": self.order_id,
            "household": self.household_code,
            "exchange_point": self.exchange_point_id,
            "total": self.total,
            "balance_before": self.balance_before,
            "balance_after": self.balance_after,
            "created_at": self.created_at,
            "lines": [
                {
                    "line": line.line_no,
                    "no": line.no,
                    "name": line.name,
                    "qty": line.qty,
                    "points": line.points,
                    "due_class": line.due_class,
                    "due_at": line.due_at,
                    "handed_at": line.handed_at,
                    "status": "handed" if line.handed_at else "pending",
                    "at_counter": line.at_counter,
                }
                for line in self.lines
            ],
        }


def parse_item_specs(specs: Sequence[str]) -> list[tuple[int, int]]:
    """`NO[:QTY]` arguments as (item number, quantity); quantities are checked later."""
    parsed: list[tuple[int, int]] = []
    for spec in specs:
        number, _, qty = spec.strip().partition(":")
        try:
            parsed.append((int(number), int(qty) if qty else 1))
        except ValueError:
            raise BadInput("item.spec", spec=spec) from None
    return parsed


def _check_qty(qty: int) -> None:
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= MAX_LINE_QTY:
        raise BadInput("qty.range", low=1, high=MAX_LINE_QTY, qty=qty)


def merge_lines(lines: Sequence[RedeemLine]) -> list[RedeemLine]:
    """One line per item: repeated items add up (and are handed over if any of them is)."""
    merged: dict[int, RedeemLine] = {}
    for line in lines:
        _check_qty(line.qty)
        if line.item_no in merged:
            previous = merged[line.item_no]
            line = RedeemLine(
                line.item_no, previous.qty + line.qty, previous.hand_over or line.hand_over
            )
            _check_qty(line.qty)
        merged[line.item_no] = line
    return list(merged.values())


@dataclass(frozen=True)
class Quote:
    total: int
    balance: int
    refusal: Refused | None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def quote(
    session: Session, household: Household, lines: Sequence[RedeemLine], now: datetime
) -> Quote:
    """The running total against the balance, and why the order would be refused if it would."""
    merged = merge_lines(lines)
    session.flush()  # pending entries count, as they did when these reads were ORM queries
    connection = session.connection()
    total = _total(merged, _catalogue(connection, merged, now))
    current, any_freeze = connection.execute(
        _BALANCE_AND_FREEZE, {"household_id": household.id, "year": points_year(now)}
    ).one()
    frozen = freeze_status(session, household.id, local_date(now)) if any_freeze else None
    return Quote(
        total=total,
        balance=int(current),
        refusal=_refusal(frozen, total, int(current), bool(merged), household.takes_part),
    )


def _catalogue(
    connection: Connection, lines: Sequence[RedeemLine], now: datetime
) -> dict[int, _ItemRow]:
    """The active catalogue items of the lines, by number, at the price in force on the day
    of `now` (Asia/Shanghai), in one statement."""
    if not lines:
        return {}
    rows = connection.execute(
        _ITEMS_BY_NO, {"nos": [line.item_no for line in lines], "day": local_date(now)}
    )
    return {row.no: row for row in rows if row.active}


def _total(lines: Sequence[RedeemLine], items: Mapping[int, _ItemRow]) -> int:
    for line in lines:
        if line.item_no not in items:
            raise NotFound("item.unknown", no=line.item_no)
    return sum(items[line.item_no].points * line.qty for line in lines)


def _refusal(
    frozen: FreezeStatus | None, total: int, current: int, any_lines: bool, takes_part: bool
) -> Refused | None:
    # The seed: 长期外出的本村村民...原则上不参与积分制管理; one that does not take part
    # neither earns nor redeems (points it held from before it left stay unspent).
    if not takes_part:
        return Refused("redeem.not_participating")
    if frozen is not None:
        return Refused("redeem.frozen", until=frozen.until.isoformat(), reason=frozen.reason)
    if current < 0:
        return Refused("redeem.negative_balance", balance=current)
    if not any_lines:
        return Refused("redeem.empty")
    if total > current:
        return Refused("redeem.over_balance", total=total, balance=current)
    return None


def choose_exchange_point(
    session: Session, household: Household, operator: Operator, exchange_point_id: str | None
) -> ExchangePoint:
    candidate = counter_exchange_point_id(session, operator, exchange_point_id)
    point = session.get(ExchangePoint, candidate) if candidate else None
    if point is None or point.village_id != household.village_id:
        if exchange_point_id:
            raise Refused("redeem.wrong_point")
        points = exchange_points_of(session, household.village_id)
        if not points:
            raise Refused("redeem.wrong_point")
        point = points[0]
    return point


def hand_over_line(
    session: Session,
    line: OrderLine,
    exchange_point_id: str,
    operator_id: str | None,
    now: datetime,
    origin: str,
) -> Handover:
    """Give one line to the household: a hand-over record and the stock it takes, together.

    Stock never goes below zero: goods not on the shelf cannot be handed over.
    """
    if session.exec(select(Handover).where(Handover.line_id == line.id)).first() is not None:
        raise Refused("handover.twice", name=line.item_name)
    on_hand = stock_levels(session, exchange_point_id, [line.item_no]).get(line.item_no, 0)
    if on_hand < line.qty:
        raise Refused("stock.short", name=line.item_name, on_hand=on_hand, qty=line.qty)
    handover_row, stock_row = _handover_rows(
        line_id=line.id,
        item_no=line.item_no,
        qty=line.qty,
        exchange_point_id=exchange_point_id,
        operator_id=operator_id,
        now=now,
        origin=origin,
        seqs=(next_origin_seq(session, origin), next_origin_seq(session, origin)),
    )
    handover = Handover(**handover_row)
    session.add(handover)
    session.add(StockMovement(**stock_row))
    session.flush()
    return handover


def _handover_rows(
    *,
    line_id: str,
    item_no: int,
    qty: int,
    exchange_point_id: str,
    operator_id: str | None,
    now: datetime,
    origin: str,
    seqs: tuple[int, int],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every column of a hand-over and of the stock movement it takes, together.

    The one definition of these rows: hand_over_line makes ORM objects of them, redeem
    inserts them with Core statements.
    """
    handover_id = new_id()
    handover = {
        "id": handover_id,
        "line_id": line_id,
        "operator_id": operator_id,
        "handed_at": as_utc(now),
        "origin": origin,
        "origin_seq": seqs[0],
        "server_seq": None,
    }
    stock = {
        "id": new_id(),
        "exchange_point_id": exchange_point_id,
        "item_no": item_no,
        "delta": -qty,
        "reason": "handover",
        "ref_id": handover_id,
        "operator_id": operator_id,
        "created_at": as_utc(now),
        "origin": origin,
        "origin_seq": seqs[1],
        "server_seq": None,
    }
    return handover, stock


def redeem(
    session: Session,
    *,
    household: Household,
    lines: Sequence[RedeemLine],
    operator: Operator,
    now: datetime,
    exchange_point_id: str | None = None,
    order_id: str | None = None,
) -> RedeemResult:
    """Commit one redemption order: lines, the redemption entry and any counter hand-overs.

    `order_id` is the idempotency key: the caller makes it once (when the shopkeeper
    confirms) and reuses it on retry, so a retried confirmation never redeems twice.

    Lean on purpose (it runs inside the write lock, on every order): one statement reads
    every fact the checks need, one the catalogue items, one takes all the sequence numbers,
    and the rows go in as Core inserts; nothing is written until every check has passed.
    """
    session.flush()  # pending entries count, as they did when these reads were ORM queries
    connection = session.connection()
    year = points_year(now)
    state = connection.execute(
        _REDEEM_STATE,
        {
            "order_id": order_id,
            "household_id": household.id,
            "year": year,
            "point_id": exchange_point_id or operator.exchange_point_id or None,
        },
    ).one()
    if state.replayed:
        existing = session.get(RedemptionOrder, order_id)
        assert existing is not None
        return replace_replayed(order_view(session, existing))
    require_village(operator, household.village_id)
    merged = merge_lines(lines)
    items = _catalogue(connection, merged, now)
    total = _total(merged, items)
    current = int(state.balance)
    frozen = freeze_status(session, household.id, local_date(now)) if state.any_freeze else None
    refusal = _refusal(frozen, total, current, bool(merged), household.takes_part)
    if refusal is not None:
        raise refusal
    if state.point_village == household.village_id:
        point_id: str = state.point_id
    elif exchange_point_id:
        raise Refused("redeem.wrong_point")
    else:
        points = exchange_points_of(session, household.village_id)
        if not points:
            raise Refused("redeem.wrong_point")
        point_id = points[0].id
    handed = [line for line in merged if line.hand_over]
    if handed:
        on_hand = stock_levels(session, point_id, [line.item_no for line in handed])
        for line in handed:
            if on_hand.get(line.item_no, 0) < line.qty:
                raise Refused(
                    "stock.short",
                    name=items[line.item_no].name,
                    on_hand=on_hand.get(line.item_no, 0),
                    qty=line.qty,
                )

    origin = state.origin or CENTRAL_ORIGIN
    # Numbered as before: the order, its entry, then each hand-over and its stock movement.
    seqs = iter(take_origin_seqs(session, origin, 2 + 2 * len(handed)))
    order_seq = next(seqs)
    # After the origin's counter row is taken: on PostgreSQL its lock orders two orders'
    # reads of the last receipt number, on SQLite the write lock already does.
    receipt_seq = next_receipt_seq(connection, origin)
    created_at = as_utc(now)
    order: dict[str, Any] = {
        "id": order_id or new_id(),
        "number": receipt_number(origin, receipt_seq),
        "receipt_seq": receipt_seq,
        "household_id": household.id,
        "exchange_point_id": point_id,
        "operator_id": operator.id,
        "points_year": year,
        "total": total,
        "balance_before": current,
        "origin": origin,
        "origin_seq": order_seq,
        "created_at": created_at,
        "server_seq": None,
    }
    order_lines: list[dict[str, Any]] = []
    for line_no, line in enumerate(merged, start=1):
        item = items[line.item_no]
        order_lines.append(
            {
                "id": new_id(),
                "order_id": order["id"],
                "line_no": line_no,
                "item_no": item.no,
                "item_name": item.name,
                "qty": line.qty,
                "unit_points": item.points,
                "points": item.points * line.qty,
                "due_class": item.due_class,
                "due_at": as_utc(now + timedelta(days=DueClass(item.due_class).days)),
            }
        )
    entry = entry_row(
        household_id=household.id,
        points=-total,
        kind="redemption",
        at=now,
        origin=origin,
        origin_seq=next(seqs),
        order_id=order["id"],
        group_id=order["id"],
        operator_id=operator.id,
        note=order["number"],
    )
    handovers: list[dict[str, Any]] = []
    movements: list[dict[str, Any]] = []
    for line, order_line in zip(merged, order_lines, strict=True):
        if line.hand_over:
            handover, movement = _handover_rows(
                line_id=order_line["id"],
                item_no=line.item_no,
                qty=line.qty,
                exchange_point_id=point_id,
                operator_id=operator.id,
                now=now,
                origin=origin,
                seqs=(next(seqs), next(seqs)),
            )
            handovers.append(handover)
            movements.append(movement)
    # Parents first: lines reference the order, hand-overs their lines.
    connection.execute(_INSERT_ORDER, order)
    connection.execute(_INSERT_LINE, order_lines)
    connection.execute(_INSERT_ENTRY, entry)
    if handovers:
        connection.execute(_INSERT_HANDOVER, handovers)
        connection.execute(_INSERT_STOCK, movements)
    return RedeemResult(
        order_id=order["id"],
        number=order["number"],
        household_code=household.code,
        exchange_point_id=point_id,
        total=total,
        balance_before=current,
        balance_after=current - total,
        created_at=created_at,
        lines=[
            LineView(
                line_id=row["id"],
                line_no=row["line_no"],
                no=row["item_no"],
                name=row["item_name"],
                qty=row["qty"],
                points=row["points"],
                due_class=row["due_class"],
                due_at=row["due_at"],
                handed_at=created_at if line.hand_over else None,
                at_counter=line.hand_over,
            )
            for line, row in zip(merged, order_lines, strict=True)
        ],
    )


def receipt_number(origin: str, receipt_seq: int) -> str:
    """What a receipt carries: the origin (the kiosk id) and its receipt counter."""
    return f"{origin}-{receipt_seq:06d}".upper()


def next_receipt_seq(connection: Connection, origin: str) -> int:
    """The origin's next receipt number, read inside the order's write transaction: one more
    than its last order's, so a rolled-back order leaves no hole. Before the origin's first
    counter-numbered order, its orders were numbered by `origin_seq`: continue after them."""
    last = connection.execute(_LAST_RECEIPT, {"origin": origin}).scalar()
    return int(last or 0) + 1


def replace_replayed(result: RedeemResult) -> RedeemResult:
    from dataclasses import replace

    return replace(result, replayed=True)


def order_by_number(session: Session, number_or_id: str) -> RedemptionOrder:
    key = number_or_id.strip()
    order = session.exec(
        select(RedemptionOrder).where(
            (RedemptionOrder.number == key.upper()) | (RedemptionOrder.id == key)
        )
    ).first()
    if order is None:
        raise NotFound("order.unknown", order=number_or_id)
    return order


def order_view(session: Session, order: RedemptionOrder) -> RedeemResult:
    household = session.get(Household, order.household_id)
    rows = session.exec(
        select(OrderLine, Handover)
        .join(Handover, col(Handover.line_id) == col(OrderLine.id), isouter=True)
        .where(OrderLine.order_id == order.id)
        .order_by(col(OrderLine.line_no))
    ).all()
    lines = [
        LineView(
            line_id=line.id,
            line_no=line.line_no,
            no=line.item_no,
            name=line.item_name,
            qty=line.qty,
            points=line.points,
            due_class=line.due_class,
            due_at=from_db(line.due_at),
            handed_at=from_db(handover.handed_at) if handover else None,
            at_counter=handover is not None
            and from_db(handover.handed_at) <= from_db(order.created_at),
        )
        for line, handover in rows
    ]
    return RedeemResult(
        order_id=order.id,
        number=order.number,
        household_code=household.code if household else order.household_id,
        exchange_point_id=order.exchange_point_id,
        total=order.total,
        balance_before=order.balance_before,
        balance_after=order.balance_before - order.total,
        created_at=from_db(order.created_at),
        lines=lines,
    )


# Statements built once: building a statement and its cache key cost more than running it.
_META = table_of(Meta)
_POINTS = table_of(ExchangePoint)
_ITEMS = table_of(CatalogItem)


def _meta_value(key: str) -> Any:
    return sa_select(_META.c.value).where(_META.c.key == key).scalar_subquery()


# The exchange point asked for (explicitly or the operator's), else this kiosk's own.
_POINT_ID = func.coalesce(bindparam("point_id", type_=String), _meta_value("exchange_point_id"))

# Everything redeem checks before writing, read in one statement inside the write lock:
# whether the order id was committed before, the balance, whether any freeze record exists,
# this database's origin, and the exchange point with its village.
_REDEEM_STATE = sa_select(
    exists().where(table_of(RedemptionOrder).c.id == bindparam("order_id")).label("replayed"),
    BALANCE_SUBQUERY.label("balance"),
    ANY_FREEZE.label("any_freeze"),
    _meta_value("origin").label("origin"),
    _POINT_ID.label("point_id"),
    sa_select(_POINTS.c.village_id)
    .where(_POINTS.c.id == _POINT_ID)
    .scalar_subquery()
    .label("point_village"),
)
_BALANCE_AND_FREEZE = sa_select(BALANCE_SUBQUERY, ANY_FREEZE)
_PRICES = table_of(CatalogPrice)
# The newest price from the order's day or before (kiosk.core.reference.catalog_prices_on).
_PRICE_ON_DAY = (
    sa_select(_PRICES.c.points)
    .where(_PRICES.c.item_no == _ITEMS.c.no, _PRICES.c.effective_from <= bindparam("day"))
    .order_by(_PRICES.c.effective_from.desc())
    .limit(1)
    .scalar_subquery()
)
_ITEMS_BY_NO = sa_select(
    _ITEMS.c.no,
    _ITEMS.c.name,
    func.coalesce(_PRICE_ON_DAY, _ITEMS.c.points).label("points"),
    _ITEMS.c.due_class,
    _ITEMS.c.active,
).where(_ITEMS.c.no.in_(bindparam("nos", expanding=True)))

_ORDERS = table_of(RedemptionOrder)
# Two index lookups (origin, receipt_seq) and (origin, origin_seq): an origin's orders
# numbered by origin_seq all come before its first counter-numbered one.
_LAST_RECEIPT = sa_select(
    func.coalesce(
        sa_select(func.max(_ORDERS.c.receipt_seq))
        .where(_ORDERS.c.origin == bindparam("origin"))
        .scalar_subquery(),
        sa_select(func.max(_ORDERS.c.origin_seq))
        .where(_ORDERS.c.origin == bindparam("origin"))
        .scalar_subquery(),
    )
)
_INSERT_ORDER = insert(_ORDERS)
_INSERT_LINE = insert(table_of(OrderLine))
_INSERT_ENTRY = insert(table_of(LedgerEntry))
_INSERT_HANDOVER = insert(table_of(Handover))
_INSERT_STOCK = insert(table_of(StockMovement))
