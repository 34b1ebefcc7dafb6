"""What each household page shows, read through the domain's own functions (kiosk.core)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from kiosk.core.central_models import SyncKiosk
from kiosk.core.clock import from_db, local
from kiosk.core.declarations import (
    DeclarationView,
    check_declarable,
    declarations_of,
    get_declaration,
)
from kiosk.core.disputes import DISPUTABLE_KINDS, DisputeView, list_disputes
from kiosk.core.errors import BadInput
from kiosk.core.fulfilment.board import BoardRow
from kiosk.core.fulfilment.board import board as deadline_board
from kiosk.core.help_requests import (
    HelpRequestView,
    awaiting_confirmation,
    check_help_quota,
    filed_for_others,
)
from kiosk.core.households import HouseholdSummary, summarize
from kiosk.core.ledger import entry_views
from kiosk.core.models import Household, LedgerEntry, RedemptionOrder, Village
from kiosk.core.notice import HonoursView, Notice, Quarter, build_notice, village_honours
from kiosk.core.reference import ruleset_for
from rules.engine import points_year
from rules.model import Rule, RuleList


def last_village_sync(session: Session, village_id: str) -> datetime | None:
    """When the village's kiosks last finished a sync (the newest of them), as the central saw."""
    at = session.exec(
        select(func.max(SyncKiosk.last_sync_at)).where(
            SyncKiosk.village_id == village_id, col(SyncKiosk.revoked_at).is_(None)
        )
    ).one()
    return from_db(at) if at is not None else None


@dataclass(frozen=True)
class PointsPage:
    summary: HouseholdSummary
    as_of: datetime | None


def points_page(session: Session, household: Household, now: datetime) -> PointsPage:
    return PointsPage(
        summarize(session, household, now, with_entries=False),
        last_village_sync(session, household.village_id),
    )


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    rule: Rule | None  # the rule in plain words, when the entry is under one
    kind: str
    quantity: int | None
    points: int
    id: str = ""  # the entry, for an objection to it
    disputable: bool = False


def history_page(session: Session, household: Household, now: datetime) -> list[HistoryRow]:
    """The points year's entries, newest first, each with its rule as the rule set read it."""
    rows = []
    rule_sets: dict[str, dict[str, Rule]] = {}
    for entry in entry_views(session, household.id, points_year(now)):
        rule = None
        if entry.rule_id:
            day = local(entry.created_at).date().isoformat()
            if day not in rule_sets:
                found = ruleset_for(session, household.village_id, entry.created_at)
                rule_sets[day] = {r.id: r for r in found.rules}
            rule = rule_sets[day].get(entry.rule_id)
        rows.append(
            HistoryRow(
                entry.created_at,
                rule,
                entry.kind,
                entry.quantity,
                entry.points,
                entry.id,
                entry.kind in DISPUTABLE_KINDS,
            )
        )
    rows.reverse()
    return rows


def owed_page(session: Session, household: Household, now: datetime) -> list[BoardRow]:
    """The household's pending lines, soonest due first, with whether each is in stock.

    The board is asked once per exchange point the household ordered at (its readiness is
    worked out over that point's pending lines), not over the whole district's.
    """
    points = session.exec(
        select(RedemptionOrder.exchange_point_id)
        .where(RedemptionOrder.household_id == household.id)
        .distinct()
    ).all()
    rows = [
        row
        for point in points
        for row in deadline_board(session, now, household=household.code, exchange_point=point)
    ]
    rows.sort(key=lambda row: (row.line.due_at, row.order_number, row.line.line_no))
    return rows


@dataclass(frozen=True)
class NoticePage:
    notice: Notice
    honours: HonoursView


def notice_page(session: Session, household: Household, now: datetime) -> NoticePage:
    """The village's notice for the quarter so far (names masked) and the year's honours."""
    village = session.get(Village, household.village_id)
    assert village is not None
    return NoticePage(
        build_notice(session, village, Quarter.containing(now), now),
        village_honours(session, village, year=points_year(now)),
    )


class NoticeCache:
    """Each village's notice page, made at most once per `refresh` of the central's clock.

    The notice is the same for every household of a village and costs a pass over the
    village's entries (tens of ms for a few hundred households); it changes mostly with the
    nightly syncs, so a few minutes' lag is invisible while every phone of a village opening
    it after a village meeting costs one computation. Keyed by the clock's time slot, so a
    test's clock decides, never the wall clock. One per app: one database.
    """

    def __init__(self, refresh: timedelta = timedelta(minutes=5), size: int = 512) -> None:
        self.refresh = refresh
        self.size = size
        self._pages: dict[tuple[str, int], NoticePage] = {}
        self._lock = threading.Lock()

    def page(self, session: Session, household: Household, now: datetime) -> NoticePage:
        key = (household.village_id, int(now.timestamp() // self.refresh.total_seconds()))
        with self._lock:
            found = self._pages.get(key)
        if found is None:
            found = notice_page(session, household, now)
            with self._lock:
                if len(self._pages) >= self.size:
                    self._pages.clear()
                self._pages[key] = found
        return found


@dataclass(frozen=True)
class RuleGroup:
    category: str
    rules: list[Rule]


def rules_page(
    session: Session, household: Household, now: datetime
) -> dict[RuleList, list[RuleGroup]]:
    """The rule set in force for the household's village, as the engine reads it, by list and
    category in the set's own order."""
    found = ruleset_for(session, household.village_id, now)
    lists: dict[RuleList, list[RuleGroup]] = {kind: [] for kind in RuleList}
    for rule in found.rules:
        groups = lists[rule.list]
        if not groups or groups[-1].category != rule.category:
            groups.append(RuleGroup(rule.category, []))
        groups[-1].rules.append(rule)
    return lists


@dataclass(frozen=True)
class RequestsPage:
    declarations: list[DeclarationView]  # newest first
    disputes: list[DisputeView]  # oldest first
    to_confirm: list[HelpRequestView]  # neighbours' declarations for this household
    for_others: list[HelpRequestView]  # what it declared for neighbours
    rule_texts: dict[str, str]
    # The declarations its confirmed help requests became: the helper sees the review too.
    became: dict[str, DeclarationView]


def requests_page(session: Session, household: Household, now: datetime) -> RequestsPage:
    """What the household declared and disputed, each with where it stands and why, and the
    neighbours' declarations waiting for its confirmation."""
    rules = {
        rule.id: rule.behaviour for rule in ruleset_for(session, household.village_id, now).rules
    }
    for_others = filed_for_others(session, household.id)
    became = {
        asked.id: get_declaration(session, asked.declaration_id)
        for asked in for_others
        if asked.declaration_id
    }
    return RequestsPage(
        declarations_of(session, household.id),
        list_disputes(session, None, open_only=False, household_id=household.id),
        awaiting_confirmation(session, household.id),
        for_others,
        rules,
        became,
    )


# --- declaring from the phone ----------------------------------------------------------------


def declarable(rule: Rule) -> bool:
    return rule.list is RuleList.POSITIVE and rule.awardable_by_hand


def deed_groups(
    session: Session, household: Household, now: datetime, query: str
) -> list[RuleGroup]:
    """The positive list in force, by category, narrowed to the rules whose words contain the
    query (a GET form: searching needs no script)."""
    found = ruleset_for(session, household.village_id, now)
    groups: list[RuleGroup] = []
    for rule in found.rules:
        if not declarable(rule):
            continue
        words = f"{rule.category}{rule.matter}{rule.behaviour}{rule.id}"
        if query and query.lower() not in words.lower():
            continue
        if not groups or groups[-1].category != rule.category:
            groups.append(RuleGroup(rule.category, []))
        groups[-1].rules.append(rule)
    return groups


class FieldError(Exception):
    """A form field's problem, named by the field it is shown beside."""

    def __init__(self, field: str, key: str, **params: object) -> None:
        super().__init__(key)
        self.field, self.key, self.params = field, key, params


# Which field of the declaration form a domain refusal belongs beside.
FIELD_OF = {
    "declaration.description": "description",
    "rule.helper_self": "neighbour",
    "declaration.helper_village": "neighbour",
    "rule.not_participating": "neighbour",
    "help.too_many": "neighbour",
    "rule.quantity": "quantity",
}


def check_own(
    session: Session,
    household: Household,
    rule_id: str,
    quantity: int,
    description: str,
    has_photos: bool,
    *,
    now: datetime,
) -> None:
    """A household's own declaration, checked before its photos are stored."""
    check_declarable(
        session,
        household=household,
        rule_id=rule_id,
        quantity=quantity,
        description=description,
        now=now,
    )
    if not has_photos:
        raise BadInput("evidence.required")


def check_for_neighbour(
    session: Session,
    helper: Household,
    neighbour: Household,
    rule_id: str,
    quantity: int,
    description: str,
    *,
    now: datetime,
) -> None:
    check_help_quota(session, helper, now)
    check_declarable(
        session,
        household=neighbour,
        rule_id=rule_id,
        quantity=quantity,
        description=description,
        now=now,
        helper=helper,
    )


@dataclass(frozen=True)
class ObjectionEntry:
    id: str
    at: datetime
    points: int
    rule: Rule | None
    disputable: bool


def objection_entry(session: Session, household: Household, entry: LedgerEntry) -> ObjectionEntry:
    at = from_db(entry.created_at)
    rule = None
    if entry.rule_id:
        rule = ruleset_for(session, household.village_id, at).get(entry.rule_id)
    return ObjectionEntry(entry.id, at, entry.points, rule, entry.kind in DISPUTABLE_KINDS)
