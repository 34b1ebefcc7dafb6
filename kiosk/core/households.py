"""Finding a household from what was scanned or typed, and what a screen shows about it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, exists
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from kiosk.core.clock import local_date
from kiosk.core.codes import CardScan, OrderScan, ShortCodeScan, parse_scan, verify_card
from kiosk.core.db import is_sqlite, read_session
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.ledger import (
    BALANCE_SUBQUERY,
    ENTRY_VIEWS,
    EntryView,
    entry_views_of_sqlite_rows,
    meta_get,
    utc_from_sqlite_text,
)
from kiosk.core.models import Freeze, Household, Meta, Village, table_of, takes_part
from rules.engine import points_year

# Statements built once (building one and its cache key costs more than an indexed read).
# A lookup is two statements: the household with the card key, then village, freeze and
# balance, or the year's entries (whose sum is the balance) with village and freeze.
_HOUSEHOLD = select(Household).where(col(Household.code) == bindparam("code"))
_CARD_KEY = (
    sa_select(table_of(Meta).c.value)
    .where(table_of(Meta).c.key == "card_public_key")
    .scalar_subquery()
)
# Read with the household, so the key is always the database's current one: nothing to
# invalidate when a sync brings a new key.
_HOUSEHOLD_AND_CARD_KEY = select(Household, _CARD_KEY).where(
    col(Household.code) == bindparam("code")
)
_VILLAGE_NAME = (
    sa_select(table_of(Village).c.name)
    .where(table_of(Village).c.id == bindparam("village_id"))
    .scalar_subquery()
)
# Most households have no freeze record: this EXISTS (binds "household_id") spares them
# the freeze_status query; redemption reads it too.
ANY_FREEZE = exists().where(table_of(Freeze).c.household_id == bindparam("household_id"))
_VILLAGE_FREEZE = sa_select(_VILLAGE_NAME, ANY_FREEZE)
# The year's entries, each row carrying the village name and the freeze flag too: SQLite
# evaluates the two uncorrelated subqueries once, and the lookup saves a statement.
_ENTRIES_VILLAGE_FREEZE = ENTRY_VIEWS.add_columns(_VILLAGE_NAME, ANY_FREEZE)
_VILLAGE_FREEZE_BALANCE = sa_select(_VILLAGE_NAME, ANY_FREEZE, BALANCE_SUBQUERY)


@dataclass(frozen=True)
class FreezeStatus:
    until: date
    reason: str
    since: date


def household_by_code(session: Session, code: str) -> Household:
    household = session.exec(_HOUSEHOLD, params={"code": code.upper()}).first()
    if household is None:
        raise NotFound("code.unknown", code=code)
    return household


def resolve_household(session: Session, raw: str) -> Household:
    """The household a scanned payload or a typed short code names.

    A card must carry a valid signature and the household's current card version:
    forged, altered and replaced (lost) cards are refused with their own message.
    """
    scan = parse_scan(raw)
    if isinstance(scan, OrderScan):
        raise BadInput("code.unknown", code=raw.strip())
    if isinstance(scan, ShortCodeScan):
        return _on_register(household_by_code(session, scan.code))
    assert isinstance(scan, CardScan)
    row = session.exec(_HOUSEHOLD_AND_CARD_KEY, params={"code": scan.code}).first()
    # An unknown code still gets its signature checked first: a forgery is called one.
    public_key = row[1] if row is not None else meta_get(session, "card_public_key")
    household: Household | None = row[0] if row is not None else None
    _check_card(scan, public_key, household.card_version if household is not None else None)
    assert household is not None
    return _on_register(household)


def _check_card(scan: CardScan, public_key: str | None, card_version: int | None) -> None:
    """Refuse a card that is forged, of an unknown code, or of another version than the
    household's current one (`card_version` None: no household has the code)."""
    if not public_key or not verify_card(scan, public_key):
        raise BadInput("code.forged")
    if card_version is None:
        raise NotFound("code.unknown", code=scan.code)
    if scan.version < card_version:
        raise BadInput("code.revoked", current=card_version)
    if scan.version > card_version:
        # Signed but newer than anything this kiosk knows: a card issued after the last
        # sync. Refuse rather than guess; the next sync brings the household up to date.
        raise BadInput("code.forged")


def _on_register(household: Household) -> Household:
    _check_on_register(household.code, household.left_at, household.left_reason)
    return household


def _check_on_register(code: str, left_at: datetime | None, left_reason: str | None) -> None:
    # A household that left the register keeps its rows, but neither card nor code works.
    if left_at is not None:
        raise Refused(
            "register.left",
            code=code,
            date=local_date(left_at).isoformat(),
            reason=left_reason or "",
        )


def freeze_status(session: Session, household_id: str, today: date) -> FreezeStatus | None:
    """The redemption freeze in force today, if any: the newest freeze record whose dates
    cover today, unless a later "lift" record ended it.

    Recording a second freeze for a later period must not end the one in force now, so
    every record is read, not only the newest. A lift ends the freezes recorded before it
    that had started by the day of the lift; a freeze recorded after a lift stands.
    """
    records = session.exec(
        select(Freeze)
        .where(Freeze.household_id == household_id)
        .order_by(col(Freeze.created_at).desc(), col(Freeze.origin_seq).desc())
    ).all()
    return _freeze_in_force(((r.action, r.starts_on, r.ends_on, r.reason) for r in records), today)


_FREEZES = table_of(Freeze).c
# freeze_status's records as plain rows, for look_up (binds "household_id").
_FREEZE_RECORDS = (
    sa_select(_FREEZES.action, _FREEZES.starts_on, _FREEZES.ends_on, _FREEZES.reason)
    .where(_FREEZES.household_id == bindparam("household_id"))
    .order_by(_FREEZES.created_at.desc(), _FREEZES.origin_seq.desc())
)


def _freeze_in_force(records: Iterable[Sequence[Any]], today: date) -> FreezeStatus | None:
    lifted_on: date | None = None  # the day of the newest lift (records go newest first)
    for action, starts_on, ends_on, reason in records:
        if action == "lift":
            lifted_on = lifted_on or starts_on
            continue
        if lifted_on is not None and starts_on <= lifted_on:
            continue
        if starts_on <= today <= ends_on:
            return FreezeStatus(until=ends_on, reason=reason, since=starts_on)
    return None


@dataclass
class HouseholdSummary:
    id: str
    code: str
    village_id: str
    village: str
    group: str
    head: str
    members: list[str]
    balance: int
    points_year: int
    frozen: FreezeStatus | None
    takes_part: bool
    card_version: int
    entries: list[EntryView] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "code": self.code,
            "village": self.village,
            "group": self.group,
            "head": self.head,
            "members": self.members,
            "balance": self.balance,
            "points_year": self.points_year,
            "frozen_until": self.frozen.until.isoformat() if self.frozen else None,
            "frozen_reason": self.frozen.reason if self.frozen else None,
            "takes_part": self.takes_part,
            "card_version": self.card_version,
            "entries": [entry.__dict__ for entry in self.entries],
        }


def summarize(
    session: Session, household: Household, now: datetime, *, with_entries: bool = True
) -> HouseholdSummary:
    year = points_year(now)
    entries: list[EntryView] = []
    keys = {"village_id": household.village_id, "household_id": household.id, "year": year}
    session.flush()  # pending entries count, as they did when these were ORM queries
    connection = session.connection()
    if with_entries:
        rows = connection.execute(_ENTRIES_VILLAGE_FREEZE, keys).all()
        if rows:
            village, any_freeze = rows[0][-2:]
        else:
            village, any_freeze = connection.execute(_VILLAGE_FREEZE, keys).one()
        entries = [EntryView.from_row(row[:-2]) for row in rows]
        current = sum(entry.points for entry in entries)
    else:
        village, any_freeze, current = connection.execute(_VILLAGE_FREEZE_BALANCE, keys).one()
    return HouseholdSummary(
        id=household.id,
        code=household.code,
        village_id=household.village_id,
        village=village if village is not None else household.village_id,
        group=household.group_name,
        head=household.head_name,
        members=list(household.members),
        balance=int(current),
        points_year=year,
        frozen=freeze_status(session, household.id, local_date(now)) if any_freeze else None,
        takes_part=household.takes_part,
        card_version=household.card_version,
        entries=entries,
    )


def look_up(
    engine: Engine, raw: str, now: datetime, *, with_entries: bool = True
) -> HouseholdSummary:
    """`resolve_household` and `summarize` in one read: a scan at the counter, `kiosk
    household show`. The same refusals, in the same order, and the same summary.

    On SQLite (every kiosk) it reads plain rows through the pooled sqlite3 connection, with
    statements compiled once from the Core ones the session path runs: a Session and the
    ORM's `Household` cost a scan ~120 µs, more than SQLite's reads (~80 µs) and the
    signature check (~65 µs) together. Elsewhere (the central) it is the session path.
    tests/core/test_lookup.py holds the two to the same answers.
    """
    if not is_sqlite(engine):
        with read_session(engine) as session:
            household = resolve_household(session, raw)
            return summarize(session, household, now, with_entries=with_entries)
    scan = parse_scan(raw)
    if isinstance(scan, OrderScan):
        raise BadInput("code.unknown", code=raw.strip())
    pooled = engine.raw_connection()
    try:
        connection = pooled.driver_connection
        assert connection is not None
        # One read transaction, as the session has: the household and what is summed of it
        # come from the same snapshot even if a sync commits in between.
        connection.execute("BEGIN")
        try:
            return _look_up_sqlite(connection, scan, now, with_entries)
        finally:
            connection.execute("COMMIT")
    finally:
        pooled.close()


class _SqliteStatement:
    """A Core statement compiled once for SQLite, run on the sqlite3 connection itself."""

    def __init__(self, statement: Select[Any]) -> None:
        compiled = statement.compile(dialect=sqlite.dialect())
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ())
        self._defaults = dict(compiled.params)  # literals the statement binds itself

    def run(self, connection: Any, params: Mapping[str, object]) -> list[Any]:
        values = {**self._defaults, **params}
        rows: list[Any] = connection.execute(
            self.sql, tuple(values[name] for name in self._names)
        ).fetchall()
        return rows


_H = table_of(Household).c
# The columns a lookup reads of a household, in this order, with the card key.
_HOUSEHOLD_ROW = _SqliteStatement(
    sa_select(
        _H.id,
        _H.code,
        _H.village_id,
        _H.group_name,
        _H.head_name,
        _H.members,
        _H.card_version,
        _H.left_at,
        _H.left_reason,
        _H.opted_out,
        _H.long_term_absent,
        _H.opted_in,
        _CARD_KEY,
    ).where(_H.code == bindparam("code"))
)
_ONLY_CARD_KEY = _SqliteStatement(sa_select(_CARD_KEY))
_SQLITE_ENTRIES_VILLAGE_FREEZE = _SqliteStatement(_ENTRIES_VILLAGE_FREEZE)
_SQLITE_VILLAGE_FREEZE = _SqliteStatement(_VILLAGE_FREEZE)
_SQLITE_VILLAGE_FREEZE_BALANCE = _SqliteStatement(_VILLAGE_FREEZE_BALANCE)
_SQLITE_FREEZE_RECORDS = _SqliteStatement(_FREEZE_RECORDS)


def _look_up_sqlite(
    connection: Any, scan: CardScan | ShortCodeScan, now: datetime, with_entries: bool
) -> HouseholdSummary:
    code = scan.code
    found = _HOUSEHOLD_ROW.run(connection, {"code": code})
    row = found[0] if found else None
    if isinstance(scan, CardScan):
        public_key = row[12] if row is not None else _ONLY_CARD_KEY.run(connection, {})[0][0]
        _check_card(scan, public_key, row[6] if row is not None else None)
    elif row is None:
        raise NotFound("code.unknown", code=code)
    assert row is not None
    (household_id, code, village_id, group, head, members, card_version, left_at, left_reason,
     opted_out, long_term_absent, opted_in, _key) = row  # fmt: skip
    left = utc_from_sqlite_text(left_at)
    _check_on_register(code, left, left_reason)
    year = points_year(now)
    keys = {"village_id": village_id, "household_id": household_id, "year": year}
    entries: list[EntryView] = []
    if with_entries:
        rows = _SQLITE_ENTRIES_VILLAGE_FREEZE.run(connection, keys)
        if rows:
            village, any_freeze = rows[0][-2:]
        else:
            village, any_freeze = _SQLITE_VILLAGE_FREEZE.run(connection, keys)[0]
        entries = entry_views_of_sqlite_rows(rows)
        current = sum(entry.points for entry in entries)
    else:
        village, any_freeze, current = _SQLITE_VILLAGE_FREEZE_BALANCE.run(connection, keys)[0]
    frozen = None
    if any_freeze:
        records = _SQLITE_FREEZE_RECORDS.run(connection, {"household_id": household_id})
        frozen = _freeze_in_force(
            (
                (action, date.fromisoformat(starts), date.fromisoformat(ends), reason)
                for action, starts, ends, reason in records
            ),
            local_date(now),
        )
    return HouseholdSummary(
        id=household_id,
        code=code,
        village_id=village_id,
        village=village if village is not None else village_id,
        group=group,
        head=head,
        members=list(json.loads(members)),
        balance=int(current),
        points_year=year,
        frozen=frozen,
        takes_part=takes_part(
            opted_out=bool(opted_out),
            left=left is not None,
            long_term_absent=bool(long_term_absent),
            opted_in=bool(opted_in),
        ),
        card_version=card_version,
        entries=entries,
    )


def list_households(session: Session, village_id: str | None = None) -> list[Household]:
    statement = select(Household).order_by(col(Household.code))
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    return list(session.exec(statement))
