"""Finding a household and what a screen shows of it: search by code, name or pinyin, the view.

The app's home screen and household screen call these through `CounterService`; the
search's pinyin index of a village is built once per `HouseholdFinder` and kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from kiosk.core.codes import ShortCodeScan, parse_scan
from kiosk.core.errors import BadInput
from kiosk.core.fulfilment import LineStatus, order_report
from kiosk.core.households import HouseholdSummary, summarize
from kiosk.core.masking import mask_name
from kiosk.core.models import Household, Village
from kiosk.core.reference import ruleset_for

RECENT_ENTRIES = 8
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class EntryRow:
    at: datetime
    kind: str
    points: int
    what: str  # the rule's number and whole text, or the receipt number of a redemption


@dataclass(frozen=True)
class OpenLine:
    order_number: str
    name: str
    qty: int
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class HouseholdView:
    """Everything the household screen shows; the name is masked unless asked for."""

    id: str
    code: str
    head: str
    village_id: str
    village: str
    group: str
    balance: int
    points_year: int
    frozen_until: date | None
    frozen_reason: str | None
    takes_part: bool
    entries: list[EntryRow]
    open_lines: list[OpenLine]

    @property
    def masked_head(self) -> str:
        return mask_name(self.head)


@dataclass(frozen=True)
class HouseholdHit:
    code: str
    masked_head: str
    village: str
    group: str


def open_lines(session: Session, household_code: str, now: datetime) -> list[OpenLine]:
    """Lines redeemed and still owed (pending as the fulfilment rules say it), due first."""
    records = order_report(session, now, status=LineStatus.PENDING, household=household_code)
    found = [
        OpenLine(record.number, line.name, line.qty, line.due_at, line.status == LineStatus.OVERDUE)
        for record in records
        for line in record.lines
        if line.open
    ]
    return sorted(found, key=lambda line: (line.due_at, line.order_number))


def household_view(session: Session, household: Household, now: datetime) -> HouseholdView:
    """The household as its screen shows it at `now`: balance, freeze, recent entries, owed."""
    return view_of_summary(session, summarize(session, household, now), now)


def view_of_summary(session: Session, summary: HouseholdSummary, now: datetime) -> HouseholdView:
    """`household_view` of a household already summarised (`kiosk.core.households.look_up`)."""
    ruleset = ruleset_for(session, summary.village_id, now)
    entries: list[EntryRow] = []
    for entry in reversed(summary.entries[-RECENT_ENTRIES:]):
        rule = ruleset.get(entry.rule_id) if entry.rule_id else None
        # Whole: the screen cuts it to the width it has, with an ellipsis.
        what = f"{rule.id} {rule.text}" if rule else (entry.note or entry.rule_id or "")
        entries.append(EntryRow(entry.created_at, entry.kind, entry.points, what))
    return HouseholdView(
        id=summary.id,
        code=summary.code,
        head=summary.head,
        village_id=summary.village_id,
        village=summary.village,
        group=summary.group,
        balance=summary.balance,
        points_year=summary.points_year,
        frozen_until=summary.frozen.until if summary.frozen else None,
        frozen_reason=summary.frozen.reason if summary.frozen else None,
        takes_part=summary.takes_part,
        entries=entries,
        open_lines=open_lines(session, summary.code, now),
    )


class HouseholdFinder:
    """Household search; keeps each village's households once their pinyin is worked out."""

    def __init__(self) -> None:
        self._village_index: dict[str, list[Household]] = {}

    def find(
        self, session: Session, query: str, village_id: str | None, *, within: str | None = None
    ) -> list[HouseholdHit]:
        """By short code, by a part of the head's name, or by the pinyin of it.

        Pinyin is matched within one village (a kiosk's own), so the index stays small;
        names and codes are looked up across the street, unless `within` names the one
        village whose households the operator may serve (then every hit is of it).
        """
        needle = query.strip()
        if not needle:
            return []
        if within is not None:
            village_id = within
        villages = {v.id: v.name for v in session.exec(select(Village))}

        def scoped(statement: SelectOfScalar[Household]) -> SelectOfScalar[Household]:
            if within is None:
                return statement
            return statement.where(Household.village_id == within)

        try:
            if isinstance(parse_scan(needle), ShortCodeScan):
                found = session.exec(
                    scoped(select(Household).where(Household.code == needle.upper()))
                ).all()
                return [_hit(h, villages) for h in found]
        except BadInput:
            pass
        if not needle.isascii():
            statement = scoped(select(Household).where(col(Household.head_name).contains(needle)))
            if village_id:
                statement = statement.order_by(
                    (col(Household.village_id) != village_id), col(Household.code)
                )
            found = session.exec(statement.limit(SEARCH_LIMIT)).all()
            return [_hit(h, villages) for h in found]
        if needle.isalnum() and not needle.isalpha():
            # The start of a short code (hp00...): codes are unique and indexed.
            found = session.exec(
                scoped(select(Household).where(col(Household.code).startswith(needle.upper())))
                .order_by(col(Household.code))
                .limit(SEARCH_LIMIT)
            ).all()
            return [_hit(h, villages) for h in found]
        if not village_id or not needle.isalpha():
            return []
        from catalog.search import pinyin_match

        # Pinyin whole or by initials (li, lin, lxh, linxiaohe): names whose pinyin it spells
        # from the start first, then those it spells from a later character.
        spelled = [
            (start, h)
            for h in self._village_households(session, village_id)
            if (start := pinyin_match(needle, h.head_name)) is not None
        ]
        starts = [h for start, h in spelled if start == 0]
        later = [h for start, h in spelled if start > 0]
        return [_hit(h, villages) for h in (starts + later)[:SEARCH_LIMIT]]

    def _village_households(self, session: Session, village_id: str) -> list[Household]:
        # pinyin's dictionaries load slowly: only when pinyin is first searched.
        from catalog.search import pinyin_syllables

        if village_id not in self._village_index:
            households = session.exec(
                select(Household)
                .where(Household.village_id == village_id)
                .order_by(col(Household.code))
            ).all()
            for household in households:
                pinyin_syllables(household.head_name)  # worked out once, kept
            self._village_index[village_id] = list(households)
        return self._village_index[village_id]


def _hit(household: Household, villages: dict[str, str]) -> HouseholdHit:
    return HouseholdHit(
        household.code,
        mask_name(household.head_name),
        villages.get(household.village_id, household.village_id),
        household.group_name,
    )
