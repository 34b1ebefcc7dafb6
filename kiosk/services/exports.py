"""The office's exports: a period's entries, orders and lines, declarations and disputes of a
village (or all) and exchange point (or all), as an XLSX workbook or one table as CSV, with a
totals sheet summed from the entry rows themselves, which equals the overview's monthly flows.

One path for the console's downloads and `kiosk export`. Each entry row says which flow of
the overview it counts in and in which month: a reversal (a dispute's correction, a cancelled
line's refund) counts where the entry it reverses counts, so a correction made after the
period of an entry in it is exported too (kiosk.core.overview states these definitions).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, or_, select

from kiosk.core.clock import as_utc, from_db, local
from kiosk.core.db import read_session
from kiosk.core.errors import BadInput, NotFound
from kiosk.core.models import (
    Cancellation,
    Declaration,
    DeclarationDecision,
    Dispute,
    DisputeResolution,
    EntryKind,
    ExchangePoint,
    Handover,
    Household,
    LedgerEntry,
    OrderLine,
    RedemptionOrder,
    Role,
    Village,
)
from kiosk.core.notice import Quarter, parse_quarter
from kiosk.core.overview import office_overview
from kiosk.core.reference import operator_by_id, require_role, require_village
from rules.engine import start_of_month, start_of_next_month

# The overview's flows (kiosk.core.overview): which flow an entry of each kind counts in.
FLOW_OF_KIND = {
    EntryKind.AWARD: "awarded",
    EntryKind.BONUS: "awarded",
    EntryKind.DEDUCTION: "deducted",
    EntryKind.REDEMPTION: "redeemed",
}
REVERSALS = (EntryKind.CORRECTION, EntryKind.REFUND)
TABLES = ("totals", "entries", "orders", "lines", "declarations", "disputes")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class ExportPeriod:
    """A quarter ("2026Q4") or a month ("2026-11"), Chongqing time."""

    key: str
    start: datetime
    end: datetime
    months: tuple[str, ...]
    quarter: Quarter | None = None


def parse_period(text: str) -> ExportPeriod:
    text = text.strip()[:10]
    month = _MONTH.fullmatch(text)
    if month is not None:
        year, number = int(month.group(1)), int(month.group(2))
        if not (2000 <= year <= 2100 and 1 <= number <= 12):
            raise BadInput("date.invalid", value=text, expected="YYYY-MM or YYYYQn")
        return ExportPeriod(
            text, start_of_month(year, number), start_of_next_month(year, number), (text,)
        )
    try:
        quarter = parse_quarter(text)
    except BadInput:
        raise BadInput("date.invalid", value=text, expected="YYYY-MM or YYYYQn") from None
    first = 3 * quarter.number - 2
    months = tuple(f"{quarter.year:04d}-{m:02d}" for m in range(first, first + 3))
    return ExportPeriod(quarter.key, quarter.start, quarter.end, months, quarter)


@dataclass(frozen=True)
class Selection:
    period: ExportPeriod
    village_id: str | None = None  # None: every village the reader may see
    exchange_point_id: str | None = None  # None: every exchange point of those villages


@dataclass
class Table:
    name: str  # one of TABLES: the sheet's and the CSV file's name
    title: str  # the sheet's title, Chinese (Excel shows it on the tab)
    columns: tuple[str, ...]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Export:
    selection: Selection
    villages: list[Village]
    tables: dict[str, Table]

    def file_name(self, suffix: str, table: str | None = None) -> str:
        parts = ["export", self.selection.period.key]
        parts += [self.selection.village_id or "all"]
        if self.selection.exchange_point_id:
            parts.append(self.selection.exchange_point_id)
        if table:
            parts.append(table)
        return "-".join(parts) + suffix


def _moment(at: datetime | None) -> str:
    return "" if at is None else local(from_db(at)).strftime("%Y-%m-%d %H:%M:%S")


def _month_of(at: datetime) -> str:
    return local(from_db(at)).strftime("%Y-%m")


def _villages(session: Session, selection: Selection, scope: str | None) -> list[Village]:
    statement = select(Village).order_by(col(Village.id))
    wanted = selection.village_id or scope
    if wanted is not None:
        statement = statement.where(col(Village.id) == wanted)
    return list(session.exec(statement))


def _entries(
    session: Session, selection: Selection, ids: list[str], orders: list[str] | None
) -> Table:
    table = Table(
        "entries",
        "积分记录",
        (
            "id",
            "created_at",
            "village_id",
            "household",
            "kind",
            "points",
            "points_year",
            "rule_id",
            "reverses_id",
            "order_id",
            "origin",
            "operator_id",
            "flow",
            "flow_month",
            "note",
        ),
    )
    period = selection.period
    reversed_ = aliased(LedgerEntry)
    # The period's own entries, and the reversals (of any later date) of entries in it.
    statement = (
        sa_select(
            LedgerEntry,
            col(Household.village_id),
            col(Household.code),
            col(reversed_.kind),
            col(reversed_.created_at),
        )
        .join(Household, col(Household.id) == col(LedgerEntry.household_id))
        .outerjoin(reversed_, col(reversed_.id) == col(LedgerEntry.reverses_id))
        .where(
            col(Household.village_id).in_(ids),
            col(LedgerEntry.created_at) >= as_utc(period.start),
            or_(
                col(LedgerEntry.created_at) < as_utc(period.end),
                (col(LedgerEntry.kind).in_(REVERSALS))
                & (col(reversed_.created_at) >= as_utc(period.start))
                & (col(reversed_.created_at) < as_utc(period.end)),
            ),
        )
        .order_by(col(LedgerEntry.created_at), col(LedgerEntry.id))
    )
    if orders is not None:
        statement = statement.where(col(LedgerEntry.order_id).in_(orders))
    for entry, village_id, code, reversed_kind, reversed_at in session.execute(statement):
        flow, month = "", ""
        if entry.kind in FLOW_OF_KIND:
            flow, month = FLOW_OF_KIND[EntryKind(entry.kind)], _month_of(entry.created_at)
        elif (
            entry.kind in REVERSALS
            and reversed_kind in FLOW_OF_KIND
            and period.start <= from_db(reversed_at) < period.end
        ):
            flow, month = FLOW_OF_KIND[EntryKind(reversed_kind)], _month_of(reversed_at)
        table.rows.append(
            [
                entry.id,
                _moment(entry.created_at),
                village_id,
                code,
                entry.kind,
                entry.points,
                entry.points_year,
                entry.rule_id or "",
                entry.reverses_id or "",
                entry.order_id or "",
                entry.origin,
                entry.operator_id or "",
                flow,
                month,
                entry.note or "",
            ]
        )
    return table


def _orders(
    session: Session, selection: Selection, ids: list[str]
) -> tuple[Table, Table, list[str]]:
    period = selection.period
    orders = Table(
        "orders",
        "兑换单",
        (
            "id",
            "number",
            "created_at",
            "village_id",
            "household",
            "exchange_point_id",
            "operator_id",
            "points_year",
            "total",
            "balance_before",
        ),
    )
    lines = Table(
        "lines",
        "兑换明细",
        (
            "order_number",
            "line_no",
            "exchange_point_id",
            "item_no",
            "item_name",
            "qty",
            "unit_points",
            "points",
            "due_at",
            "handed_at",
            "cancelled_at",
            "cancel_reason",
            "state",
        ),
    )
    statement = (
        sa_select(RedemptionOrder, col(Household.village_id), col(Household.code))
        .join(Household, col(Household.id) == col(RedemptionOrder.household_id))
        .where(
            col(Household.village_id).in_(ids),
            col(RedemptionOrder.created_at) >= as_utc(period.start),
            col(RedemptionOrder.created_at) < as_utc(period.end),
        )
        .order_by(col(RedemptionOrder.created_at), col(RedemptionOrder.number))
    )
    if selection.exchange_point_id:
        statement = statement.where(
            col(RedemptionOrder.exchange_point_id) == selection.exchange_point_id
        )
    found = list(session.execute(statement).all())
    numbers = {order.id: order for order, _, _ in found}
    for order, village_id, code in found:
        orders.rows.append(
            [
                order.id,
                order.number,
                _moment(order.created_at),
                village_id,
                code,
                order.exchange_point_id,
                order.operator_id,
                order.points_year,
                order.total,
                order.balance_before,
            ]
        )
    if numbers:
        handed = dict(
            session.exec(
                select(Handover.line_id, Handover.handed_at)
                .join(OrderLine, col(OrderLine.id) == col(Handover.line_id))
                .where(col(OrderLine.order_id).in_(list(numbers)))
            ).all()
        )
        cancelled = {
            line_id: (at, reason)
            for line_id, at, reason in session.exec(
                select(Cancellation.line_id, Cancellation.cancelled_at, Cancellation.reason)
                .join(OrderLine, col(OrderLine.id) == col(Cancellation.line_id))
                .where(col(OrderLine.order_id).in_(list(numbers)))
            ).all()
        }
        for line in session.exec(
            select(OrderLine)
            .where(col(OrderLine.order_id).in_(list(numbers)))
            .order_by(col(OrderLine.order_id), col(OrderLine.line_no))
        ):
            order = numbers[line.order_id]
            cancel_at, reason = cancelled.get(line.id, (None, ""))
            state = "cancelled" if cancel_at else "handed_over" if line.id in handed else "pending"
            lines.rows.append(
                [
                    order.number,
                    line.line_no,
                    order.exchange_point_id,
                    line.item_no,
                    line.item_name,
                    line.qty,
                    line.unit_points,
                    line.points,
                    _moment(line.due_at),
                    _moment(handed.get(line.id)),
                    _moment(cancel_at),
                    reason,
                    state,
                ]
            )
        lines.rows.sort(key=lambda row: (row[0], row[1]))
    return orders, lines, list(numbers)


def _declarations(session: Session, selection: Selection, ids: list[str]) -> Table:
    period = selection.period
    table = Table(
        "declarations",
        "申报",
        (
            "id",
            "created_at",
            "village_id",
            "household",
            "rule_id",
            "quantity",
            "filed_by",
            "description",
            "outcome",
            "decided_by",
            "decided_at",
            "reason",
        ),
    )
    for declaration, village_id, code, decision in session.execute(
        sa_select(Declaration, col(Household.village_id), col(Household.code), DeclarationDecision)
        .join(Household, col(Household.id) == col(Declaration.household_id))
        .outerjoin(
            DeclarationDecision, col(DeclarationDecision.declaration_id) == col(Declaration.id)
        )
        .where(
            col(Household.village_id).in_(ids),
            col(Declaration.created_at) >= as_utc(period.start),
            col(Declaration.created_at) < as_utc(period.end),
        )
        .order_by(col(Declaration.created_at), col(Declaration.id))
    ):
        table.rows.append(
            [
                declaration.id,
                _moment(declaration.created_at),
                village_id,
                code,
                declaration.rule_id,
                declaration.quantity,
                declaration.filed_by,
                declaration.description,
                decision.outcome if decision else "waiting",
                decision.decided_by if decision else "",
                _moment(decision.decided_at) if decision else "",
                (decision.reason or "") if decision else "",
            ]
        )
    return table


def _disputes(session: Session, selection: Selection, ids: list[str]) -> Table:
    period = selection.period
    table = Table(
        "disputes",
        "异议",
        (
            "id",
            "created_at",
            "village_id",
            "household",
            "entry_id",
            "raised_by",
            "description",
            "outcome",
            "decided_by",
            "decided_at",
            "note",
            "correction_entry_id",
        ),
    )
    for dispute, village_id, code, resolution in session.execute(
        sa_select(Dispute, col(Household.village_id), col(Household.code), DisputeResolution)
        .join(Household, col(Household.id) == col(Dispute.household_id))
        .outerjoin(DisputeResolution, col(DisputeResolution.dispute_id) == col(Dispute.id))
        .where(
            col(Household.village_id).in_(ids),
            col(Dispute.created_at) >= as_utc(period.start),
            col(Dispute.created_at) < as_utc(period.end),
        )
        .order_by(col(Dispute.created_at), col(Dispute.id))
    ):
        table.rows.append(
            [
                dispute.id,
                _moment(dispute.created_at),
                village_id,
                code,
                dispute.entry_id,
                dispute.raised_by,
                dispute.description,
                resolution.outcome if resolution else "waiting",
                resolution.decided_by if resolution else "",
                _moment(resolution.decided_at) if resolution else "",
                (resolution.note or "") if resolution else "",
                (resolution.correction_entry_id or "") if resolution else "",
            ]
        )
    return table


def _totals(
    session: Session,
    selection: Selection,
    villages: list[Village],
    entries: Table,
    now: datetime,
) -> Table:
    """Per village and month: the flows summed from the entry rows (awarded positive,
    deducted and redeemed as positive amounts); for a quarter without an exchange point, the
    overview's participation beside them."""
    table = Table(
        "totals",
        "汇总",
        (
            "village_id",
            "village",
            "month",
            "awarded",
            "deducted",
            "redeemed",
            "taking_part",
            "earning",
            "participation_percent",
        ),
    )
    flows: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    at = {name: index for index, name in enumerate(entries.columns)}
    for row in entries.rows:
        flow = row[at["flow"]]
        if flow:
            points = int(row[at["points"]])
            flows[(row[at["village_id"]], row[at["flow_month"]])][flow] += (
                points if flow == "awarded" else -points
            )
    participation: dict[str, tuple[int | None, int | None, int | None]] = {}
    period = selection.period
    if period.quarter is not None and not selection.exchange_point_id:
        overview = office_overview(session, period.quarter, now, {v.id for v in villages})
        participation = {
            v.village_id: (v.taking_part, v.earning, v.participation_percent)
            for v in overview.villages
        }
    for village in villages:
        taking_part, earning, percent = participation.get(village.id, (None, None, None))
        for month in period.months:
            sums = flows.get((village.id, month), {})
            table.rows.append(
                [
                    village.id,
                    village.name,
                    month,
                    sums.get("awarded", 0),
                    sums.get("deducted", 0),
                    sums.get("redeemed", 0),
                    taking_part,
                    earning,
                    percent,  # None (an empty cell) where no one takes part
                ]
            )
    return table


def build_export(
    session: Session, selection: Selection, now: datetime, *, scope: str | None = None
) -> Export:
    """The export of `selection`, limited to the village `scope` (a village administrator's)."""
    if scope is not None and selection.village_id not in (None, scope):
        raise BadInput("export.village_scope")
    villages = _villages(session, selection, scope)
    if selection.village_id and not villages:
        raise NotFound("village.unknown", village=selection.village_id)
    ids = [v.id for v in villages]
    if selection.exchange_point_id:
        point = session.get(ExchangePoint, selection.exchange_point_id)
        if point is None or point.village_id not in ids:
            raise NotFound("export.point_unknown", point=selection.exchange_point_id)
    orders, lines, order_ids = _orders(session, selection, ids)
    entries = _entries(session, selection, ids, order_ids if selection.exchange_point_id else None)
    tables = {
        "totals": _totals(session, selection, villages, entries, now),
        "entries": entries,
        "orders": orders,
        "lines": lines,
        "declarations": _declarations(session, selection, ids),
        "disputes": _disputes(session, selection, ids),
    }
    return Export(selection, villages, tables)


def export_for(
    engine: Engine, selection: Selection, now: datetime, *, operator_id: str | None = None
) -> Export:
    """What `operator_id` may export (a street administrator every village, a village
    administrator its own; shopkeepers refused), or everything for the office's own shell."""
    with read_session(engine) as session:
        scope = None
        if operator_id is not None:
            operator = operator_by_id(session, operator_id)
            require_role(operator, Role.STREET_ADMIN, Role.VILLAGE_ADMIN)
            if selection.village_id is not None:
                require_village(operator, selection.village_id)
            scope = operator.village_id if operator.role == Role.VILLAGE_ADMIN else None
        return build_export(session, selection, now, scope=scope)


def to_xlsx(export: Export) -> bytes:
    """Every table on a sheet of its own, the totals first; numbers stay numbers."""
    book = Workbook()
    first = True
    for name in TABLES:
        table = export.tables[name]
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = table.title
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(10, len(column) + 2)
    # A fixed creation date: the workbook says nothing of when or where it was made.
    book.properties.created = book.properties.modified = datetime(2000, 1, 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(export: Export, table: str) -> bytes:
    """One table as CSV in UTF-8 with a BOM, which Excel needs to read Chinese."""
    if table not in export.tables:
        raise BadInput("export.table_unknown", table=table[:20], tables=", ".join(TABLES))
    chosen = export.tables[table]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(chosen.columns)
    writer.writerows(chosen.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
