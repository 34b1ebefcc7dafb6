"""What a village administrator's review pages show: the pending declarations of its village,
grouped by household, each with its rule, photos, the household's recent history and the risk
flags the review should look at before approving."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from kiosk.core.central_models import EvidencePhoto
from kiosk.core.clock import as_utc, from_db, local
from kiosk.core.declarations import DeclarationView, count_pending, list_pending
from kiosk.core.disputes import DisputeView, list_disputes
from kiosk.core.masking import mask_name
from kiosk.core.models import Declaration, Household, LedgerEntry, Operator
from kiosk.core.photos import similar
from kiosk.core.reference import ruleset_for
from rules.model import Rule

HELP_PAIR_WINDOW = timedelta(days=90)
HELP_PAIR_LIMIT = 3  # declarations between the same two households, either way, in the window
DAY_LIMIT = 3  # a household's declarations filed on one day
RECENT_ENTRIES = 5
# The queue shows the oldest declarations a page at a time: an administrator decides them in
# order, and the page stays quick (and light on a phone) however long the backlog grows.
QUEUE_PAGE = 20
# One-tap reasons: what administrators most often say; any other is typed.
REJECT_REASONS = (
    "reason.photo_unclear",
    "reason.photo_reused",
    "reason.not_this_rule",
    "reason.no_proof",
)


@dataclass
class ReviewItem:
    declaration: DeclarationView
    flags: list[tuple[str, dict[str, object]]] = field(default_factory=list)


@dataclass(frozen=True)
class RecentEntry:
    created_at: datetime
    rule_id: str | None
    kind: str
    points: int


def recent_entries(session: Session, household_id: str) -> list[RecentEntry]:
    """The household's last few entries, newest first (all kinds, any year)."""
    rows = session.exec(
        select(LedgerEntry)
        .where(LedgerEntry.household_id == household_id)
        .order_by(col(LedgerEntry.created_at).desc(), col(LedgerEntry.id))
        .limit(RECENT_ENTRIES)
    )
    return [RecentEntry(from_db(e.created_at), e.rule_id, e.kind, e.points) for e in rows]


@dataclass
class HouseholdGroup:
    code: str
    masked_head: str
    items: list[ReviewItem]
    recent: list[RecentEntry]
    rule_texts: dict[str, str]


def _village(operator: Operator) -> str | None:
    return operator.village_id  # None: a street administrator, every village


def _reused_photos(session: Session, pending: list[DeclarationView]) -> dict[str, list[str]]:
    """For each photo of a pending declaration, the other declarations anywhere in the street
    with the same picture: the same file, or one whose difference hash is a few bits apart."""
    names = {name for d in pending for name in d.evidence}
    if not names:
        return {}
    fingerprints = {p.name: int(p.dhash, 16) for p in session.exec(select(EvidencePhoto))}
    users: dict[str, set[str]] = {}
    for declaration_id, evidence in session.exec(select(Declaration.id, Declaration.evidence)):
        for name in evidence:
            users.setdefault(name, set()).add(declaration_id)
    found: dict[str, list[str]] = {}
    for declaration in pending:
        for name in declaration.evidence:
            others = set(users.get(name, set()))
            mine = fingerprints.get(name)
            if mine is not None:
                for other, print_ in fingerprints.items():
                    if other != name and similar(mine, print_):
                        others |= users.get(other, set())
            others.discard(declaration.id)
            if others:
                found.setdefault(declaration.id, []).extend(sorted(others))
    return found


def _flags(
    session: Session, pending: list[DeclarationView], now: datetime
) -> dict[str, list[tuple[str, dict[str, object]]]]:
    flags: dict[str, list[tuple[str, dict[str, object]]]] = {d.id: [] for d in pending}
    for declaration_id, others in _reused_photos(session, pending).items():
        flags[declaration_id].append(("flag.photo_reused", {"count": len(set(others))}))
    since = as_utc(now - HELP_PAIR_WINDOW)
    pairs: Counter[frozenset[str]] = Counter()
    for household_id, helper_id in session.exec(
        select(Declaration.household_id, Declaration.helper_household_id).where(
            col(Declaration.helper_household_id).is_not(None), Declaration.created_at >= since
        )
    ):
        if helper_id is not None:
            pairs[frozenset((household_id, helper_id))] += 1
    days: Counter[tuple[str, str]] = Counter()
    for declaration in pending:
        days[(declaration.household_code, local(declaration.created_at).date().isoformat())] += 1
    codes = {
        h.code: h.id
        for h in session.exec(
            select(Household).where(
                col(Household.code).in_(
                    {d.household_code for d in pending}
                    | {d.helper_code for d in pending if d.helper_code}
                )
            )
        )
    }
    for declaration in pending:
        if declaration.helper_code:
            pair = frozenset((codes[declaration.household_code], codes[declaration.helper_code]))
            if pairs[pair] >= HELP_PAIR_LIMIT:
                flags[declaration.id].append(
                    ("flag.help_pair", {"count": pairs[pair], "days": HELP_PAIR_WINDOW.days})
                )
        day = local(declaration.created_at).date().isoformat()
        if days[(declaration.household_code, day)] >= DAY_LIMIT:
            flags[declaration.id].append(
                ("flag.many_a_day", {"count": days[(declaration.household_code, day)]})
            )
    return flags


@dataclass
class Queue:
    groups: list[HouseholdGroup]
    waiting: int  # pending in all, beyond this page too


def review_queue(session: Session, operator: Operator, now: datetime) -> Queue:
    """The oldest pending declarations the administrator may decide (a page of them), by
    household; names masked (the administrator knows the village; the page may be seen over
    a shoulder)."""
    pending = list_pending(session, _village(operator), limit=QUEUE_PAGE)
    flags = _flags(session, pending, now)
    groups: dict[str, HouseholdGroup] = {}
    village_rules: dict[str, tuple[Rule, ...]] = {}
    for declaration in pending:
        group = groups.get(declaration.household_code)
        if group is None:
            household = session.exec(
                select(Household).where(Household.code == declaration.household_code)
            ).one()
            recent = recent_entries(session, household.id)
            if household.village_id not in village_rules:
                village_rules[household.village_id] = ruleset_for(
                    session, household.village_id, now
                ).rules
            rules = village_rules[household.village_id]
            group = groups[declaration.household_code] = HouseholdGroup(
                declaration.household_code,
                mask_name(household.head_name),
                [],
                recent,
                {rule.id: rule.behaviour for rule in rules},
            )
        group.items.append(ReviewItem(declaration, flags.get(declaration.id, [])))
    return Queue(list(groups.values()), count_pending(session, _village(operator)))


def open_disputes(session: Session, operator: Operator) -> list[DisputeView]:
    return list_disputes(session, _village(operator))
