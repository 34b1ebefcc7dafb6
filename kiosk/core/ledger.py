"""The append-only points ledger: writing entries with their origin sequence, and balances.

A balance is never stored: it is the sum of the household's entries for the points year,
read through a covering index, so it cannot drift from the entries it sums.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import TypeDecorator, bindparam, func, type_coerce, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from kiosk.core.clock import as_utc, from_db
from kiosk.core.ids import new_id
from kiosk.core.models import LedgerEntry, Meta, OriginCounter, table_of
from rules.engine import PastEntry, points_year

CENTRAL_ORIGIN = "central"


def meta_get(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Meta, key)
    return row.value if row is not None else default


def meta_set(session: Session, key: str, value: str) -> None:
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def local_origin(session: Session) -> str:
    """The origin id of this database: the kiosk id, or "central" at the street office."""
    return meta_get(session, "origin") or CENTRAL_ORIGIN


def is_demo(session: Session) -> bool:
    """A demo database (`kiosk demo`, `kiosk seed-demo`): it never syncs."""
    return meta_get(session, "demo") == "1"


def pushes_to_central(session: Session) -> bool:
    """Whether this database's own rows go to the central on the nightly sync: a kiosk's
    do, the central's and a demo's never. What only the central may write (closes, the
    register) is refused where this is true, or the sync would be refused for it."""
    return local_origin(session) != CENTRAL_ORIGIN and not is_demo(session)


def next_origin_seq(session: Session, origin: str) -> int:
    """The next per-origin sequence number, taken inside the caller's write transaction."""
    return take_origin_seqs(session, origin, 1)[0]


def take_origin_seqs(session: Session, origin: str, count: int) -> range:
    """`count` consecutive per-origin sequence numbers, taken inside the caller's write
    transaction.

    One `UPDATE ... RETURNING` bumps and reads the counter (and on PostgreSQL holds its row
    lock until commit). Going through the ORM instead cost a SELECT and a flush per number;
    a redemption takes all the numbers it needs with one statement.
    """
    connection = session.connection()
    last = connection.execute(_BUMP_COUNTER, {"b_origin": origin, "b_count": count}).scalar()
    if last is None:
        first = _FIRST_COUNTER[connection.dialect.name]
        last = connection.execute(first, {"n_origin": origin, "n_count": count}).scalar_one()
    return range(int(last) - count + 1, int(last) + 1)


def entry_row(
    *,
    household_id: str,
    points: int,
    kind: str,
    at: datetime,
    origin: str,
    origin_seq: int,
    entry_id: str | None = None,
    points_year_override: int | None = None,
    **fields: object,
) -> dict[str, Any]:
    """Every column of a new ledger entry, unset ones None as the model's defaults are.

    The one definition of an entry's row: append_entry builds its ORM object from it, and
    hot paths insert it with a Core statement.
    """
    row: dict[str, Any] = dict.fromkeys(_ENTRY_COLUMN_NAMES)
    row.update(fields)
    row.update(
        id=entry_id or new_id(),
        household_id=household_id,
        points_year=points_year_override if points_year_override is not None else points_year(at),
        points=points,
        kind=kind,
        origin=origin,
        origin_seq=origin_seq,
        created_at=as_utc(at),
    )
    return row


def append_entry(
    session: Session,
    *,
    household_id: str,
    points: int,
    kind: str,
    at: datetime,
    origin: str,
    entry_id: str | None = None,
    points_year_override: int | None = None,
    **fields: object,
) -> LedgerEntry:
    """Write one ledger entry; the caller's transaction decides whether it lands."""
    entry = LedgerEntry(
        **entry_row(
            household_id=household_id,
            points=points,
            kind=kind,
            at=at,
            origin=origin,
            origin_seq=next_origin_seq(session, origin),
            entry_id=entry_id,
            points_year_override=points_year_override,
            **fields,
        )
    )
    session.add(entry)
    return entry


def balance(session: Session, household_id: str, year: int) -> int:
    session.flush()  # pending entries count, as they did when this was an ORM query
    total = (
        session.connection()
        .execute(_BALANCE, {"household_id": household_id, "year": year})
        .scalar_one()
    )
    return int(total)


def entries_of(session: Session, household_id: str, year: int | None = None) -> list[LedgerEntry]:
    statement = select(LedgerEntry).where(LedgerEntry.household_id == household_id)
    if year is not None:
        statement = statement.where(LedgerEntry.points_year == year)
    statement = statement.order_by(col(LedgerEntry.created_at), col(LedgerEntry.origin_seq))
    return list(session.exec(statement))


def entry_views(session: Session, household_id: str, year: int) -> list[EntryView]:
    """The household's entries of the points year as screens show them, oldest first.

    Read as plain rows through one prebuilt Core statement: a lookup shows some forty
    entries, and building ORM objects for them took longer than all the lookup's queries.
    """
    session.flush()  # pending entries show, as they did when this was an ORM query
    rows = session.connection().execute(ENTRY_VIEWS, {"household_id": household_id, "year": year})
    return [EntryView.from_row(row) for row in rows.all()]  # all(): one fetchall, not forty


def reversed_ids(entries: Sequence[LedgerEntry]) -> set[str]:
    return {entry.reverses_id for entry in entries if entry.reverses_id}


def history_for_rules(session: Session, household_id: str, year: int) -> list[PastEntry]:
    """The household's entries of the points year as the rules engine sees them."""
    entries = entries_of(session, household_id, year)
    undone = reversed_ids(entries)
    return [
        PastEntry(
            rule_id=entry.rule_id,
            kind=entry.kind,
            points=entry.points,
            at=from_db(entry.created_at),
            reversed=entry.id in undone,
            helper=entry.helper_for_id is not None,
        )
        for entry in entries
    ]


@dataclass(frozen=True)
class EntryView:
    """An entry as reports and screens show it."""

    id: str
    points: int
    kind: str
    rule_id: str | None
    quantity: int | None
    remainder: int | None
    order_id: str | None
    reverses_id: str | None
    operator_id: str | None
    origin: str
    origin_seq: int
    created_at: datetime
    note: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> EntryView:
        """A view from its fields' values in order, as `ENTRY_VIEWS` reads them.

        Fills the instance's __dict__ directly: the frozen dataclass __init__ sets each field
        through object.__setattr__, about 1 µs an entry, twice what this takes (a lookup
        builds some forty).
        """
        view = object.__new__(cls)
        view.__dict__.update(zip(_VIEW_FIELDS, row, strict=True))
        return view

    @classmethod
    def of(cls, entry: LedgerEntry) -> EntryView:
        return cls(
            id=entry.id,
            points=entry.points,
            kind=entry.kind,
            rule_id=entry.rule_id,
            quantity=entry.quantity,
            remainder=entry.remainder,
            order_id=entry.order_id,
            reverses_id=entry.reverses_id,
            operator_id=entry.operator_id,
            origin=entry.origin,
            origin_seq=entry.origin_seq,
            created_at=from_db(entry.created_at),
            note=entry.note,
        )


# Statements built once: building a select and its cache key cost more than running it
# through an index (the benchmark's lookup spent ~40 µs per statement on that).
_ENTRIES = table_of(LedgerEntry).c

_ENTRY_COLUMN_NAMES = tuple(_ENTRIES.keys())

_BALANCE = sa_select(func.coalesce(func.sum(_ENTRIES.points), 0)).where(
    _ENTRIES.household_id == bindparam("household_id"),
    _ENTRIES.points_year == bindparam("year"),
)
# The same sum as a column of a larger read (binds "household_id" and "year"), for the
# services that check a balance together with other facts in one statement.
BALANCE_SUBQUERY = _BALANCE.scalar_subquery()

_COUNTERS = table_of(OriginCounter)
# Bind names differ from the column names: SQLAlchemy keeps those for the SET clause.
_BUMP_COUNTER = (
    update(_COUNTERS)
    .where(_COUNTERS.c.origin == bindparam("b_origin"))
    .values(last_seq=_COUNTERS.c.last_seq + bindparam("b_count"))
    .returning(_COUNTERS.c.last_seq)
)


def _first_counter(dialect: str) -> Any:
    """An origin's first numbers: an insert that, should another transaction have inserted
    the counter meanwhile (two first writes at once, which the bump's UPDATE cannot see),
    bumps that one instead of failing on its key. PostgreSQL and SQLite spell it alike."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(_COUNTERS).values(
        origin=bindparam("n_origin"), last_seq=bindparam("n_count")
    )
    return statement.on_conflict_do_update(
        index_elements=[_COUNTERS.c.origin],
        set_={"last_seq": _COUNTERS.c.last_seq + statement.excluded.last_seq},
    ).returning(_COUNTERS.c.last_seq)


_FIRST_COUNTER = {name: _first_counter(name) for name in ("postgresql", "sqlite")}


def utc_from_sqlite_text(value: str | None) -> datetime | None:
    """A datetime as SQLAlchemy stores it in SQLite (naive UTC text,
    "2026-03-01 02:00:00.000000"), aware again, in one C call."""
    return None if value is None else datetime.fromisoformat(value + "+00:00")


class _StoredUTC(TypeDecorator[datetime]):
    """SQLModel's UTCDateTime for reading, in one C call per value on SQLite.

    UTCDateTime parses SQLite's text (SQLAlchemy's DateTime processor) and then attaches UTC
    in two Python calls: about 0.7 µs an entry, some 28 µs of a lookup's forty. The result
    is the same aware UTC datetime; other databases keep UTCDateTime's own processing.
    """

    impl = UTCDateTime
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name == "sqlite":
            return utc_from_sqlite_text
        return super().result_processor(dialect, coltype)


_VIEW_FIELDS = tuple(field.name for field in dataclasses.fields(EntryView))


def entry_views_of_sqlite_rows(rows: Sequence[Sequence[Any]]) -> list[EntryView]:
    """`EntryView`s of rows read through the sqlite3 connection itself (no SQLAlchemy
    result processing): `ENTRY_VIEWS`' columns first, any further columns ignored, and
    `created_at` made aware from SQLite's text. One pass, no per-row slice or call: a
    lookup builds some forty of these."""
    new = object.__new__
    fields = _VIEW_FIELDS
    views: list[EntryView] = []
    for row in rows:
        view = new(EntryView)
        values = view.__dict__
        values.update(zip(fields, row, strict=False))  # stops at the last view field
        values["created_at"] = datetime.fromisoformat(values["created_at"] + "+00:00")
        views.append(view)
    return views


# EntryView's fields, in order (binds "household_id" and "year"; see entry_views and
# EntryView.from_row); created_at comes back aware, in UTC.
ENTRY_VIEWS = (
    sa_select(
        _ENTRIES.id,
        _ENTRIES.points,
        _ENTRIES.kind,
        _ENTRIES.rule_id,
        _ENTRIES.quantity,
        _ENTRIES.remainder,
        _ENTRIES.order_id,
        _ENTRIES.reverses_id,
        _ENTRIES.operator_id,
        _ENTRIES.origin,
        _ENTRIES.origin_seq,
        type_coerce(_ENTRIES.created_at, _StoredUTC()).label("created_at"),
        _ENTRIES.note,
    )
    .where(
        _ENTRIES.household_id == bindparam("household_id"),
        _ENTRIES.points_year == bindparam("year"),
    )
    .order_by(_ENTRIES.created_at, _ENTRIES.origin_seq)
)
