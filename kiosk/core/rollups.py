"""The overview's trigger-kept figures recomputed from the records, for `kiosk check`.

The triggers of migration 0015 keep `kiosk.core.rollup_models` as each record is written;
this module says what each table must hold by counting the records themselves, in SQL on
the database at hand, and lists every row where the two differ. A row whose counts are all
zero and a missing row mean the same.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

FLOW_KINDS = "('award', 'bonus', 'deduction', 'redemption')"


def month_sql(at: str, dialect: str) -> str:
    """The Chongqing month "2026-10" of the UTC time `at`, in SQL."""
    if dialect == "postgresql":
        return f"to_char({at} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
    # China has kept +8 without summer time since 1991; SQLite stores UTC text.
    return f"strftime('%Y-%m', {at}, '+8 hours')"


def quarter_sql(at: str, dialect: str) -> str:
    """The Chongqing quarter's `Quarter.key` ("2026Q4") of the UTC time `at`, in SQL."""
    if dialect == "postgresql":
        return f"to_char({at} AT TIME ZONE 'Asia/Shanghai', 'YYYY\"Q\"Q')"
    return (
        f"(strftime('%Y', {at}, '+8 hours') || 'Q' || "
        f"((CAST(strftime('%m', {at}, '+8 hours') AS INTEGER) + 2) / 3))"
    )


def _takes_part(h: str) -> str:
    return (
        f"(CASE WHEN NOT {h}.opted_out AND {h}.left_at IS NULL "
        f"AND (NOT {h}.long_term_absent OR {h}.opted_in) THEN 1 ELSE 0 END)"
    )


def _flows(points: str, kind: str) -> str:
    return (
        f"CASE WHEN {kind} IN ('award', 'bonus') THEN {points} ELSE 0 END AS awarded, "
        f"CASE WHEN {kind} = 'deduction' THEN -{points} ELSE 0 END AS deducted, "
        f"CASE WHEN {kind} = 'redemption' THEN -{points} ELSE 0 END AS redeemed"
    )


def _recomputed(dialect: str) -> dict[str, tuple[int, str]]:
    """Per rollup table: how many of its leading columns are the key, and the query that
    gives its rows from the records (key columns first, as the table orders them)."""

    def month(at: str) -> str:
        return month_sql(at, dialect)

    def quarter(at: str) -> str:
        return quarter_sql(at, dialect)

    awards = (
        f"SELECT e.household_id AS household_id, {quarter('e.created_at')} AS quarter, 1 AS n "
        "FROM ledgerentry e WHERE e.kind = 'award' AND e.points > 0 "
        f"UNION ALL SELECT r.household_id, {quarter('r.created_at')}, -1 "
        "FROM ledgerentry c JOIN ledgerentry r ON r.id = c.reverses_id "
        "WHERE c.kind = 'correction' AND r.kind = 'award' AND r.points > 0"
    )
    return {
        "rollup_village_month": (
            2,
            "SELECT f.village_id, f.month, sum(f.awarded), sum(f.deducted), sum(f.redeemed) "
            f"FROM (SELECT h.village_id AS village_id, {month('e.created_at')} AS month, "
            f"{_flows('e.points', 'e.kind')} "
            "FROM ledgerentry e JOIN household h ON h.id = e.household_id "
            f"WHERE e.kind IN {FLOW_KINDS} "
            f"UNION ALL SELECT h.village_id, {month('r.created_at')}, "
            f"{_flows('c.points', 'r.kind')} "
            "FROM ledgerentry c JOIN ledgerentry r ON r.id = c.reverses_id "
            "JOIN household h ON h.id = c.household_id "
            f"WHERE c.kind IN ('correction', 'refund') AND r.kind IN {FLOW_KINDS}) f "
            "GROUP BY f.village_id, f.month",
        ),
        "rollup_household_quarter": (
            2,
            f"SELECT a.household_id, a.quarter, sum(a.n) FROM ({awards}) a "
            "GROUP BY a.household_id, a.quarter",
        ),
        "rollup_village_quarter": (
            2,
            f"SELECT h.village_id, a.quarter, count(*) FROM (SELECT household_id, quarter "
            f"FROM ({awards}) x GROUP BY household_id, quarter HAVING sum(n) > 0) a "
            f"JOIN household h ON h.id = a.household_id WHERE {_takes_part('h')} = 1 "
            "GROUP BY h.village_id, a.quarter",
        ),
        "rollup_village": (
            1,
            f"SELECT h.village_id, sum({_takes_part('h')}) FROM household h GROUP BY h.village_id",
        ),
        "rollup_open_line": (
            1,
            "SELECT l.id, o.exchange_point_id, l.item_no, l.qty, l.due_at "
            "FROM orderline l JOIN redemptionorder o ON o.id = l.order_id "
            "WHERE NOT EXISTS (SELECT 1 FROM handover x WHERE x.line_id = l.id) "
            "AND NOT EXISTS (SELECT 1 FROM cancellation x WHERE x.line_id = l.id)",
        ),
        "rollup_point_quarter": (
            2,
            f"SELECT o.exchange_point_id, {quarter('l.due_at')}, "
            "sum(CASE WHEN x.handed_at <= l.due_at THEN 1 ELSE 0 END), "
            "sum(CASE WHEN x.handed_at <= l.due_at THEN 0 ELSE 1 END) "
            "FROM handover x JOIN orderline l ON l.id = x.line_id "
            "JOIN redemptionorder o ON o.id = l.order_id "
            "WHERE NOT EXISTS (SELECT 1 FROM cancellation y WHERE y.line_id = l.id) "
            f"GROUP BY o.exchange_point_id, {quarter('l.due_at')}",
        ),
        "rollup_stock": (
            2,
            "SELECT exchange_point_id, item_no, sum(delta) FROM stockmovement "
            "GROUP BY exchange_point_id, item_no",
        ),
        "rollup_open_declaration": (
            1,
            "SELECT d.id, d.household_id, d.created_at FROM declaration d WHERE NOT EXISTS "
            "(SELECT 1 FROM declarationdecision x WHERE x.declaration_id = d.id)",
        ),
        "rollup_open_dispute": (
            1,
            "SELECT d.id, d.household_id, d.created_at FROM dispute d WHERE NOT EXISTS "
            "(SELECT 1 FROM disputeresolution x WHERE x.dispute_id = d.id)",
        ),
    }


def _rows(session: Session, sql: str, keys: int) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in session.execute(text(sql)).all():
        key, values = tuple(row[:keys]), tuple(row[keys:])
        # All counts zero is no row: a trigger leaves a key at zero, a recount has none.
        if all(isinstance(v, int) and v == 0 for v in values):
            continue
        rows[key] = tuple(int(v) if isinstance(v, int) else str(v) for v in values)
    return rows


def _columns(session: Session, table: str) -> list[str]:
    return list(session.execute(text(f"SELECT * FROM {table} WHERE false")).keys())


def rollup_differences(session: Session) -> list[str]:
    """Every rollup row that differs from the records' recount, as `kiosk check` words it."""
    dialect = session.get_bind().dialect.name
    problems = []
    for table, (keys, recount) in _recomputed(dialect).items():
        columns = ", ".join(_columns(session, table))
        kept = _rows(session, f"SELECT {columns} FROM {table}", keys)
        counted = _rows(session, recount, keys)
        for key in sorted(set(kept) | set(counted), key=str):
            if kept.get(key) != counted.get(key):
                problems.append(
                    f"overview figures {table} {'/'.join(map(str, key))}: kept "
                    f"{kept.get(key, 'nothing')}, the records give {counted.get(key, 'nothing')}"
                )
    return problems


def rebuild_rollups(session: Session) -> None:
    """Throw the kept figures away and count them again from the records, in the caller's
    transaction: for a database loaded with its triggers off (the benchmark's bulk copy)."""
    dialect = session.get_bind().dialect.name
    for table, (_keys, recount) in _recomputed(dialect).items():
        session.execute(text(f"DELETE FROM {table}"))
        names = ", ".join(_columns(session, table))
        session.execute(text(f"INSERT INTO {table} ({names}) {recount}"))
