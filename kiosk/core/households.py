"""Finding a household from what was scanned or typed, and what a screen shows about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import bindparam, exists
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from kiosk.core.clock import local_date
from kiosk.core.codes import CardScan, OrderScan, ShortCodeScan, parse_scan, verify_card
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.ledger import BALANCE_SUBQUERY, ENTRY_VIEWS, EntryView, meta_get
from kiosk.core.models import Freeze, Household, Meta, Village, table_of
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
    if not public_key or not verify_card(scan, public_key):
        raise BadInput("code.forged")
    if row is None:
        raise NotFound("code.unknown", code=scan.code)
    household: Household = row[0]
    if scan.version < household.card_version:
        raise BadInput("code.revoked", current=household.card_version)
    if scan.version > household.card_version:
        # Signed but newer than anything this kiosk knows: a card issued after the last
        # sync. Refuse rather than guess; the next sync brings the household up to date.
        raise BadInput("code.forged")
    return _on_register(household)


def _on_register(household: Household) -> Household:
    # A household that left the register keeps its rows, but neither card nor code works.
    if household.left_at is not None:
        raise Refused(
            "register.left",
            code=household.code,
            date=local_date(household.left_at).isoformat(),
            reason=household.left_reason or "",
        )
    return household


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
    lifted_on: date | None = None  # the day of the newest lift (records go newest first)
    for record in records:
        if record.action == "lift":
            lifted_on = lifted_on or record.starts_on
            continue
        if lifted_on is not None and record.starts_on <= lifted_on:
            continue
        if record.starts_on <= today <= record.ends_on:
            return FreezeStatus(until=record.ends_on, reason=record.reason, since=record.starts_on)
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


def list_households(session: Session, village_id: str | None = None) -> list[Household]:
    statement = select(Household).order_by(col(Household.code))
    if village_id is not None:
        statement = statement.where(Household.village_id == village_id)
    return list(session.exec(statement))
