"""Taking in a kiosk's pushed chunk: its shape, its repeats, its scope, the admission of every
new row (`sync.admission`), the insert, and the books of what it touched checked before the
commit; a refused chunk leaves nothing but its alert."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, literal_column, select, union
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from kiosk.core.admission import Touched, check_touched
from kiosk.core.central_models import SyncKiosk
from kiosk.core.clock import as_utc
from kiosk.core.db import is_sqlite, write_session
from kiosk.core.errors import BadInput, DomainError, Refused
from kiosk.core.models import ExchangePoint, Household
from sync.admission import Conflict, Finding, Inadmissible, admit
from sync.alerts import check_overdrafts, raise_kiosk_alert
from sync.plausible import check_rows
from sync.protocol import (
    APPLY_ORDER,
    BY_NAME,
    MAX_CHUNK,
    ORDER_LINES,
    ORDERS,
    RECORD_TABLES,
    Row,
    SyncedTable,
    decode_tables,
    encode_row,
    field,
)
from sync.stamps import high_water, lock_counter


@dataclass(frozen=True)
class Chunk:
    first_seq: int
    last_seq: int
    rows: dict[str, list[Row]]


def parse_chunk(payload: dict[str, Any], kiosk_id: str) -> Chunk:
    """A pushed chunk checked for shape: the seqs it covers, exactly once each, all the
    kiosk's own, every order line with its order."""
    first = field(payload, "first_seq", int)
    last = field(payload, "last_seq", int)
    if first < 1 or last < first or last - first + 1 > MAX_CHUNK:
        raise BadInput("sync.bad_request", field="first_seq/last_seq")
    rows = decode_tables(payload.get("rows"), (*RECORD_TABLES, ORDER_LINES))
    seqs: list[int] = []
    for name, table_rows in rows.items():
        if name == ORDER_LINES.name:
            continue
        for row in table_rows:
            if row["origin"] != kiosk_id:
                raise Refused("sync.foreign_origin", origin=row["origin"], kiosk=kiosk_id)
            seqs.append(row["origin_seq"])
    # Every seq a kiosk hands out belongs to a row of a synced table (sync.protocol), so a
    # seq missing from the chunk was lost on the way.
    if len(seqs) != last - first + 1 or set(seqs) != set(range(first, last + 1)):
        raise Refused("sync.gap", acked=first - 1, first=first)
    order_ids = {row["id"] for row in rows.get(ORDERS.name, [])}
    for line in rows.get(ORDER_LINES.name, []):
        if line["order_id"] not in order_ids:
            raise BadInput("sync.bad_row", table=ORDER_LINES.name, column="order_id")
    return Chunk(first, last, rows)


@dataclass(frozen=True)
class PushOutcome:
    acked_seq: int
    inserted: int
    repeated: int
    alerts: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "acked_seq": self.acked_seq,
            "inserted": self.inserted,
            "repeated": self.repeated,
            "alerts": self.alerts,
        }


def receive_push(
    engine: Engine, kiosk_id: str, payload: dict[str, Any], now: datetime
) -> PushOutcome:
    """Ingest one chunk in its own transaction. An implausible chunk is refused before it is
    begun; an inadmissible or conflicting one is rolled back whole, and its alert (once per
    kiosk and reason) recorded in a transaction of its own."""
    chunk = parse_chunk(payload, kiosk_id)
    # Before the transaction: the checks are pure and must not hold the counter lock.
    check_rows(chunk.rows, now)
    try:
        with write_session(engine) as session:
            kiosk = session.get(SyncKiosk, kiosk_id)
            assert kiosk is not None
            return ingest_chunk(session, kiosk, chunk, now)
    except (Conflict, Inadmissible) as refusal:
        kind = "conflict" if isinstance(refusal, Conflict) else "refused"
        reason = str(refusal.params.get("reason", "differs"))
        with write_session(engine) as session:
            raise_kiosk_alert(
                session,
                kind=kind,
                kiosk_id=kiosk_id,
                reason=reason,
                detail=f"{refusal.params.get('table', '')} {refusal.params.get('row', '')} "
                f"{refusal.params.get('detail', '')} {refusal}"[:500],
                now=now,
            )
        raise


def ingest_chunk(session: Session, kiosk: SyncKiosk, chunk: Chunk, now: datetime) -> PushOutcome:
    """Insert the chunk's new rows once, in origin_seq order, and acknowledge it.

    The central holds exactly this kiosk's seqs 1..acked_seq. Rows at or below it must be
    identical repeats (a retry after a lost reply); the rest must continue it without a gap,
    be admissible, and leave the books of what they touch balanced.
    """
    # The kiosk's own row first: a retry racing its original push waits here, and acked_seq
    # is this push's to move until the commit.
    session.refresh(kiosk, with_for_update=not is_sqlite(session.get_bind()))  # type: ignore[arg-type]
    acked = kiosk.acked_seq
    if chunk.first_seq > acked + 1:
        raise Refused("sync.gap", acked=acked, first=chunk.first_seq)
    old: dict[str, list[Row]] = defaultdict(list)
    new: dict[str, list[Row]] = defaultdict(list)
    new_orders = {row["id"] for row in chunk.rows.get(ORDERS.name, []) if row["origin_seq"] > acked}
    for name, rows in chunk.rows.items():
        for row in rows:
            if name == ORDER_LINES.name:
                fresh = row["order_id"] in new_orders
            else:
                fresh = row["origin_seq"] > acked
            (new if fresh else old)[name].append(row)
    repeated = _check_repeats(session, kiosk.id, old)
    # The checks run before the counter lock that serialises every writer of server_seq, so
    # one push's checks do not hold up every other kiosk's push (a district's night is
    # hundreds at once). What they read that another push can change is this village's
    # records: when a push of the village, or a stamp, committed in the meantime, or the
    # checks refused, they run again under the lock, exactly as they would have there.
    seen = high_water(session)
    try:
        findings: list[Finding] | None = _admit_new(session, kiosk, new)
    except DomainError:
        findings = None
    counter = lock_counter(session)  # serialises every writer of server_seq until commit
    if findings is None or (
        counter.value != seen and _village_moved(session, kiosk.village_id, seen, counter.value)
    ):
        findings = _admit_new(session, kiosk, new)
    base = counter.value - acked  # server_seq = base + origin_seq keeps the kiosk's order
    received = as_utc(now)
    inserted = 0
    for table in (ORDERS, ORDER_LINES, *RECORD_TABLES[1:]):
        batch = new.get(table.name)
        if not batch:
            continue
        rows = batch
        if "server_seq" in table.table.columns:
            for row in rows:
                row["server_seq"] = base + row["origin_seq"]
        if table.name == "entries":
            for row in rows:
                row["received_at"] = received
        try:
            _bulk_insert(session, table, rows)
        except IntegrityError as error:
            # A seq or id this kiosk already used for something else, or a reference to a
            # row the central does not have.
            raise Conflict(
                "sync.conflict",
                kiosk=kiosk.id,
                row=rows[0]["id"],
                detail=str(error.orig)[:300],
                reason=f"{table.name}_integrity",
            ) from None
        if table is not ORDER_LINES:
            inserted += len(rows)
    _check_books(session, new)
    if chunk.last_seq > acked:
        counter.value = base + chunk.last_seq
        kiosk.acked_seq = chunk.last_seq
        session.add(counter)
    kiosk.last_seen_at = received
    session.add(kiosk)
    session.flush()
    alerts = check_overdrafts(session, kiosk.id, new.get("entries", []), now)
    _alert_findings(session, kiosk.id, findings, now)
    return PushOutcome(kiosk.acked_seq, inserted, repeated, alerts)


def _admit_new(session: Session, kiosk: SyncKiosk, new: dict[str, list[Row]]) -> list[Finding]:
    """Every check of the push's new rows that reads the database: scope, decisions made
    once, and admission."""
    villages = _check_scope(session, kiosk, new)
    _check_decided_once(session, kiosk, new)
    return admit(
        session, new, origin=kiosk.id, village=kiosk.village_id, household_villages=villages
    )


def _village_moved(session: Session, village_id: str, after: int, upto: int) -> bool:
    """Whether a row stamped with a server_seq in (after, upto] may change what admission
    read for a kiosk of `village_id`: any reference row, and any record that is not the
    push of a kiosk of another village (one read over every synced table)."""
    parts = []
    for table in APPLY_ORDER:
        if table is ORDER_LINES:
            continue  # lines ride with their orders, which carry the seq
        t = table.table
        in_range = (t.c.server_seq > after) & (t.c.server_seq <= upto)
        origin = literal_column("NULL") if table.reference else t.c.origin
        parts.append(select(origin.label("origin")).where(in_range).distinct())
    stamped = union(*parts).subquery()
    other = select(col(SyncKiosk.id)).where(col(SyncKiosk.village_id) != village_id)
    moved = select(stamped.c.origin).where(
        stamped.c.origin.is_(None) | stamped.c.origin.not_in(other.scalar_subquery())
    )
    return session.execute(moved.limit(1)).first() is not None


def _check_books(session: Session, new: dict[str, list[Row]]) -> None:
    """The invariants of `kiosk check` over what the push touched, before the commit: a
    push that passed every row's check but leaves the books broken is refused all the same."""
    touched = Touched(
        entries=new.get("entries", []),
        order_ids=[row["id"] for row in new.get(ORDERS.name, [])]
        + [row["order_id"] for row in new.get("entries", []) if row["order_id"]],
        line_ids=[
            row["line_id"] for name in ("handovers", "cancellations") for row in new.get(name, [])
        ],
        stock_keys=[
            (row["exchange_point_id"], row["item_no"]) for row in new.get("stock_movements", [])
        ],
    )
    problems = check_touched(session, touched)
    if problems:
        raise Inadmissible("-", problems[0][:40], "-", "breaks_books")


def _alert_findings(
    session: Session, kiosk_id: str, findings: Sequence[Finding], now: datetime
) -> None:
    """Rows taken in as possible offline: one alert per kiosk and reason."""
    for finding in findings:
        raise_kiosk_alert(
            session,
            kind="offline",
            kiosk_id=kiosk_id,
            reason=finding.reason,
            detail=finding.detail(),
            household_id=finding.household_id,
            now=now,
        )


def _check_repeats(session: Session, kiosk_id: str, old: dict[str, list[Row]]) -> int:
    """Rows the central already acknowledged: each must be there, unchanged."""
    count = 0
    for name, rows in old.items():
        table = next(t for t in (*RECORD_TABLES, ORDER_LINES) if t.name == name)
        ids = [row["id"] for row in rows]
        stored = {
            r["id"]: encode_row(table, r)
            for r in session.execute(
                select(table.table).where(table.table.c.id.in_(ids))
            ).mappings()
        }
        for row in rows:
            if stored.get(row["id"]) != encode_row(table, row):
                raise Conflict(
                    "sync.conflict",
                    kiosk=kiosk_id,
                    row=row["id"],
                    detail=f"{name} {row['id']} differs from the acknowledged row",
                    reason="differs",
                )
            if name != ORDER_LINES.name:
                count += 1
    return count


def _check_scope(session: Session, kiosk: SyncKiosk, new: dict[str, list[Row]]) -> dict[str, str]:
    """A kiosk writes only for its own village's households and exchange points, and names
    only records of its village. Returns the village of each household the push names
    (all the kiosk's own), which admission needs too: one read serves both."""
    households = {
        row["household_id"]
        for name in ("entries", "orders", "freezes", "declarations", "disputes")
        for row in new.get(name, [])
    }
    households.update(
        row["helper_household_id"]
        for row in new.get("declarations", [])
        if row["helper_household_id"] is not None
    )
    # A row that names another record belongs where that record does: one in this chunk
    # was checked above, an older one is looked up. (A kiosk of the village would otherwise
    # fail to apply the row on its pull, lacking the foreign record.)
    for name, column, parent in (
        ("declaration_decisions", "declaration_id", "declarations"),
        ("disputes", "entry_id", "entries"),
        ("dispute_resolutions", "dispute_id", "disputes"),
        ("dispute_resolutions", "correction_entry_id", "entries"),
    ):
        older = {row[column] for row in new.get(name, []) if row[column] is not None} - {
            row["id"] for row in new.get(parent, [])
        }
        if older:
            t = BY_NAME[parent].table
            households.update(session.scalars(select(t.c.household_id).where(t.c.id.in_(older))))
    found: dict[str, str] = {}
    if households:
        found = {
            household_id: kiosk.village_id
            for household_id in session.scalars(
                select(col(Household.id)).where(
                    col(Household.id).in_(households),
                    col(Household.village_id) == kiosk.village_id,
                )
            )
        }
        if households - found.keys():
            raise Refused(
                "sync.foreign_village", kiosk=kiosk.id, what=sorted(households - found.keys())[0]
            )
    points = {
        row["exchange_point_id"]
        for name in ("orders", "stock_movements")
        for row in new.get(name, [])
    }
    if points:
        known_points = set(
            session.scalars(
                select(col(ExchangePoint.id)).where(
                    col(ExchangePoint.id).in_(points),
                    col(ExchangePoint.village_id) == kiosk.village_id,
                )
            )
        )
        if points - known_points:
            raise Refused(
                "sync.foreign_village", kiosk=kiosk.id, what=sorted(points - known_points)[0]
            )
    return found


def _check_decided_once(session: Session, kiosk: SyncKiosk, new: dict[str, list[Row]]) -> None:
    """A declaration or dispute decided here and on the kiosk between two syncs cannot keep
    both decisions (one each, by a unique key), and either may have paid points: the chunk
    is a conflict for the street office to settle, and the alert says which and by whom."""
    for name, key in (
        ("declaration_decisions", "declaration_id"),
        ("dispute_resolutions", "dispute_id"),
    ):
        pushed = {row[key]: row for row in new.get(name, [])}
        if not pushed:
            continue
        t = BY_NAME[name].table
        stored = session.execute(select(t).where(t.c[key].in_(list(pushed)))).mappings().first()
        if stored is not None:
            row = pushed[stored[key]]
            raise Conflict(
                "sync.conflict",
                kiosk=kiosk.id,
                row=row["id"],
                reason="decided_twice",
                detail=(
                    f"{key} {stored[key]} decided twice: {stored['outcome']} by "
                    f"{stored['decided_by']} at {stored['origin']}, {row['outcome']} by "
                    f"{row['decided_by']} at {kiosk.id}"
                ),
            )


def _pg_type(column: Any) -> str:
    from sqlalchemy import JSON as JSONType
    from sqlalchemy import Boolean, Date, Float, Integer
    from sqlmodel.sql.sqltypes import UTCDateTime

    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "timestamptz"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer):
        return "int4"
    if isinstance(kind, Float):
        return "float8"
    if isinstance(kind, JSONType):
        return "json"
    return "varchar"


_PG_TYPES = {
    table.name: {column.name: _pg_type(column) for column in table.table.columns}
    for table in (*RECORD_TABLES, ORDER_LINES)
}


def _bulk_insert(session: Session, table: SyncedTable, rows: Sequence[Row]) -> None:
    """Insert many rows at once: COPY on PostgreSQL (the fastest path it has), executemany
    on SQLite. Nothing here can meet an existing row: the caller sorted repeats out under
    the counter lock."""
    if is_sqlite(session.get_bind()):  # type: ignore[arg-type]
        session.execute(insert(table.table), list(rows))
        return
    import psycopg

    names = list(rows[0].keys())
    raw = session.connection().connection.driver_connection
    # Quoted: "freeze" (the Freeze model's table) is a reserved word in PostgreSQL.
    columns = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.table.name}" ({columns}) FROM STDIN (FORMAT BINARY)'
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            # Binary COPY: no text formatting of every timestamp and integer.
            copy.set_types([_PG_TYPES[table.name][name] for name in names])
            for row in rows:
                copy.write_row([row[name] for name in names])
    except psycopg.IntegrityError as error:
        # The raw connection bypasses SQLAlchemy's wrapping; give callers the one type.
        raise IntegrityError(statement, None, error) from None
