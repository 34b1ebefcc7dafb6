"""rollups: the office overview's figures kept by triggers as the records arrive

Revision ID: 0015
Revises: 0014

The overview of a district (100,000 households, millions of entries) cannot be summed from
the records on every page view within a clerk's patience, so the figures it reads are kept
in small tables that triggers on the record tables update in the writing transaction, on
SQLite and PostgreSQL alike. No writer knows of them: the kiosk's services, the central's
ingest (its COPY fires row triggers too), the pull, the CLI and the register all keep them
right by writing what they already write. Every statement is a per-key upsert
(`INSERT ... ON CONFLICT DO UPDATE`), so concurrent pushes on PostgreSQL wait on the row
they both touch instead of losing an update. Existing rows are counted in (backfill).

Months and quarters are Asia/Shanghai: the stored UTC time plus eight hours on SQLite (China
has kept +8 without summer time since 1991), `AT TIME ZONE 'Asia/Shanghai'` on PostgreSQL.
Quarter keys are `Quarter.key` ("2026Q4"), months "2026-10".

`kiosk.core.rollups` states each table's meaning and recomputes it from the records for
`kiosk check`; this migration keeps its own copy of the SQL, as released migrations never
change.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLOW_KINDS = "('award', 'bonus', 'deduction', 'redemption')"
TRIGGERS = (
    "rollup_entry",
    "rollup_reversal",
    "rollup_household_quarter_in",
    "rollup_household_quarter_up",
    "rollup_household_in",
    "rollup_household_up",
    "rollup_line_in",
    "rollup_handover_in",
    "rollup_cancellation_in",
    "rollup_stock_in",
    "rollup_declaration_in",
    "rollup_decision_in",
    "rollup_dispute_in",
    "rollup_resolution_in",
)


class _Dialect:
    def __init__(self, name: str) -> None:
        self.pg = name == "postgresql"

    def month(self, at: str) -> str:
        if self.pg:
            return f"to_char({at} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"
        return f"strftime('%Y-%m', {at}, '+8 hours')"

    def quarter(self, at: str) -> str:
        if self.pg:
            return f"to_char({at} AT TIME ZONE 'Asia/Shanghai', 'YYYY\"Q\"Q')"
        return (
            f"(strftime('%Y', {at}, '+8 hours') || 'Q' || "
            f"((CAST(strftime('%m', {at}, '+8 hours') AS INTEGER) + 2) / 3))"
        )

    @staticmethod
    def takes_part(h: str) -> str:
        """`Household.takes_part` as 1 or 0."""
        return (
            f"(CASE WHEN NOT {h}.opted_out AND {h}.left_at IS NULL "
            f"AND (NOT {h}.long_term_absent OR {h}.opted_in) THEN 1 ELSE 0 END)"
        )


def _flows(points: str, kind: str) -> str:
    """awarded, deducted, redeemed of `points` of an entry of `kind` (positive amounts)."""
    return (
        f"CASE WHEN {kind} IN ('award', 'bonus') THEN {points} ELSE 0 END AS awarded, "
        f"CASE WHEN {kind} = 'deduction' THEN -{points} ELSE 0 END AS deducted, "
        f"CASE WHEN {kind} = 'redemption' THEN -{points} ELSE 0 END AS redeemed"
    )


UPSERT_FLOWS = (
    "ON CONFLICT (village_id, month) DO UPDATE SET "
    "awarded = rollup_village_month.awarded + excluded.awarded, "
    "deducted = rollup_village_month.deducted + excluded.deducted, "
    "redeemed = rollup_village_month.redeemed + excluded.redeemed"
)
UPSERT_EARNING = (
    "ON CONFLICT (village_id, quarter) DO UPDATE SET "
    "earning = rollup_village_quarter.earning + excluded.earning"
)
UPSERT_TAKING_PART = (
    "ON CONFLICT (village_id) DO UPDATE SET "
    "taking_part = rollup_village.taking_part + excluded.taking_part"
)


def _triggers(d: _Dialect) -> list[tuple[str, str, str, str, list[str]]]:
    """(name, event, table, condition, statements): AFTER ... FOR EACH ROW WHEN condition.

    AFTER, not BEFORE: a row an `ON CONFLICT DO NOTHING` skips (a repeated pull) fires no
    AFTER INSERT trigger, so it is never counted twice. On PostgreSQL the AFTER triggers of
    one COPY run when it ends and see all its rows; each statement below looks rows up, so
    an entry and its reversal in one push are still counted once each.
    """
    tp_new, tp_old = d.takes_part("NEW"), d.takes_part("OLD")
    household_flows = (
        # One household's flows by month: its own entries, and its reversals in the month
        # and flow of what they reverse.
        f"SELECT {d.month('e.created_at')} AS month, "
        f"sum(CASE WHEN e.kind IN ('award', 'bonus') THEN e.points ELSE 0 END) AS awarded, "
        f"sum(CASE WHEN e.kind = 'deduction' THEN -e.points ELSE 0 END) AS deducted, "
        f"sum(CASE WHEN e.kind = 'redemption' THEN -e.points ELSE 0 END) AS redeemed "
        f"FROM ledgerentry e WHERE e.household_id = NEW.id AND e.kind IN {FLOW_KINDS} "
        f"GROUP BY {d.month('e.created_at')} "
        f"UNION ALL SELECT {d.month('r.created_at')}, "
        f"sum(CASE WHEN r.kind IN ('award', 'bonus') THEN c.points ELSE 0 END), "
        f"sum(CASE WHEN r.kind = 'deduction' THEN -c.points ELSE 0 END), "
        f"sum(CASE WHEN r.kind = 'redemption' THEN -c.points ELSE 0 END) "
        f"FROM ledgerentry c JOIN ledgerentry r ON r.id = c.reverses_id "
        f"WHERE c.household_id = NEW.id AND c.kind IN ('correction', 'refund') "
        f"AND r.kind IN {FLOW_KINDS} GROUP BY {d.month('r.created_at')}"
    )
    return [
        (
            "rollup_entry",
            "INSERT",
            "ledgerentry",
            f"NEW.kind IN {FLOW_KINDS}",
            [
                "INSERT INTO rollup_village_month (village_id, month, awarded, deducted, redeemed) "
                f"SELECT h.village_id, {d.month('NEW.created_at')}, "
                f"{_flows('NEW.points', 'NEW.kind')} "
                f"FROM household h WHERE h.id = NEW.household_id {UPSERT_FLOWS}",
                "INSERT INTO rollup_household_quarter (household_id, quarter, awards) "
                f"SELECT NEW.household_id, {d.quarter('NEW.created_at')}, 1 "
                "WHERE NEW.kind = 'award' AND NEW.points > 0 "
                "ON CONFLICT (household_id, quarter) DO UPDATE SET "
                "awards = rollup_household_quarter.awards + 1",
            ],
        ),
        (
            "rollup_reversal",
            "INSERT",
            "ledgerentry",
            "NEW.kind IN ('correction', 'refund') AND NEW.reverses_id IS NOT NULL",
            [
                "INSERT INTO rollup_village_month (village_id, month, awarded, deducted, redeemed) "
                f"SELECT h.village_id, {d.month('r.created_at')}, {_flows('NEW.points', 'r.kind')} "
                "FROM ledgerentry r JOIN household h ON h.id = NEW.household_id "
                f"WHERE r.id = NEW.reverses_id AND r.kind IN {FLOW_KINDS} {UPSERT_FLOWS}",
                "INSERT INTO rollup_household_quarter (household_id, quarter, awards) "
                f"SELECT r.household_id, {d.quarter('r.created_at')}, -1 FROM ledgerentry r "
                "WHERE r.id = NEW.reverses_id AND NEW.kind = 'correction' "
                "AND r.kind = 'award' AND r.points > 0 "
                "ON CONFLICT (household_id, quarter) DO UPDATE SET "
                "awards = rollup_household_quarter.awards - 1",
            ],
        ),
        # A household-quarter that starts or stops counting as earned moves its village's
        # count, when the household takes part.
        (
            "rollup_household_quarter_in",
            "INSERT",
            "rollup_household_quarter",
            "NEW.awards > 0",
            [
                "INSERT INTO rollup_village_quarter (village_id, quarter, earning) "
                f"SELECT h.village_id, NEW.quarter, 1 FROM household h "
                f"WHERE h.id = NEW.household_id AND {d.takes_part('h')} = 1 {UPSERT_EARNING}",
            ],
        ),
        (
            "rollup_household_quarter_up",
            "UPDATE",
            "rollup_household_quarter",
            "(OLD.awards > 0) <> (NEW.awards > 0)",
            [
                "INSERT INTO rollup_village_quarter (village_id, quarter, earning) "
                "SELECT h.village_id, NEW.quarter, "
                "CASE WHEN NEW.awards > 0 THEN 1 ELSE -1 END FROM household h "
                f"WHERE h.id = NEW.household_id AND {d.takes_part('h')} = 1 {UPSERT_EARNING}",
            ],
        ),
        (
            "rollup_household_in",
            "INSERT",
            "household",
            "true",
            [
                "INSERT INTO rollup_village (village_id, taking_part) "
                f"SELECT NEW.village_id, {tp_new} WHERE true {UPSERT_TAKING_PART}",
            ],
        ),
        (
            "rollup_household_up",
            "UPDATE",
            "household",
            f"NEW.village_id <> OLD.village_id OR {tp_new} <> {tp_old}",
            [
                "INSERT INTO rollup_village (village_id, taking_part) "
                f"SELECT OLD.village_id, -{tp_old} WHERE true {UPSERT_TAKING_PART}",
                "INSERT INTO rollup_village (village_id, taking_part) "
                f"SELECT NEW.village_id, {tp_new} WHERE true {UPSERT_TAKING_PART}",
                "INSERT INTO rollup_village_quarter (village_id, quarter, earning) "
                "SELECT OLD.village_id, q.quarter, -1 FROM rollup_household_quarter q "
                f"WHERE q.household_id = NEW.id AND q.awards > 0 AND {tp_old} = 1 "
                f"{UPSERT_EARNING}",
                "INSERT INTO rollup_village_quarter (village_id, quarter, earning) "
                "SELECT NEW.village_id, q.quarter, 1 FROM rollup_household_quarter q "
                f"WHERE q.household_id = NEW.id AND q.awards > 0 AND {tp_new} = 1 "
                f"{UPSERT_EARNING}",
                # A household that moves village takes its flows along.
                "INSERT INTO rollup_village_month (village_id, month, awarded, deducted, redeemed) "
                "SELECT OLD.village_id, f.month, -sum(f.awarded), -sum(f.deducted), "
                f"-sum(f.redeemed) FROM ({household_flows}) f "
                f"WHERE NEW.village_id <> OLD.village_id GROUP BY f.month {UPSERT_FLOWS}",
                "INSERT INTO rollup_village_month (village_id, month, awarded, deducted, redeemed) "
                "SELECT NEW.village_id, f.month, sum(f.awarded), sum(f.deducted), "
                f"sum(f.redeemed) FROM ({household_flows}) f "
                f"WHERE NEW.village_id <> OLD.village_id GROUP BY f.month {UPSERT_FLOWS}",
            ],
        ),
        (
            "rollup_line_in",
            "INSERT",
            "orderline",
            "true",
            [
                "INSERT INTO rollup_open_line (line_id, exchange_point_id, item_no, qty, due_at) "
                "SELECT NEW.id, o.exchange_point_id, NEW.item_no, NEW.qty, NEW.due_at "
                "FROM redemptionorder o WHERE o.id = NEW.order_id "
                "AND NOT EXISTS (SELECT 1 FROM handover x WHERE x.line_id = NEW.id) "
                "AND NOT EXISTS (SELECT 1 FROM cancellation x WHERE x.line_id = NEW.id)",
            ],
        ),
        (
            "rollup_handover_in",
            "INSERT",
            "handover",
            "true",
            [
                "DELETE FROM rollup_open_line WHERE line_id = NEW.line_id",
                "INSERT INTO rollup_point_quarter (exchange_point_id, quarter, on_time, late) "
                f"SELECT o.exchange_point_id, {d.quarter('l.due_at')}, "
                "CASE WHEN NEW.handed_at <= l.due_at THEN 1 ELSE 0 END, "
                "CASE WHEN NEW.handed_at <= l.due_at THEN 0 ELSE 1 END "
                "FROM orderline l JOIN redemptionorder o ON o.id = l.order_id "
                "WHERE l.id = NEW.line_id "
                "AND NOT EXISTS (SELECT 1 FROM cancellation x WHERE x.line_id = NEW.line_id) "
                "ON CONFLICT (exchange_point_id, quarter) DO UPDATE SET "
                "on_time = rollup_point_quarter.on_time + excluded.on_time, "
                "late = rollup_point_quarter.late + excluded.late",
            ],
        ),
        (
            "rollup_cancellation_in",
            "INSERT",
            "cancellation",
            "true",
            [
                "DELETE FROM rollup_open_line WHERE line_id = NEW.line_id",
                # A cancelled line leaves the on-time rate, even one handed over elsewhere
                # (a conflict the office settles).
                "INSERT INTO rollup_point_quarter (exchange_point_id, quarter, on_time, late) "
                f"SELECT o.exchange_point_id, {d.quarter('l.due_at')}, "
                "CASE WHEN x.handed_at <= l.due_at THEN -1 ELSE 0 END, "
                "CASE WHEN x.handed_at <= l.due_at THEN 0 ELSE -1 END "
                "FROM handover x JOIN orderline l ON l.id = x.line_id "
                "JOIN redemptionorder o ON o.id = l.order_id WHERE x.line_id = NEW.line_id "
                "AND NOT EXISTS (SELECT 1 FROM cancellation y "
                "WHERE y.line_id = NEW.line_id AND y.id <> NEW.id) "
                "ON CONFLICT (exchange_point_id, quarter) DO UPDATE SET "
                "on_time = rollup_point_quarter.on_time + excluded.on_time, "
                "late = rollup_point_quarter.late + excluded.late",
            ],
        ),
        (
            "rollup_stock_in",
            "INSERT",
            "stockmovement",
            "true",
            [
                "INSERT INTO rollup_stock (exchange_point_id, item_no, on_hand) "
                "SELECT NEW.exchange_point_id, NEW.item_no, NEW.delta WHERE true "
                "ON CONFLICT (exchange_point_id, item_no) DO UPDATE SET "
                "on_hand = rollup_stock.on_hand + excluded.on_hand",
            ],
        ),
        (
            "rollup_declaration_in",
            "INSERT",
            "declaration",
            "true",
            [
                "INSERT INTO rollup_open_declaration (declaration_id, household_id, created_at) "
                "SELECT NEW.id, NEW.household_id, NEW.created_at WHERE NOT EXISTS "
                "(SELECT 1 FROM declarationdecision x WHERE x.declaration_id = NEW.id)",
            ],
        ),
        (
            "rollup_decision_in",
            "INSERT",
            "declarationdecision",
            "true",
            ["DELETE FROM rollup_open_declaration WHERE declaration_id = NEW.declaration_id"],
        ),
        (
            "rollup_dispute_in",
            "INSERT",
            "dispute",
            "true",
            [
                "INSERT INTO rollup_open_dispute (dispute_id, household_id, created_at) "
                "SELECT NEW.id, NEW.household_id, NEW.created_at WHERE NOT EXISTS "
                "(SELECT 1 FROM disputeresolution x WHERE x.dispute_id = NEW.id)",
            ],
        ),
        (
            "rollup_resolution_in",
            "INSERT",
            "disputeresolution",
            "true",
            ["DELETE FROM rollup_open_dispute WHERE dispute_id = NEW.dispute_id"],
        ),
    ]


def _entries_statement(d: _Dialect) -> list[str]:
    """PostgreSQL: the two entry triggers' work once per statement over its new rows (a
    transition table), grouped by key. The central's ingest COPYs a thousand entries of one
    village at a time; a row trigger would update the same month's row a thousand times in
    one transaction, each update a new version of it to step over, where this updates it
    once."""
    return [
        "INSERT INTO rollup_village_month (village_id, month, awarded, deducted, redeemed) "
        "SELECT f.village_id, f.month, sum(f.awarded), sum(f.deducted), sum(f.redeemed) FROM ("
        f"SELECT h.village_id AS village_id, {d.month('e.created_at')} AS month, "
        f"{_flows('e.points', 'e.kind')} "
        "FROM new_entries e JOIN household h ON h.id = e.household_id "
        f"WHERE e.kind IN {FLOW_KINDS} "
        f"UNION ALL SELECT h.village_id, {d.month('r.created_at')}, {_flows('c.points', 'r.kind')} "
        "FROM new_entries c JOIN ledgerentry r ON r.id = c.reverses_id "
        "JOIN household h ON h.id = c.household_id "
        f"WHERE c.kind IN ('correction', 'refund') AND r.kind IN {FLOW_KINDS}"
        f") f GROUP BY f.village_id, f.month {UPSERT_FLOWS}",
        "INSERT INTO rollup_household_quarter (household_id, quarter, awards) "
        "SELECT a.household_id, a.quarter, sum(a.n) FROM ("
        f"SELECT e.household_id AS household_id, {d.quarter('e.created_at')} AS quarter, 1 AS n "
        "FROM new_entries e WHERE e.kind = 'award' AND e.points > 0 "
        f"UNION ALL SELECT r.household_id, {d.quarter('r.created_at')}, -1 "
        "FROM new_entries c JOIN ledgerentry r ON r.id = c.reverses_id "
        "WHERE c.kind = 'correction' AND r.kind = 'award' AND r.points > 0"
        ") a GROUP BY a.household_id, a.quarter "
        "ON CONFLICT (household_id, quarter) DO UPDATE SET "
        "awards = rollup_household_quarter.awards + excluded.awards",
    ]


def _backfill(d: _Dialect) -> list[str]:
    """The rollups of the rows already recorded, as the triggers would have kept them."""
    month_of = d.month("e.created_at")
    return [
        "INSERT INTO rollup_village_month (village_id, month, awarded, deducted, redeemed) "
        "SELECT f.village_id, f.month, sum(f.awarded), sum(f.deducted), sum(f.redeemed) FROM ("
        f"SELECT h.village_id AS village_id, {month_of} AS month, "
        f"{_flows('e.points', 'e.kind')} "
        f"FROM ledgerentry e JOIN household h ON h.id = e.household_id "
        f"WHERE e.kind IN {FLOW_KINDS} "
        f"UNION ALL SELECT h.village_id, {d.month('r.created_at')}, {_flows('c.points', 'r.kind')} "
        "FROM ledgerentry c JOIN ledgerentry r ON r.id = c.reverses_id "
        "JOIN household h ON h.id = c.household_id "
        f"WHERE c.kind IN ('correction', 'refund') AND r.kind IN {FLOW_KINDS}"
        ") f GROUP BY f.village_id, f.month",
        # Each positive award counts one, each correction of one takes one back.
        "INSERT INTO rollup_household_quarter (household_id, quarter, awards) "
        "SELECT a.household_id, a.quarter, sum(a.n) FROM ("
        f"SELECT e.household_id AS household_id, {d.quarter('e.created_at')} AS quarter, 1 AS n "
        "FROM ledgerentry e WHERE e.kind = 'award' AND e.points > 0 "
        f"UNION ALL SELECT r.household_id, {d.quarter('r.created_at')}, -1 "
        "FROM ledgerentry c JOIN ledgerentry r ON r.id = c.reverses_id "
        "WHERE c.kind = 'correction' AND r.kind = 'award' AND r.points > 0"
        ") a GROUP BY a.household_id, a.quarter",
        "INSERT INTO rollup_village_quarter (village_id, quarter, earning) "
        "SELECT h.village_id, q.quarter, count(*) FROM rollup_household_quarter q "
        f"JOIN household h ON h.id = q.household_id WHERE q.awards > 0 "
        f"AND {d.takes_part('h')} = 1 GROUP BY h.village_id, q.quarter",
        "INSERT INTO rollup_village (village_id, taking_part) "
        f"SELECT h.village_id, sum({d.takes_part('h')}) FROM household h GROUP BY h.village_id",
        "INSERT INTO rollup_open_line (line_id, exchange_point_id, item_no, qty, due_at) "
        "SELECT l.id, o.exchange_point_id, l.item_no, l.qty, l.due_at "
        "FROM orderline l JOIN redemptionorder o ON o.id = l.order_id "
        "WHERE NOT EXISTS (SELECT 1 FROM handover x WHERE x.line_id = l.id) "
        "AND NOT EXISTS (SELECT 1 FROM cancellation x WHERE x.line_id = l.id)",
        "INSERT INTO rollup_point_quarter (exchange_point_id, quarter, on_time, late) "
        f"SELECT o.exchange_point_id, {d.quarter('l.due_at')}, "
        "sum(CASE WHEN x.handed_at <= l.due_at THEN 1 ELSE 0 END), "
        "sum(CASE WHEN x.handed_at <= l.due_at THEN 0 ELSE 1 END) "
        "FROM handover x JOIN orderline l ON l.id = x.line_id "
        "JOIN redemptionorder o ON o.id = l.order_id "
        "WHERE NOT EXISTS (SELECT 1 FROM cancellation y WHERE y.line_id = l.id) "
        f"GROUP BY o.exchange_point_id, {d.quarter('l.due_at')}",
        "INSERT INTO rollup_stock (exchange_point_id, item_no, on_hand) "
        "SELECT exchange_point_id, item_no, sum(delta) FROM stockmovement "
        "GROUP BY exchange_point_id, item_no",
        "INSERT INTO rollup_open_declaration (declaration_id, household_id, created_at) "
        "SELECT d.id, d.household_id, d.created_at FROM declaration d WHERE NOT EXISTS "
        "(SELECT 1 FROM declarationdecision x WHERE x.declaration_id = d.id)",
        "INSERT INTO rollup_open_dispute (dispute_id, household_id, created_at) "
        "SELECT d.id, d.household_id, d.created_at FROM dispute d WHERE NOT EXISTS "
        "(SELECT 1 FROM disputeresolution x WHERE x.dispute_id = d.id)",
    ]


def _create_tables() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = sqlmodel.sql.sqltypes.UTCDateTime
    counts = ("awarded", "deducted", "redeemed")
    op.create_table(
        "rollup_village_month",
        sa.Column("village_id", text(), nullable=False),
        sa.Column("month", text(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in counts),
        sa.PrimaryKeyConstraint("village_id", "month"),
    )
    op.create_table(
        "rollup_household_quarter",
        sa.Column("household_id", text(), nullable=False),
        sa.Column("quarter", text(), nullable=False),
        sa.Column("awards", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("household_id", "quarter"),
    )
    op.create_table(
        "rollup_village_quarter",
        sa.Column("village_id", text(), nullable=False),
        sa.Column("quarter", text(), nullable=False),
        sa.Column("earning", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("village_id", "quarter"),
    )
    op.create_table(
        "rollup_village",
        sa.Column("village_id", text(), nullable=False),
        sa.Column("taking_part", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("village_id"),
    )
    op.create_table(
        "rollup_open_line",
        sa.Column("line_id", text(), nullable=False),
        sa.Column("exchange_point_id", text(), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("due_at", when(), nullable=False),
        sa.PrimaryKeyConstraint("line_id"),
    )
    op.create_index(
        "ix_rollup_open_line_exchange_point_id", "rollup_open_line", ["exchange_point_id"]
    )
    op.create_table(
        "rollup_point_quarter",
        sa.Column("exchange_point_id", text(), nullable=False),
        sa.Column("quarter", text(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("exchange_point_id", "quarter"),
    )
    op.create_table(
        "rollup_stock",
        sa.Column("exchange_point_id", text(), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("exchange_point_id", "item_no"),
    )
    for table, key in (
        ("rollup_open_declaration", "declaration_id"),
        ("rollup_open_dispute", "dispute_id"),
    ):
        op.create_table(
            table,
            sa.Column(key, text(), nullable=False),
            sa.Column("household_id", text(), nullable=False),
            sa.Column("created_at", when(), nullable=False),
            sa.PrimaryKeyConstraint(key),
        )


def upgrade() -> None:
    d = _Dialect(op.get_bind().dialect.name)
    _create_tables()
    for statement in _backfill(d):
        op.execute(statement)
    for name, event, table, condition, statements in _triggers(d):
        if d.pg and table == "ledgerentry":
            continue  # one statement-level trigger instead, below
        if d.pg:
            body = "".join(f"{s};\n" for s in statements)
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{body}RETURN NULL;\nEND\n$$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                f"WHEN ({condition}) EXECUTE FUNCTION {name}()"
            )
        else:
            body = "".join(f"{s};\n" for s in statements)
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW "
                f"WHEN {condition} BEGIN\n{body}END"
            )

    if d.pg:
        body = "".join(f"{s};\n" for s in _entries_statement(d))
        op.execute(
            "CREATE FUNCTION rollup_entries() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}RETURN NULL;\nEND\n$$"
        )
        op.execute(
            "CREATE TRIGGER rollup_entries AFTER INSERT ON ledgerentry "
            "REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT "
            "EXECUTE FUNCTION rollup_entries()"
        )


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute("DROP TRIGGER IF EXISTS rollup_entries ON ledgerentry")
        op.execute("DROP FUNCTION IF EXISTS rollup_entries()")
    for name, table in zip(TRIGGERS, [t[2] for t in _triggers(_Dialect("sqlite"))], strict=True):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else ""))
        if pg:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    for table in (
        "rollup_open_dispute",
        "rollup_open_declaration",
        "rollup_stock",
        "rollup_point_quarter",
        "rollup_open_line",
        "rollup_village",
        "rollup_village_quarter",
        "rollup_household_quarter",
        "rollup_village_month",
    ):
        op.drop_table(table)
