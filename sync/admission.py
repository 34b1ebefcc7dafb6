"""Admission of a kiosk's records: every row re-derived from what the database knows, so a row
no honest kiosk could have written is refused by name and an honest offline conflict is let
in with a finding to alert on.

`sync.plausible` bounds magnitudes without a query; this looks things up, once per push and
never once per row: the rule set the row names and the price its rule gives, the operator and
their role and village, the catalogue item and its price, and every record a row refers to,
found earlier in the same push or already in the database. Honest kiosks write a
transaction's rows together and a push never ends inside a transaction
(`sync.client.read_chunk`), so what one transaction writes (an order, its lines and its
redemption entry; a cancellation and its refund; a hand-over and its stock movement; an
approval and its awards) must arrive together.

Two outcomes besides a pass (docs/architecture.md, "The trust boundary", says why each check
is on which side):
- `Inadmissible` (HTTP 400): the row is impossible for an honest kiosk. Nothing of the push
  is applied.
- `Conflict` (HTTP 409): the row contradicts what another database recorded meanwhile (a
  line cancelled at the office and handed over at the kiosk); the office settles it.
- a `Finding`: possible offline (a once-a-month award made twice by two kiosks, a warning
  where the central already counts enough warnings, an operator deactivated since). The row
  is taken and the caller alerts once per kiosk and reason.

`admit` works on any session: the central's, before it inserts a push, and a kiosk's own,
over its not yet acknowledged rows (`sync.selfcheck`, for `kiosk check`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from catalog.items import DUE_DAYS, DueClass
from kiosk.core.clock import from_db
from kiosk.core.errors import BadInput, Refused
from kiosk.core.evaluations import evaluation_shape
from kiosk.core.ids import derived_id
from kiosk.core.models import (
    CatalogItem,
    CatalogPrice,
    DeclarationStatus,
    DisputeStatus,
    EntryKind,
    Household,
    LedgerEntry,
    Operator,
    Role,
    RuleSetRecord,
)
from kiosk.core.redemption import receipt_number
from rules.engine import (
    DraftEntry,
    PastEntry,
    RuleRefusal,
    helper_entry,
    price_award,
)
from rules.loader import parse_ruleset
from rules.model import Cadence, Rule, RuleList, RuleSet
from sync.protocol import BY_NAME, ORDER_LINES, ORDERS, Row

AWARDING = frozenset({Role.VILLAGE_ADMIN, Role.STREET_ADMIN})
ANY_ROLE = frozenset(Role)
FREEZE_ACTIONS = frozenset({"freeze", "lift"})
STOCK_REASONS = frozenset({"restock", "handover", "adjust"})
MAX_DESCRIPTION = 500  # kiosk.core.declarations.MAX_DESCRIPTION
MAX_PHOTOS = 9  # kiosk.core.declarations.MAX_PHOTOS
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z").match

# Each reason a row is refused or alerted: (Chinese, English), shown in the 4xx and alert.
REASONS: dict[str, tuple[str, str]] = {
    "bad_id": ("编号不是合法的 UUID", "not a well-formed UUID"),
    "household_unknown": ("农户不存在", "no such household"),
    "operator_unknown": ("操作员不存在", "no such operator"),
    "operator_role": ("操作员无权做这件事", "the operator's role may not do this"),
    "operator_village": ("操作员不属于该村", "the operator is not of this village"),
    "operator_inactive": ("操作员已停用", "the operator is deactivated"),
    "rule_set_unknown": ("规则版本不存在或不适用于该村", "no such rule set for this village then"),
    "rule_unknown": ("规则不存在", "no such rule in the rule set in force"),
    "rule_not_by_hand": ("该规则不能手工计分", "the rule is not awarded by hand"),
    "evaluation": ("不是当月红黑榜写下的记录", "not an entry a month's red or black list writes"),
    "evaluation_run": (
        "连续上榜所依据的上月记录不存在",
        "the earlier month on the list is missing",
    ),
    "price": ("积分与规则计算结果不符", "the points are not what the rule prices"),
    "monthly_twice": ("每月一次的规则本月已计分", "a once-a-month rule paid twice this month"),
    "warning_count": ("警告次数与记录不符", "warnings do not match the household's record"),
    "helper": ("互助方记录不成对", "a helper entry without its household's entry"),
    "order_missing": ("订单不在同一批记录中", "the order is not in the same push"),
    "order_entry": ("订单须恰有一条兑换扣分", "an order needs exactly one redemption entry"),
    "order_number": (
        "订单号不是本机编号与收据序号",
        "the order number is not the kiosk id and its receipt seq",
    ),
    "receipt_gap": (
        "收据号不连续（跳号或重号）",
        "the receipt number skips or repeats one",
    ),
    "item_unknown": ("兑换物品不存在", "no such catalogue item"),
    "item_price": ("物品积分与目录不符", "the line's points are not the item's price"),
    "stale_price": (
        "兑换点还不知道新价格，按旧价兑换",
        "priced at a price replaced before the order (the kiosk had not pulled the new one)",
    ),
    "due_at": ("承诺兑现时间不符", "the due time is not the item's class after the order"),
    "line_unknown": ("订单行不存在", "no such order line"),
    "entry_unknown": ("积分记录不存在", "no such ledger entry"),
    "other_household": ("引用了另一户的记录", "refers to another household's record"),
    "wrong_kind": ("引用的记录类型不对", "refers to a record of the wrong kind"),
    "before_parent": ("时间早于其所依据的记录", "dated before the record it follows"),
    "handed_twice": ("同一行重复交付", "a line handed over twice"),
    "handed_cancelled": ("已取消的订单行又被交付", "a line both cancelled and handed over"),
    "cancelled_twice": ("同一行重复取消", "a line cancelled twice"),
    "refund": ("退还积分与取消行不符", "the refund is not exactly the cancelled line's"),
    "stock": ("库存变动与交付不符", "the stock movement does not match its hand-over"),
    "corrected_twice": ("同一记录被更正两次", "an entry corrected twice"),
    "correction": ("更正记录与原记录不符", "the correction does not reverse its entry"),
    "enum": ("取值不在允许范围内", "not one of the allowed values"),
    "range": ("日期或数量范围不对", "a date or quantity out of range"),
    "decision": ("审核结果与申报不符", "the decision does not match its declaration"),
    "declaration_unknown": ("申报不存在", "no such declaration"),
    "dispute_unknown": ("异议不存在", "no such dispute"),
    "breaks_books": ("写入后账目不平", "the books would not balance after it"),
    "other_village": ("不属于本村", "not of this kiosk's village"),
    "four_eyes": (
        "登记申报或异议的管理员不能自己审核",
        "the administrator who took the request down decided it",
    ),
}


class Inadmissible(BadInput):
    """A pushed row no honest kiosk could write; the whole push is refused."""

    def __init__(self, table: str, row: Mapping[str, Any] | str, column: str, reason: str) -> None:
        chinese, english = REASONS[reason]
        row_id = row if isinstance(row, str) else str(row.get("id") or "")
        if not row_id and not isinstance(row, str):
            # No id to name it by: its seq is what the kiosk can find it under.
            row_id = f"(seq {row.get('origin_seq', '?')})"
        super().__init__(
            "sync.inadmissible",
            table=table,
            row=row_id[:40],
            column=column,
            reason=reason,
            why=english,
            why_zh=chinese,
        )


class Conflict(Refused):
    """A pushed row contradicts what the central already holds under the same id or seq, or
    what another database recorded meanwhile."""


@dataclass(frozen=True)
class Finding:
    """A row let in that the street office should look at (possible offline)."""

    reason: str
    table: str
    row: str
    household_id: str | None = None

    def detail(self) -> str:
        chinese, english = REASONS[self.reason]
        return f"{self.table} {self.row}: {chinese} / {english}"


# --- what the checks look things up in ---------------------------------------------------------

_ENTRY_COLUMNS = (
    "id",
    "household_id",
    "kind",
    "points",
    "rule_id",
    "order_id",
    "reverses_id",
    "group_id",
    "helper_for_id",
    "created_at",
    "origin",
)


# Every column of a pushed row that names an operator (checked by `_operator`).
_OPERATOR_COLUMNS = ("operator_id", "decided_by", "filed_by", "recorded_by")


@lru_cache(maxsize=64)
def _parsed(body: str) -> RuleSet:
    return parse_ruleset(body)


@dataclass
class Known:
    """The push's rows by id, and what the database holds that they refer to."""

    session: Session
    rows: Mapping[str, Sequence[Row]]
    village: str | None = None
    by_id: dict[str, dict[str, Row]] = field(default_factory=dict)
    db: dict[str, dict[str, Row]] = field(default_factory=dict)
    households: dict[str, Row] = field(default_factory=dict)
    operators: dict[str, Row] = field(default_factory=dict)
    items: dict[int, Row] = field(default_factory=dict)
    # Each item's prices as (first day, points), oldest first; the item's own from the start.
    prices: dict[int, list[tuple[date, int]]] = field(default_factory=dict)
    rulesets: dict[str, tuple[RuleSet, str | None]] = field(default_factory=dict)
    drafts: dict[tuple[str, int, int, bool], DraftEntry | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, rows in self.rows.items():
            self.by_id[name] = {row["id"]: row for row in rows}
        s = self.session
        # Only the operators the push names: a district's central holds thousands, and
        # reading them all for every push made a push's cost grow with the district.
        named: set[str] = set()
        for rows in self.rows.values():
            # A table's rows all have the same columns (decoded): look only at its own.
            for column in (c for c in _OPERATOR_COLUMNS if rows and c in rows[0]):
                named.update(row[column] for row in rows)
        named.discard(None)
        if named:
            operators = Operator.__table__  # type: ignore[attr-defined]
            self.operators = {
                r["id"]: dict(r)
                for r in s.execute(
                    select(operators).where(operators.c.id.in_(sorted(named)))
                ).mappings()
            }
        self.items = {
            r["no"]: dict(r)
            for r in s.execute(select(CatalogItem.__table__)).mappings()  # type: ignore[attr-defined]
        }
        self.prices = {no: [(date.min, item["points"])] for no, item in self.items.items()}
        for price in s.execute(
            select(
                col(CatalogPrice.item_no),
                col(CatalogPrice.effective_from),
                col(CatalogPrice.points),
            ).order_by(col(CatalogPrice.effective_from))
        ):
            self.prices.setdefault(price.item_no, []).append((price.effective_from, price.points))
        for record in s.execute(
            select(
                col(RuleSetRecord.id),
                col(RuleSetRecord.body),
                col(RuleSetRecord.scope_village_id),
            )
        ):
            self.rulesets[record.id] = (_parsed(record.body), record.scope_village_id)

    def get(self, table: str, row_id: str | None) -> Row | None:
        """A record by id: in this push, or already stored."""
        if row_id is None:
            return None
        found = self.by_id.get(table, {}).get(row_id)
        return found if found is not None else self.db.get(table, {}).get(row_id)

    def load(self, table: str, ids: Iterable[str | None], columns: Sequence[str] = ()) -> None:
        """Fetch stored rows of `table` by id (those not in the push) in one query."""
        wanted = {i for i in ids if i is not None} - set(self.by_id.get(table, {}))
        wanted -= set(self.db.get(table, {}))
        if not wanted:
            return
        t = BY_NAME[table].table
        chosen = [t.c[c] for c in columns] if columns else [t]
        found = self.db.setdefault(table, {})
        for r in self.session.execute(select(*chosen).where(t.c.id.in_(sorted(wanted)))).mappings():
            found[r["id"]] = dict(r)

    def load_households(self, ids: Iterable[str | None]) -> None:
        wanted = {i for i in ids if i is not None} - set(self.households)
        if wanted:
            t = Household.__table__  # type: ignore[attr-defined]
            for r in self.session.execute(
                select(t.c.id, t.c.village_id).where(t.c.id.in_(sorted(wanted)))
            ).mappings():
                self.households[r["id"]] = dict(r)

    def stored_where(self, table: str, column: str, values: Iterable[str]) -> list[Row]:
        """Stored rows of `table` whose `column` is one of `values`, leaving out the push's
        own rows (on a kiosk they are in the database too)."""
        wanted = sorted(set(values))
        if not wanted:
            return []
        t = BY_NAME[table].table
        own = self.by_id.get(table, {})
        return [
            dict(r)
            for r in self.session.execute(select(t).where(t.c[column].in_(wanted))).mappings()
            if r["id"] not in own
        ]


# Asia/Shanghai has kept UTC+8 since 1991 (sync.plausible bounds every date after 2020): a
# fixed offset gives a row's local day without a zoneinfo lookup per row.
_SHANGHAI_OFFSET = timedelta(hours=8)


def _day(value: Any) -> date:
    return (_at(value) + _SHANGHAI_OFFSET).date()


def _at(value: datetime) -> datetime:
    """An instant as an aware datetime: pushed rows are decoded aware, SQLite gives naive UTC."""
    return value if value.tzinfo is not None else from_db(value)


# --- the checks ------------------------------------------------------------------------------------


def admit(
    session: Session,
    rows: Mapping[str, Sequence[Row]],
    *,
    origin: str,
    village: str | None = None,
    household_villages: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Check every row of a push (decoded, `sync.protocol.decode_tables`) against the database;
    raise `Inadmissible` or `Conflict` for the first that fails, else return the findings.

    `village` is the pushing kiosk's (the central knows it; a kiosk checking itself holds
    only its village's households and points anyway). `household_villages` maps household ids to
    their villages as the caller read them in this transaction, so they are not read again."""
    known = Known(session, rows, village)
    # Households whose village the caller has just read (the central's scope check).
    for household_id, household_village in (household_villages or {}).items():
        known.households[household_id] = {"id": household_id, "village_id": household_village}
    findings: list[Finding] = []
    _check_ids(rows)
    households: set[str] = set()
    for name in ("entries", "orders", "freezes", "declarations", "disputes"):
        table_rows = rows.get(name, ())
        # A table's rows all have the same columns (decoded): look only at its own.
        for c in ("household_id", "helper_for_id", "helper_household_id"):
            if table_rows and c in table_rows[0]:
                households.update(row[c] for row in table_rows)
    households.discard(None)
    known.load_households(households)
    _check_orders(known, origin, findings)
    _check_entries(known, findings)
    _check_handovers(known, origin)
    _check_cancellations(known, origin)
    _check_stock(known)
    _check_lines_of_village(known)
    _check_freezes(known)
    _check_declarations(known)
    _check_disputes(known)
    for finding_table in ("entries", "orders", "handovers", "cancellations", "stock_movements"):
        for row in rows.get(finding_table, ()):
            operator = known.operators.get(row.get("operator_id") or "")
            if operator is not None and not operator["active"]:
                findings.append(
                    Finding("operator_inactive", finding_table, row["id"], row.get("household_id"))
                )
                break
    return findings


_ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("id",),
    "order_lines": ("id", "order_id"),
    "entries": ("id", "order_id", "reverses_id", "group_id"),
    "handovers": ("id", "line_id"),
    "cancellations": ("id", "line_id", "refund_entry_id"),
    "stock_movements": ("id", "ref_id"),
    "freezes": ("id",),
    "declarations": ("id",),
    "declaration_decisions": ("id", "declaration_id"),
    "disputes": ("id", "entry_id"),
    "dispute_resolutions": ("id", "dispute_id", "correction_entry_id"),
}


def _check_ids(rows: Mapping[str, Sequence[Row]]) -> None:
    for name, table_rows in rows.items():
        columns = _ID_COLUMNS.get(name, ("id",))
        for row in table_rows:
            for column in columns:
                value = row[column]
                if value is not None and not _UUID(value):
                    raise Inadmissible(name, row, column, "bad_id")
    for row in rows.get("declaration_decisions", ()):
        entry_ids = row["entry_ids"]
        if not isinstance(entry_ids, list) or not all(
            isinstance(i, str) and _UUID(i) for i in entry_ids
        ):
            raise Inadmissible("declaration_decisions", row, "entry_ids", "bad_id")


def _operator(
    known: Known,
    table: str,
    row: Row,
    column: str,
    roles: frozenset[str],
    village: str | None,
) -> None:
    """The operator exists, has one of `roles` and acts for `village` (a street
    administrator for any)."""
    operator = known.operators.get(row[column] or "")
    if operator is None:
        raise Inadmissible(table, row, column, "operator_unknown")
    if operator["role"] not in roles:
        raise Inadmissible(table, row, column, "operator_role")
    if (
        village is not None
        and operator["role"] != Role.STREET_ADMIN
        and operator["village_id"] != village
    ):
        raise Inadmissible(table, row, column, "operator_village")


def _village_of(known: Known, table: str, row: Row, column: str = "household_id") -> str:
    household = known.households.get(row[column])
    if household is None:
        raise Inadmissible(table, row, column, "household_unknown")
    return str(household["village_id"])


def _ruleset(known: Known, table: str, row: Row, key: str | None, village: str) -> RuleSet:
    """The rule set a row names, applicable to `village` on the row's day. A kiosk that
    has not pulled a newer version yet still prices by the one before: both are accepted."""
    found = known.rulesets.get(key or "")
    if found is None:
        raise Inadmissible(table, row, "rule_version", "rule_set_unknown")
    ruleset, scope = found
    if scope not in (None, village) or ruleset.effective_from > _day(row["created_at"]):
        raise Inadmissible(table, row, "rule_version", "rule_set_unknown")
    return ruleset


def _applicable_rule(known: Known, table: str, row: Row, village: str) -> Rule:
    """The rule a declaration names, in any rule set in force for the village that day."""
    day = _day(row["created_at"])
    for ruleset, scope in known.rulesets.values():
        if scope in (None, village) and ruleset.effective_from <= day:
            rule = ruleset.get(row["rule_id"])
            if rule is not None:
                return rule
    raise Inadmissible(table, row, "rule_id", "rule_unknown")


def _check_price(known: Known, line: Row, order: Row, findings: list[Finding]) -> None:
    """The line's unit price is the item's price in force on the order's day; a price in force
    before that day is what a kiosk that had not pulled the new one yet would charge (taken
    in and alerted); any other price (a future one too) no honest kiosk charges."""
    day = _day(order["created_at"])
    earlier = [points for first, points in known.prices.get(line["item_no"], ()) if first <= day]
    if earlier and line["unit_points"] == earlier[-1]:
        return
    if line["unit_points"] not in earlier:
        raise Inadmissible(ORDER_LINES.name, line, "unit_points", "item_price")
    findings.append(Finding("stale_price", ORDER_LINES.name, line["id"], order["household_id"]))


def _check_orders(known: Known, origin: str, findings: list[Finding]) -> None:
    lines_of: dict[str, list[Row]] = defaultdict(list)
    for line in known.rows.get(ORDER_LINES.name, ()):
        lines_of[line["order_id"]].append(line)
    redemptions: dict[str, list[Row]] = defaultdict(list)
    for entry in known.rows.get("entries", ()):
        if entry["kind"] == EntryKind.REDEMPTION:
            redemptions[entry["order_id"]].append(entry)
    _check_receipt_numbers(known, origin)
    for order in known.rows.get(ORDERS.name, ()):
        village = _village_of(known, ORDERS.name, order)
        _operator(known, ORDERS.name, order, "operator_id", ANY_ROLE, village)
        if len(redemptions.get(order["id"], ())) != 1:
            raise Inadmissible(ORDERS.name, order, "id", "order_entry")
        placed = order["created_at"]
        for line in lines_of.get(order["id"], ()):
            item = known.items.get(line["item_no"])
            if item is None:
                raise Inadmissible(ORDER_LINES.name, line, "item_no", "item_unknown")
            _check_price(known, line, order, findings)
            if line["due_class"] != item["due_class"] or line["due_class"] not in DUE_DAYS:
                raise Inadmissible(ORDER_LINES.name, line, "due_class", "enum")
            if line["due_at"] != placed + timedelta(days=DUE_DAYS[DueClass(line["due_class"])]):
                raise Inadmissible(ORDER_LINES.name, line, "due_at", "due_at")


def _check_receipt_numbers(known: Known, origin: str) -> None:
    """Receipt numbers without gaps: each order is `<kiosk>-<receipt_seq>`, one more than the
    kiosk's order before it (stored, or earlier in the push), so no number is skipped or
    given twice. An order of before the receipt counter (`receipt_seq` NULL) keeps its number
    `<kiosk>-<origin_seq>`, and only until the kiosk's first counter-numbered order."""
    orders = sorted(known.rows.get(ORDERS.name, ()), key=lambda r: r["origin_seq"])
    if not orders:
        return
    t = ORDERS.table
    # The kiosk's orders before the push (on a kiosk checking itself, the push's own rows
    # are stored too: they come after).
    before = (t.c.origin == origin) & (t.c.origin_seq < orders[0]["origin_seq"])
    last_counted, last_legacy = known.session.execute(
        select(
            select(func.max(t.c.receipt_seq)).where(before).scalar_subquery(),
            select(func.max(t.c.origin_seq)).where(before).scalar_subquery(),
        )
    ).one()
    for order in orders:
        seq = order["receipt_seq"]
        if seq is None:
            if last_counted is not None or order["number"] != receipt_number(
                origin, order["origin_seq"]
            ):
                raise Inadmissible(ORDERS.name, order, "number", "order_number")
            last_legacy = order["origin_seq"]
            continue
        if order["number"] != receipt_number(origin, seq):
            raise Inadmissible(ORDERS.name, order, "number", "order_number")
        previous = last_counted if last_counted is not None else (last_legacy or 0)
        if seq != previous + 1:
            raise Inadmissible(ORDERS.name, order, "receipt_seq", "receipt_gap")
        last_counted = seq


def _check_entries(known: Known, findings: list[Finding]) -> None:
    entries = sorted(known.rows.get("entries", ()), key=lambda r: r["origin_seq"])
    known.load("entries", (e["reverses_id"] for e in entries), _ENTRY_COLUMNS)
    history = _History(known, entries)
    refunds_named = {c["refund_entry_id"] for c in known.rows.get("cancellations", ())}
    resolutions = [
        r for r in known.rows.get("dispute_resolutions", ()) if r["outcome"] == "corrected"
    ]
    for entry in entries:
        village = _village_of(known, "entries", entry)
        kind = entry["kind"]
        if kind in (EntryKind.AWARD, EntryKind.DEDUCTION, EntryKind.WARNING):
            _operator(known, "entries", entry, "operator_id", AWARDING, village)
            _check_award(known, entry, village, history, findings)
        elif kind == EntryKind.REDEMPTION:
            _operator(known, "entries", entry, "operator_id", ANY_ROLE, village)
            order = known.by_id.get(ORDERS.name, {}).get(entry["order_id"] or "")
            if order is None:
                raise Inadmissible("entries", entry, "order_id", "order_missing")
            if order["household_id"] != entry["household_id"]:
                raise Inadmissible("entries", entry, "order_id", "other_household")
            if entry["points"] != -order["total"]:
                raise Inadmissible("entries", entry, "points", "price")
            if entry["created_at"] < order["created_at"]:
                raise Inadmissible("entries", entry, "created_at", "before_parent")
        elif kind == EntryKind.REFUND:
            _operator(known, "entries", entry, "operator_id", AWARDING, village)
            if entry["id"] not in refunds_named:
                raise Inadmissible("entries", entry, "id", "refund")
            reversed_ = known.get("entries", entry["reverses_id"])
            if reversed_ is None:
                raise Inadmissible("entries", entry, "reverses_id", "entry_unknown")
            if reversed_["kind"] != EntryKind.REDEMPTION or (
                reversed_["order_id"] != entry["order_id"]
            ):
                raise Inadmissible("entries", entry, "reverses_id", "wrong_kind")
            if reversed_["household_id"] != entry["household_id"]:
                raise Inadmissible("entries", entry, "reverses_id", "other_household")
            if entry["created_at"] < reversed_["created_at"]:
                raise Inadmissible("entries", entry, "created_at", "before_parent")
        elif kind == EntryKind.CORRECTION:
            _operator(known, "entries", entry, "operator_id", AWARDING, village)
            _check_correction(known, entry, resolutions)
        else:
            raise Inadmissible("entries", entry, "kind", "enum")
    history.check_corrections_once()


class _History:
    """The household's earlier entries of the rules whose price depends on them (monthly
    caps, warnings before deductions): stored ones in one query, then the push's own."""

    def __init__(self, known: Known, entries: Sequence[Row]) -> None:
        self.known = known
        self.entries = entries
        # Only rules whose price or cap depends on history need it (most do not).
        dependent = {
            rule.id
            for ruleset, _scope in known.rulesets.values()
            for rule in ruleset.rules
            if rule.cadence in (Cadence.MONTHLY, Cadence.WARN_THEN_DEDUCT)
        }
        keyed = [
            e
            for e in entries
            if e["kind"] in ("award", "deduction", "warning") and e["rule_id"] in dependent
        ]
        self.past: dict[tuple[str, str], list[Row]] = defaultdict(list)
        self.reversed: set[str] = set()
        households = {e["household_id"] for e in keyed}
        rules = {e["rule_id"] for e in keyed}
        years = {e["points_year"] for e in keyed}
        if households and rules:
            t = LedgerEntry.__table__  # type: ignore[attr-defined]
            own = known.by_id.get("entries", {})
            for r in known.session.execute(
                select(*(t.c[c] for c in _ENTRY_COLUMNS)).where(
                    t.c.household_id.in_(sorted(households)),
                    t.c.rule_id.in_(sorted(rules)),
                    t.c.points_year.in_(sorted(years)),
                )
            ).mappings():
                if r["id"] in own:
                    continue
                self._add(dict(r))

    def _add(self, row: Row) -> None:
        if row["kind"] == EntryKind.CORRECTION:
            self.reversed.add(row["reverses_id"])
        else:
            self.past[(row["household_id"], row["rule_id"])].append(row)

    def before(self, entry: Row, *, own_only: bool = False) -> list[PastEntry]:
        """The entry's household's earlier entries of its rule: all the central knows, or
        (`own_only`) those its own kiosk wrote, the least that kiosk can have known."""
        at = entry["created_at"]
        return [
            PastEntry(
                rule_id=r["rule_id"],
                kind=r["kind"],
                points=r["points"],
                at=_at(r["created_at"]),
                reversed=r["id"] in self.reversed,
                helper=r["helper_for_id"] is not None,
            )
            for r in self.past.get((entry["household_id"], entry["rule_id"]), ())
            if _at(r["created_at"]) <= at and (not own_only or r["origin"] == entry["origin"])
        ]

    def record(self, entry: Row) -> None:
        self._add(entry)

    def check_corrections_once(self) -> None:
        """No entry corrected twice by this kiosk; the same entry corrected at another
        database is the same derived id, refused by the store as a conflict."""
        reversed_ids = [e["reverses_id"] for e in self.entries if e["kind"] == EntryKind.CORRECTION]
        seen: set[str] = set()
        for entry in self.entries:
            if entry["kind"] == EntryKind.CORRECTION:
                if entry["reverses_id"] in seen:
                    raise Inadmissible("entries", entry, "reverses_id", "corrected_twice")
                seen.add(entry["reverses_id"])
        for stored in self.known.stored_where("entries", "reverses_id", reversed_ids):
            if stored["kind"] == EntryKind.CORRECTION:
                entry = next(e for e in self.entries if e["reverses_id"] == stored["reverses_id"])
                raise Inadmissible("entries", entry, "reverses_id", "corrected_twice")


def _check_award(
    known: Known, entry: Row, village: str, history: _History, findings: list[Finding]
) -> None:
    """The entry is exactly what the rules engine writes for its rule and quantity."""
    ruleset = _ruleset(known, "entries", entry, entry["rule_version"], village)
    rule = ruleset.get(entry["rule_id"] or "")
    if rule is None:
        raise Inadmissible("entries", entry, "rule_id", "rule_unknown")
    at = _at(entry["created_at"])
    if rule.cadence is Cadence.EVALUATION:
        _check_evaluation(known, entry, ruleset, rule, at)
        return
    if not rule.awardable_by_hand:
        raise Inadmissible("entries", entry, "rule_id", "rule_not_by_hand")
    quantity = entry["quantity"]
    if not isinstance(quantity, int):
        raise Inadmissible("entries", entry, "quantity", "price")
    helper = entry["helper_for_id"] is not None
    key = (rule.id, id(rule), quantity, helper)
    if key in known.drafts and rule.cadence in (Cadence.PER_OCCURRENCE, Cadence.RATE):
        # These prices depend on the rule and quantity alone; a big push repeats them.
        cached = known.drafts[key]
    else:
        try:
            # Empty history: the price of the deed itself; what history changes is below.
            cached = price_award(rule, quantity, [], at)
            if helper:
                cached = helper_entry(cached, rule)
        except RuleRefusal:
            cached = None
        known.drafts[key] = cached
    if cached is None:
        raise Inadmissible("entries", entry, "quantity", "price")
    draft = cached
    if entry["helper_for_id"] is not None:
        _check_helper(known, entry)
    elif rule.cadence is Cadence.WARN_THEN_DEDUCT:
        # What the kiosk knew lies between its own entries and all the central holds: a
        # warning is honest while its own count allows one, a deduction once all do.
        known_all = price_award(rule, 1, history.before(entry), at)
        known_own = price_award(rule, 1, history.before(entry, own_only=True), at)
        if entry["kind"] == "warning" and known_own.kind == "warning":
            draft = known_own
        elif entry["kind"] == "deduction" and known_all.kind == "deduction":
            draft = known_all
        else:
            raise Inadmissible("entries", entry, "kind", "warning_count")
        if draft.kind != known_all.kind:
            # The central counts warnings another kiosk gave that this one had not seen.
            findings.append(Finding("warning_count", "entries", entry["id"], entry["household_id"]))
    elif rule.cadence is Cadence.MONTHLY:
        try:
            price_award(rule, quantity, history.before(entry, own_only=True), at)
        except RuleRefusal:
            # Its own earlier award of the month: no honest kiosk pays it twice.
            raise Inadmissible("entries", entry, "rule_id", "monthly_twice") from None
        try:
            price_award(rule, quantity, history.before(entry), at)
        except RuleRefusal:
            findings.append(Finding("monthly_twice", "entries", entry["id"], entry["household_id"]))
    got = (entry["kind"], entry["points"], entry["quantity"], entry["remainder"])
    want = (draft.kind, draft.points, draft.quantity, draft.remainder or None)
    if entry["helper_for_id"] is not None:
        want = (draft.kind, draft.points, draft.quantity, None)
    if got != want:
        raise Inadmissible("entries", entry, "points", "price")
    # The points year of its time is sync.plausible's (it refused the push before this).
    if rule.cadence in (Cadence.MONTHLY, Cadence.WARN_THEN_DEDUCT):
        history.record(entry)


def _check_evaluation(known: Known, entry: Row, ruleset: RuleSet, rule: Rule, at: datetime) -> None:
    """An entry of the monthly red or black list: exactly what `record_evaluation` writes
    under its derived id, and a run of months in a row only on the earlier months' records
    (stored here or in the same push, as the kiosk had them)."""
    shape = evaluation_shape(ruleset, rule, entry["id"], entry["household_id"], at)
    if shape is None or entry["helper_for_id"] is not None:
        raise Inadmissible("entries", entry, "id", "evaluation")
    got = (entry["kind"], entry["points"], entry["quantity"], entry["remainder"])
    if got != (shape.kind, shape.points, 1, None):
        raise Inadmissible("entries", entry, "points", "price")
    known.load("entries", shape.earlier_records, _ENTRY_COLUMNS)
    for record in shape.earlier_records:
        if known.get("entries", record) is None:
            raise Inadmissible("entries", entry, "id", "evaluation_run")


def _check_helper(known: Known, entry: Row) -> None:
    """A helper's award rides with the household's own award of the same group."""
    partner = next(
        (
            e
            for e in known.rows.get("entries", ())
            if e["group_id"] is not None
            and e["group_id"] == entry["group_id"]
            and e["household_id"] == entry["helper_for_id"]
            and e["helper_for_id"] is None
        ),
        None,
    )
    if partner is None or partner["rule_id"] != entry["rule_id"]:
        raise Inadmissible("entries", entry, "helper_for_id", "helper")
    if partner["household_id"] == entry["household_id"]:
        raise Inadmissible("entries", entry, "helper_for_id", "helper")
    if partner["points"] != entry["points"]:
        raise Inadmissible("entries", entry, "points", "price")


def _check_correction(known: Known, entry: Row, resolutions: Sequence[Row]) -> None:
    """A correction reverses one award, deduction, warning or bonus of the same household,
    exactly, under the id derived from it, with the dispute resolution that decided it."""
    original = known.get("entries", entry["reverses_id"])
    if original is None:
        raise Inadmissible("entries", entry, "reverses_id", "entry_unknown")
    if original["kind"] not in ("award", "deduction", "warning", "bonus"):
        raise Inadmissible("entries", entry, "reverses_id", "wrong_kind")
    if original["household_id"] != entry["household_id"]:
        raise Inadmissible("entries", entry, "reverses_id", "other_household")
    if entry["points"] != -original["points"] or entry["rule_id"] != original["rule_id"]:
        raise Inadmissible("entries", entry, "points", "correction")
    if entry["id"] != derived_id("correction", original["id"]):
        raise Inadmissible("entries", entry, "id", "correction")
    if entry["created_at"] < _at(original["created_at"]):
        raise Inadmissible("entries", entry, "created_at", "before_parent")
    if not resolutions:
        raise Inadmissible("entries", entry, "reverses_id", "correction")


def _line_and_order(known: Known, table: str, row: Row) -> tuple[Row, Row]:
    line = known.get(ORDER_LINES.name, row["line_id"])
    if line is None:
        raise Inadmissible(table, row, "line_id", "line_unknown")
    order = known.get(ORDERS.name, line["order_id"])
    if order is None:
        raise Inadmissible(table, row, "line_id", "line_unknown")
    return line, order


def _load_lines(known: Known, table: str) -> None:
    known.load(ORDER_LINES.name, (r["line_id"] for r in known.rows.get(table, ())))
    known.load(ORDERS.name, (r["order_id"] for r in known.db.get(ORDER_LINES.name, {}).values()))
    known.load_households(o["household_id"] for o in known.db.get(ORDERS.name, {}).values())


def _state_of_lines(known: Known, line_ids: Sequence[str]) -> tuple[dict[str, Row], dict[str, Row]]:
    """The lines' hand-overs and cancellations: this push's and stored ones."""
    handed = {h["line_id"]: h for h in known.stored_where("handovers", "line_id", line_ids)}
    cancelled = {c["line_id"]: c for c in known.stored_where("cancellations", "line_id", line_ids)}
    return handed, cancelled


def _check_line_free(
    table: str,
    row: Row,
    line: Row,
    origin: str,
    stored_states: Sequence[tuple[Mapping[str, Row], str]],
) -> None:
    """The line is not already handed over or cancelled at the central: by this kiosk, no
    honest kiosk does it twice (refused); by another database, it is a conflict (409)."""
    for stored_by_line, reason in stored_states:
        stored = stored_by_line.get(line["id"])
        if stored is None:
            continue
        if stored["origin"] == origin:
            raise Inadmissible(table, row, "line_id", reason)
        raise Conflict(
            "sync.conflict",
            kiosk=origin,
            row=row["id"],
            detail=f"line {line['id']}: {REASONS[reason][1]} (other: {stored['origin']})",
            reason=reason,
        )


def _check_handovers(known: Known, origin: str) -> None:
    handovers = known.rows.get("handovers", ())
    if not handovers:
        return
    _load_lines(known, "handovers")
    line_ids = [h["line_id"] for h in handovers]
    stored_handed, stored_cancelled = _state_of_lines(known, line_ids)
    pushed_cancelled = {c["line_id"] for c in known.rows.get("cancellations", ())}
    movements = {m["ref_id"]: m for m in known.rows.get("stock_movements", ()) if m["ref_id"]}
    seen: set[str] = set()
    for handover in handovers:
        line, order = _line_and_order(known, "handovers", handover)
        village = _village_of(known, "handovers", order)
        _operator(known, "handovers", handover, "operator_id", ANY_ROLE, village)
        if handover["handed_at"] < _at(order["created_at"]):
            raise Inadmissible("handovers", handover, "handed_at", "before_parent")
        if handover["line_id"] in seen:
            raise Inadmissible("handovers", handover, "line_id", "handed_twice")
        seen.add(handover["line_id"])
        if handover["line_id"] in pushed_cancelled:
            raise Inadmissible("handovers", handover, "line_id", "handed_cancelled")
        _check_line_free(
            "handovers",
            handover,
            line,
            origin,
            ((stored_handed, "handed_twice"), (stored_cancelled, "handed_cancelled")),
        )
        movement = movements.get(handover["id"])
        if (
            movement is None
            or movement["reason"] != "handover"
            or movement["item_no"] != line["item_no"]
            or movement["delta"] != -line["qty"]
            or movement["created_at"] != handover["handed_at"]
        ):
            raise Inadmissible("handovers", handover, "id", "stock")


def _check_cancellations(known: Known, origin: str) -> None:
    cancellations = known.rows.get("cancellations", ())
    if not cancellations:
        return
    _load_lines(known, "cancellations")
    known.load("entries", (c["refund_entry_id"] for c in cancellations), _ENTRY_COLUMNS)
    stored_handed, stored_cancelled = _state_of_lines(known, [c["line_id"] for c in cancellations])
    seen: set[str] = set()
    for cancellation in cancellations:
        line, order = _line_and_order(known, "cancellations", cancellation)
        village = _village_of(known, "cancellations", order)
        _operator(known, "cancellations", cancellation, "operator_id", AWARDING, village)
        if cancellation["cancelled_at"] < _at(order["created_at"]):
            raise Inadmissible("cancellations", cancellation, "cancelled_at", "before_parent")
        if cancellation["line_id"] in seen:
            raise Inadmissible("cancellations", cancellation, "line_id", "cancelled_twice")
        seen.add(cancellation["line_id"])
        if not cancellation["reason"].strip():
            raise Inadmissible("cancellations", cancellation, "reason", "range")
        _check_line_free(
            "cancellations",
            cancellation,
            line,
            origin,
            ((stored_cancelled, "cancelled_twice"), (stored_handed, "handed_cancelled")),
        )
        refund = known.by_id.get("entries", {}).get(cancellation["refund_entry_id"])
        if (
            refund is None
            or refund["kind"] != EntryKind.REFUND
            or refund["points"] != line["points"]
            or refund["order_id"] != order["id"]
            or refund["household_id"] != order["household_id"]
        ):
            raise Inadmissible("cancellations", cancellation, "refund_entry_id", "refund")


def _check_lines_of_village(known: Known) -> None:
    """A hand-over or cancellation is of a line of the kiosk's own village: the village's
    other kiosks must be able to apply it, and no other village's are this kiosk's to touch."""
    if known.village is None:
        return
    for table in ("handovers", "cancellations"):
        for row in known.rows.get(table, ()):
            _line, order = _line_and_order(known, table, row)
            if _village_of(known, table, order) != known.village:
                raise Inadmissible(table, row, "line_id", "other_village")


def _check_stock(known: Known) -> None:
    handovers = known.by_id.get("handovers", {})
    for movement in known.rows.get("stock_movements", ()):
        if movement["reason"] not in STOCK_REASONS:
            raise Inadmissible("stock_movements", movement, "reason", "enum")
        roles = AWARDING if movement["reason"] == "adjust" else ANY_ROLE
        _operator(known, "stock_movements", movement, "operator_id", roles, known.village)
        if movement["item_no"] not in known.items:
            raise Inadmissible("stock_movements", movement, "item_no", "item_unknown")
        reason, delta = movement["reason"], movement["delta"]
        if reason == "handover":
            if movement["ref_id"] not in handovers:
                raise Inadmissible("stock_movements", movement, "ref_id", "stock")
        elif movement["ref_id"] is not None:
            raise Inadmissible("stock_movements", movement, "ref_id", "stock")
        if (reason == "restock" and delta <= 0) or (reason == "handover" and delta >= 0):
            raise Inadmissible("stock_movements", movement, "delta", "stock")
        if delta == 0:
            raise Inadmissible("stock_movements", movement, "delta", "stock")


def _check_freezes(known: Known) -> None:
    for row in known.rows.get("freezes", ()):
        village = _village_of(known, "freezes", row)
        _operator(known, "freezes", row, "operator_id", AWARDING, village)
        if row["action"] not in FREEZE_ACTIONS:
            raise Inadmissible("freezes", row, "action", "enum")
        starts, ends = row["starts_on"], row["ends_on"]
        if not isinstance(starts, date) or ends < starts:
            raise Inadmissible("freezes", row, "ends_on", "range")
        if row["action"] == "lift" and starts != ends:
            raise Inadmissible("freezes", row, "ends_on", "range")
        if not row["reason"].strip():
            raise Inadmissible("freezes", row, "reason", "range")


def _check_declarations(known: Known) -> None:
    for row in known.rows.get("declarations", ()):
        village = _village_of(known, "declarations", row)
        rule = _applicable_rule(known, "declarations", row, village)
        if rule.list is not RuleList.POSITIVE:
            raise Inadmissible("declarations", row, "rule_id", "rule_not_by_hand")
        try:
            price_award(rule, row["quantity"], [], _at(row["created_at"]))
        except RuleRefusal:
            raise Inadmissible("declarations", row, "quantity", "range") from None
        helper = row["helper_household_id"]
        if helper is not None:
            if helper == row["household_id"]:
                raise Inadmissible("declarations", row, "helper_household_id", "helper")
            if _village_of(known, "declarations", row, "helper_household_id") != village:
                raise Inadmissible("declarations", row, "helper_household_id", "other_household")
        if not 1 <= len(row["description"].strip()) <= MAX_DESCRIPTION:
            raise Inadmissible("declarations", row, "description", "range")
        evidence = row["evidence"]
        if (
            not isinstance(evidence, list)
            or len(evidence) > MAX_PHOTOS
            or not all(isinstance(name, str) and 0 < len(name) <= 200 for name in evidence)
        ):
            raise Inadmissible("declarations", row, "evidence", "range")
        if row["filed_by"] is not None:
            _operator(known, "declarations", row, "filed_by", AWARDING, village)
    decisions = known.rows.get("declaration_decisions", ())
    if not decisions:
        return
    known.load("declarations", (d["declaration_id"] for d in decisions))
    known.load_households(d["household_id"] for d in known.db.get("declarations", {}).values())
    for decision in decisions:
        declaration = known.get("declarations", decision["declaration_id"])
        if declaration is None:
            raise Inadmissible(
                "declaration_decisions", decision, "declaration_id", "declaration_unknown"
            )
        village = _village_of(known, "declaration_decisions", declaration)
        _operator(known, "declaration_decisions", decision, "decided_by", AWARDING, village)
        if decision["decided_by"] == declaration["filed_by"]:
            raise Inadmissible("declaration_decisions", decision, "decided_by", "four_eyes")
        if decision["decided_at"] < _at(declaration["created_at"]):
            raise Inadmissible("declaration_decisions", decision, "decided_at", "before_parent")
        _check_decision(known, decision, declaration)


def _check_decision(known: Known, decision: Row, declaration: Row) -> None:
    """An approval names the awards it wrote (in the same push) for exactly the declared
    deed; a rejection names none and says why."""
    outcome = decision["outcome"]
    entry_ids = decision["entry_ids"]
    if outcome == DeclarationStatus.REJECTED:
        if entry_ids or not (decision["reason"] or "").strip():
            raise Inadmissible("declaration_decisions", decision, "entry_ids", "decision")
        return
    if outcome != DeclarationStatus.APPROVED:
        raise Inadmissible("declaration_decisions", decision, "outcome", "enum")
    pushed = known.by_id.get("entries", {})
    entries = [pushed.get(i) for i in entry_ids]
    helper = declaration["helper_household_id"]
    expected = [declaration["household_id"]] + ([helper] if helper else [])
    if (
        any(e is None for e in entries)
        or [e["household_id"] for e in entries if e is not None] != expected
        or any(
            e is not None
            and (e["rule_id"] != declaration["rule_id"] or e["kind"] != EntryKind.AWARD)
            for e in entries
        )
        or (entries[0] or {}).get("quantity") != declaration["quantity"]
    ):
        raise Inadmissible("declaration_decisions", decision, "entry_ids", "decision")


def _check_disputes(known: Known) -> None:
    disputes = known.rows.get("disputes", ())
    known.load("entries", (d["entry_id"] for d in disputes), _ENTRY_COLUMNS)
    for dispute in disputes:
        village = _village_of(known, "disputes", dispute)
        if dispute["recorded_by"] is not None:
            _operator(known, "disputes", dispute, "recorded_by", AWARDING, village)
        entry = known.get("entries", dispute["entry_id"])
        if entry is None:
            raise Inadmissible("disputes", dispute, "entry_id", "entry_unknown")
        if entry["household_id"] != dispute["household_id"]:
            raise Inadmissible("disputes", dispute, "entry_id", "other_household")
        if entry["kind"] not in ("award", "deduction", "warning", "bonus"):
            raise Inadmissible("disputes", dispute, "entry_id", "wrong_kind")
        if dispute["created_at"] < _at(entry["created_at"]):
            raise Inadmissible("disputes", dispute, "created_at", "before_parent")
    resolutions = known.rows.get("dispute_resolutions", ())
    if not resolutions:
        return
    known.load("disputes", (r["dispute_id"] for r in resolutions))
    known.load_households(d["household_id"] for d in known.db.get("disputes", {}).values())
    known.load("entries", (d["entry_id"] for d in known.db.get("disputes", {}).values()))
    for resolution in resolutions:
        decided = known.get("disputes", resolution["dispute_id"])
        if decided is None:
            raise Inadmissible("dispute_resolutions", resolution, "dispute_id", "dispute_unknown")
        village = _village_of(known, "dispute_resolutions", decided)
        _operator(known, "dispute_resolutions", resolution, "decided_by", AWARDING, village)
        if resolution["decided_by"] == decided["recorded_by"]:
            raise Inadmissible("dispute_resolutions", resolution, "decided_by", "four_eyes")
        if resolution["decided_at"] < _at(decided["created_at"]):
            raise Inadmissible("dispute_resolutions", resolution, "decided_at", "before_parent")
        outcome = resolution["outcome"]
        if outcome == DisputeStatus.UPHELD:
            if resolution["correction_entry_id"] is not None:
                raise Inadmissible(
                    "dispute_resolutions", resolution, "correction_entry_id", "correction"
                )
            continue
        if outcome != DisputeStatus.CORRECTED:
            raise Inadmissible("dispute_resolutions", resolution, "outcome", "enum")
        correction = known.by_id.get("entries", {}).get(resolution["correction_entry_id"] or "")
        disputed = known.get("entries", decided["entry_id"])
        if (
            correction is None
            or correction["kind"] != EntryKind.CORRECTION
            or disputed is None
            or not (
                correction["reverses_id"] == disputed["id"]
                or (
                    disputed["group_id"] is not None
                    and known.get("entries", correction["reverses_id"]) is not None
                    and (known.get("entries", correction["reverses_id"]) or {}).get("group_id")
                    == disputed["group_id"]
                )
            )
        ):
            raise Inadmissible(
                "dispute_resolutions", resolution, "correction_entry_id", "correction"
            )
