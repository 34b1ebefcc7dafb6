"""The central store's services: set-up, stamping server_seq, hello, ingesting a kiosk's
pushed chunk, serving a pull page, overdraft alerts and the kiosks' status.

The HTTP server and the offline bundle import both call these, so a bundle is applied
exactly as the same rows over the network would be. Functions taking a `Session` work in
the caller's transaction; `receive_push` owns its transactions because a rejected chunk
must roll back while its conflict alert is kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from kiosk.core.central_models import ServerSeq, SyncAlert, SyncKiosk
from kiosk.core.clock import as_utc, from_db, local
from kiosk.core.db import is_sqlite, write_session
from kiosk.core.errors import BadInput, Refused
from kiosk.core.ids import new_id
from kiosk.core.ledger import CENTRAL_ORIGIN, meta_get, meta_set
from kiosk.core.models import (
    Declaration,
    Dispute,
    ExchangePoint,
    Household,
    LedgerEntry,
    OrderLine,
    RedemptionOrder,
)
from kiosk.core.seed import database_is_empty, seed_reference
from sync.plausible import check_rows
from sync.protocol import (
    APPLY_ORDER,
    BY_NAME,
    CLOCK_SKEW_WARN_S,
    MAX_CHUNK,
    ORDER_LINES,
    ORDERS,
    PROTOCOL_VERSION,
    PULL_LIMIT,
    RECORD_TABLES,
    REFERENCE_TABLES,
    Row,
    SyncedTable,
    decode_tables,
    encode_row,
    field,
)

SERVER_SEQ = "server_seq"


class Conflict(Refused):
    """A pushed row contradicts what the central already holds under the same id or seq."""


# --- set-up --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CentralInit:
    seeded: bool
    signing_key_path: Path | None
    card_public_key: str


def init_central(session: Session, now: datetime, *, signing_key_path: Path | None) -> CentralInit:
    """Make this database the central store: reference data and a card-signing key when it
    is empty, and origin "central" (also for a database filled by `kiosk seed-demo`)."""
    from kiosk.core.codes import CardSigner

    seeded = False
    if database_is_empty(session):
        seed_reference(session, now)
        seeded = True
    public_key = meta_get(session, "card_public_key")
    if public_key is None:
        if signing_key_path is not None and signing_key_path.exists():
            signer = CardSigner.from_file(signing_key_path)
        else:
            signer = CardSigner.generate()
            if signing_key_path is not None:
                signer.save(signing_key_path)
        public_key = signer.public_key_hex()
        meta_set(session, "card_public_key", public_key)
    meta_set(session, "origin", CENTRAL_ORIGIN)
    # A central serves every exchange point; a kiosk's default point makes no sense here.
    from kiosk.core.models import Meta

    stale = session.get(Meta, "exchange_point_id")
    if stale is not None:
        session.delete(stale)
    session.flush()
    return CentralInit(seeded, signing_key_path, public_key)


# --- server_seq --------------------------------------------------------------------------------


def _lock_counter(session: Session) -> ServerSeq:
    statement = select(ServerSeq).where(col(ServerSeq.name) == SERVER_SEQ)
    if not is_sqlite(session.get_bind()):  # type: ignore[arg-type]
        statement = statement.with_for_update()
    counter = session.scalars(statement).first()
    if counter is None:
        counter = ServerSeq(name=SERVER_SEQ, value=0)
        session.add(counter)
        session.flush()
    return counter


def high_water(session: Session) -> int:
    value = session.scalar(select(ServerSeq.value).where(col(ServerSeq.name) == SERVER_SEQ))
    return int(value or 0)


def _stamp_order(table: SyncedTable) -> list[Any]:
    columns = table.table.columns
    if "origin_seq" in columns:
        return [columns["origin"], columns["origin_seq"]]
    return [columns[table.key]]


def stamp_changes(session: Session) -> int:
    """Give every row without a server_seq (written or changed at the central by any
    service since the last stamp) the next values, so kiosks pull it; returns how many."""
    tables = [t for t in APPLY_ORDER if t is not ORDER_LINES]
    pending = [
        t
        for t in tables
        if session.scalar(select(t.table.c[t.key]).where(t.table.c.server_seq.is_(None)).limit(1))
        is not None
    ]
    if not pending:
        return 0
    counter = _lock_counter(session)
    stamped = 0
    for table in pending:
        t = table.table
        numbered = (
            select(
                t.c[table.key].label("k"),
                func.row_number().over(order_by=_stamp_order(table)).label("rn"),
            )
            .where(t.c.server_seq.is_(None))
            .subquery()
        )
        base = counter.value
        result = session.execute(
            update(t)
            .values(server_seq=base + numbered.c.rn)
            .where(t.c[table.key] == numbered.c.k)
            .returning(t.c.server_seq)
        )
        seqs = [int(s) for s in result.scalars()]
        if seqs:
            counter.value = max(base, *seqs)
            stamped += len(seqs)
    session.add(counter)
    session.flush()
    return stamped


# --- hello ---------------------------------------------------------------------------------------


def _warning(key: str, **params: object) -> dict[str, object]:
    return {"key": key, "params": params}


def hello(
    session: Session, kiosk: SyncKiosk, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The start of a sync: who the kiosk is at the central, what is acknowledged, and the
    kiosk's clock compared with the central's own."""
    protocol = field(payload, "protocol", int)
    if protocol != PROTOCOL_VERSION:
        raise BadInput("sync.protocol", got=protocol, expected=PROTOCOL_VERSION)
    local_seq = field(payload, "local_seq", int)
    client_time = _parse_time(field(payload, "client_time", str))
    skew = (client_time - now).total_seconds()
    warnings = []
    if abs(skew) > CLOCK_SKEW_WARN_S:
        warnings.append(_warning("sync.clock_skew", seconds=round(skew)))
        _raise_alert(
            session,
            kind="clock_skew",
            subject=f"{kiosk.id}:{now.date().isoformat()}",
            kiosk_id=kiosk.id,
            detail=f"{round(skew)} s",
            now=now,
        )
    kiosk.reported_seq = local_seq
    kiosk.clock_skew_s = skew
    kiosk.last_seen_at = as_utc(now)
    session.add(kiosk)
    session.flush()
    return {
        "kiosk_id": kiosk.id,
        "village_id": kiosk.village_id,
        "exchange_point_id": kiosk.exchange_point_id,
        "acked_seq": kiosk.acked_seq,
        "server_time": as_utc(now).isoformat(),
        "clock_skew_s": skew,
        "warnings": warnings,
    }


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput("sync.bad_request", field="client_time") from None
    if parsed.tzinfo is None:
        raise BadInput("sync.bad_request", field="client_time")
    return parsed


# --- push ----------------------------------------------------------------------------------------


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
    """Ingest one chunk in its own transaction; a conflicting chunk is rolled back whole and
    recorded as a conflict alert (once), an implausible one refused before it is begun."""
    chunk = parse_chunk(payload, kiosk_id)
    # Before the transaction: the checks are pure and must not hold the counter lock.
    check_rows(chunk.rows, now)
    try:
        with write_session(engine) as session:
            kiosk = session.get(SyncKiosk, kiosk_id)
            assert kiosk is not None
            return ingest_chunk(session, kiosk, chunk, now)
    except Conflict as conflict:
        with write_session(engine) as session:
            _raise_alert(
                session,
                kind="conflict",
                subject=f"{kiosk_id}:{conflict.params.get('row')}",
                kiosk_id=kiosk_id,
                detail=str(conflict.params.get("detail", "")),
                now=now,
            )
        raise


def ingest_chunk(session: Session, kiosk: SyncKiosk, chunk: Chunk, now: datetime) -> PushOutcome:
    """Insert the chunk's new rows once, in origin_seq order, and acknowledge it.

    The central holds exactly this kiosk's seqs 1..acked_seq. Rows at or below it must be
    identical repeats (a retry after a lost reply); the rest must continue it without a gap.
    """
    counter = _lock_counter(session)  # serialises every writer of server_seq until commit
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
    _check_scope(session, kiosk, new)
    _check_decided_once(session, kiosk, new)
    base = counter.value - acked  # server_seq = base + origin_seq keeps the kiosk's order
    received = as_utc(now)
    inserted = 0
    for table in (ORDERS, ORDER_LINES, *RECORD_TABLES[1:]):
        rows = new.get(table.name)
        if not rows:
            continue
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
                "sync.conflict", kiosk=kiosk.id, row=rows[0]["id"], detail=str(error.orig)[:300]
            ) from None
        if table is not ORDER_LINES:
            inserted += len(rows)
    if chunk.last_seq > acked:
        counter.value = base + chunk.last_seq
        kiosk.acked_seq = chunk.last_seq
        session.add(counter)
    kiosk.last_seen_at = received
    session.add(kiosk)
    session.flush()
    alerts = check_overdrafts(session, kiosk.id, new.get("entries", []), now)
    return PushOutcome(kiosk.acked_seq, inserted, repeated, alerts)


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
                )
            if name != ORDER_LINES.name:
                count += 1
    return count


def _check_scope(session: Session, kiosk: SyncKiosk, new: dict[str, list[Row]]) -> None:
    """A kiosk writes only for its own village's households and exchange points, and names
    only records of its village."""
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
    if households:
        found = set(
            session.scalars(
                select(Household.id).where(
                    col(Household.id).in_(households), Household.village_id == kiosk.village_id
                )
            )
        )
        if households - found:
            raise Refused(
                "sync.foreign_village", kiosk=kiosk.id, what=sorted(households - found)[0]
            )
    points = {
        row["exchange_point_id"]
        for name in ("orders", "stock_movements")
        for row in new.get(name, [])
    }
    if points:
        found = set(
            session.scalars(
                select(ExchangePoint.id).where(
                    col(ExchangePoint.id).in_(points), ExchangePoint.village_id == kiosk.village_id
                )
            )
        )
        if points - found:
            raise Refused("sync.foreign_village", kiosk=kiosk.id, what=sorted(points - found)[0])


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
    statement = f"COPY {table.table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            # Binary COPY: no text formatting of every timestamp and integer.
            copy.set_types([_PG_TYPES[table.name][name] for name in names])
            for row in rows:
                copy.write_row([row[name] for name in names])
    except psycopg.IntegrityError as error:
        # The raw connection bypasses SQLAlchemy's wrapping; give callers the one type.
        raise IntegrityError(statement, None, error) from None


# --- alerts ------------------------------------------------------------------------------------


def _raise_alert(
    session: Session,
    *,
    kind: str,
    subject: str,
    now: datetime,
    kiosk_id: str | None = None,
    household_id: str | None = None,
    points_year: int | None = None,
    balance: int | None = None,
    detail: str = "",
) -> SyncAlert | None:
    """Record an alert unless the same (kind, subject) was recorded before."""
    exists = session.scalar(
        select(SyncAlert.id).where(SyncAlert.kind == kind, SyncAlert.subject == subject)
    )
    if exists is not None:
        return None
    alert = SyncAlert(
        id=new_id(),
        kind=kind,
        subject=subject,
        household_id=household_id,
        points_year=points_year,
        balance=balance,
        kiosk_id=kiosk_id,
        detail=detail,
        created_at=as_utc(now),
    )
    session.add(alert)
    session.flush()
    return alert


def check_overdrafts(
    session: Session, kiosk_id: str | None, entries: Iterable[Row], now: datetime
) -> list[dict[str, Any]]:
    """Households the merged entries left below zero: one alert per household and points
    year, never a reversal (the goods were handed over)."""
    touched: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry["points"] < 0:
            touched[entry["household_id"]].add(entry["points_year"])
    if not touched:
        return []
    years = {year for years in touched.values() for year in years}
    rows = session.execute(
        select(LedgerEntry.household_id, LedgerEntry.points_year, func.sum(LedgerEntry.points))
        .where(
            col(LedgerEntry.household_id).in_(list(touched)),
            col(LedgerEntry.points_year).in_(years),
        )
        .group_by(col(LedgerEntry.household_id), col(LedgerEntry.points_year))
        .having(func.sum(LedgerEntry.points) < 0)
    ).all()
    raised = []
    for household_id, year, total in rows:
        if year not in touched[household_id]:
            continue
        alert = _raise_alert(
            session,
            kind="overdraft",
            subject=f"{household_id}:{year}",
            kiosk_id=kiosk_id,
            household_id=household_id,
            points_year=int(year),
            balance=int(total),
            now=now,
        )
        if alert is not None:
            raised.append(alert_json(session, alert))
    return raised


def alert_json(
    session: Session, alert: SyncAlert, *, balance_now: int | None = None
) -> dict[str, Any]:
    household = session.get(Household, alert.household_id) if alert.household_id else None
    return {
        "id": alert.id,
        "kind": alert.kind,
        "household": household.code if household else None,
        "village_id": household.village_id if household else None,
        "points_year": alert.points_year,
        "balance_at_alert": alert.balance,
        "balance": balance_now if balance_now is not None else alert.balance,
        "kiosk": alert.kiosk_id,
        "detail": alert.detail,
        "created_at": local(from_db(alert.created_at)).isoformat(),
    }


def list_alerts(session: Session, kind: str | None = None) -> list[dict[str, Any]]:
    """Alerts, oldest first; overdrafts with the household's balance as it stands now."""
    statement = select(SyncAlert).order_by(col(SyncAlert.created_at), col(SyncAlert.id))
    if kind is not None:
        statement = statement.where(SyncAlert.kind == kind)
    alerts = list(session.scalars(statement))
    out = []
    for alert in alerts:
        balance_now = None
        if alert.household_id and alert.points_year is not None:
            balance_now = int(
                session.scalar(
                    select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                        LedgerEntry.household_id == alert.household_id,
                        LedgerEntry.points_year == alert.points_year,
                    )
                )
                or 0
            )
        out.append(alert_json(session, alert, balance_now=balance_now))
    return out


# --- pull ------------------------------------------------------------------------------------------


def _scoped(table: SyncedTable, village_id: str) -> Any:
    """The select of `table`'s rows that belong to a kiosk of `village_id`."""
    t = table.table
    statement = select(t)
    name = table.name
    if name in ("exchange_points", "households"):
        return statement.where(t.c.village_id == village_id)
    if name == "operators":
        return statement.where(or_(t.c.village_id == village_id, t.c.village_id.is_(None)))
    if name == "rule_sets":
        return statement.where(
            or_(t.c.scope_village_id == village_id, t.c.scope_village_id.is_(None))
        )
    if name in ("entries", "orders", "freezes", "declarations", "disputes"):
        return statement.join(Household, col(Household.id) == t.c.household_id).where(
            Household.village_id == village_id
        )
    if name == "declaration_decisions":
        return (
            statement.join(Declaration, col(Declaration.id) == t.c.declaration_id)
            .join(Household, col(Household.id) == col(Declaration.household_id))
            .where(Household.village_id == village_id)
        )
    if name == "dispute_resolutions":
        return (
            statement.join(Dispute, col(Dispute.id) == t.c.dispute_id)
            .join(Household, col(Household.id) == col(Dispute.household_id))
            .where(Household.village_id == village_id)
        )
    if name in ("handovers", "cancellations"):
        return (
            statement.join(OrderLine, col(OrderLine.id) == t.c.line_id)
            .join(RedemptionOrder, col(RedemptionOrder.id) == col(OrderLine.order_id))
            .join(Household, col(Household.id) == col(RedemptionOrder.household_id))
            .where(Household.village_id == village_id)
        )
    if name == "stock_movements":
        return statement.join(ExchangePoint, col(ExchangePoint.id) == t.c.exchange_point_id).where(
            ExchangePoint.village_id == village_id
        )
    return statement  # villages, catalogue items: the whole street's


def pull_page(
    session: Session, kiosk: SyncKiosk, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """What the kiosk's village gained since its cursors: all changed reference rows, and
    records in server_seq order up to a page limit.

    Reference rows have their own cursor and always come whole, so every record in a page
    finds the household or exchange point it points at on the kiosk.
    """
    cursor = field(payload, "cursor", int)
    ref_cursor = field(payload, "ref_cursor", int)
    own_seq = field(payload, "own_seq", int)
    limit = min(field(payload, "limit", int, optional=True) or PULL_LIMIT, 10 * PULL_LIMIT)
    high = high_water(session)
    rows: dict[str, list[Row]] = {}
    for table in REFERENCE_TABLES:
        t = table.table
        found = session.execute(
            _scoped(table, kiosk.village_id)
            .where(t.c.server_seq > ref_cursor, t.c.server_seq <= high)
            .order_by(t.c.server_seq)
        ).mappings()
        encoded = [encode_row(table, r, with_seq=True) for r in found]
        if encoded:
            rows[table.name] = encoded
    candidates: list[tuple[int, int, Row]] = []
    for index, table in enumerate(RECORD_TABLES):
        t = table.table
        # The kiosk's own rows it still holds need not come back (a fresh kiosk gets them).
        not_own = or_(t.c.origin != kiosk.id, t.c.origin_seq > own_seq)
        found = session.execute(
            _scoped(table, kiosk.village_id)
            .where(t.c.server_seq > cursor, t.c.server_seq <= high, not_own)
            .order_by(t.c.server_seq)
            .limit(limit)
        ).mappings()
        candidates += [(r["server_seq"], index, encode_row(table, r, with_seq=True)) for r in found]
    candidates.sort(key=lambda c: c[0])
    more = len(candidates) >= limit
    if more:
        candidates = candidates[:limit]
        new_cursor = candidates[-1][0]
    else:
        new_cursor = max(high, cursor)
    for _seq, index, row in candidates:
        rows.setdefault(RECORD_TABLES[index].name, []).append(row)
    order_ids = [row["id"] for row in rows.get(ORDERS.name, [])]
    if order_ids:
        lines = session.execute(
            select(ORDER_LINES.table).where(ORDER_LINES.table.c.order_id.in_(order_ids))
        ).mappings()
        rows[ORDER_LINES.name] = [encode_row(ORDER_LINES, r) for r in lines]
    if not more:
        kiosk.last_sync_at = as_utc(now)
    kiosk.last_seen_at = as_utc(now)
    session.add(kiosk)
    session.flush()
    return {
        "cursor": new_cursor,
        "ref_cursor": max(high, ref_cursor),
        "more": more,
        "rows": rows,
        "meta": {"card_public_key": meta_get(session, "card_public_key")},
    }


def serve_pull(
    engine: Engine, kiosk_id: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Stamp whatever the central wrote since the last pull, then serve one page."""
    with write_session(engine) as session:
        stamp_changes(session)
    with write_session(engine) as session:
        kiosk = session.get(SyncKiosk, kiosk_id)
        assert kiosk is not None
        return pull_page(session, kiosk, payload, now)


# --- status ------------------------------------------------------------------------------------------


def kiosk_status(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Each kiosk: when it last synced, how many of its entries the central still lacks (as
    of its last hello), and how far its clock was off."""
    out = []
    for kiosk in session.scalars(select(SyncKiosk).order_by(col(SyncKiosk.id))):
        last_sync = from_db(kiosk.last_sync_at) if kiosk.last_sync_at else None
        out.append(
            {
                "id": kiosk.id,
                "village_id": kiosk.village_id,
                "exchange_point_id": kiosk.exchange_point_id,
                "revoked": kiosk.revoked_at is not None,
                "last_sync_at": local(last_sync).isoformat() if last_sync else None,
                "hours_since_sync": round((now - last_sync).total_seconds() / 3600, 1)
                if last_sync
                else None,
                "acked_seq": kiosk.acked_seq,
                "entries_behind": max(0, kiosk.reported_seq - kiosk.acked_seq),
                "clock_skew_s": round(kiosk.clock_skew_s, 1)
                if kiosk.clock_skew_s is not None
                else None,
            }
        )
    return out
