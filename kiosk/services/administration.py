"""What the administration screens do (awards, declarations, disputes, freezes, the notice).

`Administration` opens one session per call and calls the domain's service functions, so the
screens, the `kiosk` command and the central share one path per action; the app calls it
from thread workers, never on the UI thread. Rule search is pure and lives here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from kiosk.core.awards import AWARDING_ROLES, award, freeze, lift_freeze, plan_award
from kiosk.core.cards import household_from_codes
from kiosk.core.clock import local, local_date
from kiosk.core.db import read_session, write_session
from kiosk.core.declarations import (
    DeclarationView,
    approve,
    file_declaration,
    list_pending,
    reject,
)
from kiosk.core.disputes import (
    DisputeView,
    list_disputes,
    raise_dispute,
    resolve_correct,
    resolve_uphold,
)
from kiosk.core.errors import BadInput, DomainError
from kiosk.core.households import freeze_status, resolve_household
from kiosk.core.ledger import EntryView, balance, entries_of
from kiosk.core.masking import mask_name
from kiosk.core.models import Household, Operator, Village
from kiosk.core.notice import (
    FrozenHousehold,
    HonoursView,
    Notice,
    Quarter,
    build_notice,
    frozen_households,
    village_honours,
)
from kiosk.core.reference import (
    operator_by_id,
    require_role,
    require_village,
    ruleset_for,
    village_by_name,
)
from rules.engine import points_year
from rules.model import Rule

# The four 大类 of the lists, in the document's order; the award screen groups rules so.
CATEGORIES = ("平安建设", "道德建设", "美丽建设", "激励引导")
_WORD_BREAKS = r"[\s，：、,:（）()]+"


@dataclass(frozen=True)
class AdminHousehold:
    id: str
    code: str
    masked_head: str
    village_id: str
    group: str
    balance: int
    frozen_until: date | None
    takes_part: bool


@dataclass(frozen=True)
class RuleChoice:
    id: str
    category: str
    list: str  # positive / negative
    label: str  # what the operator reads: the rule's number and words
    short_name: str  # what pinyin initials are matched against
    points: int
    takes_quantity: bool
    unit: str | None


@dataclass(frozen=True)
class AwardPreview:
    """What confirming would write, or why it would be refused (`refusal`)."""

    points: int = 0
    kind: str = ""
    note: str = ""
    helper_points: int | None = None
    refusal: DomainError | None = None


@dataclass(frozen=True)
class NoticeBoard:
    notice: Notice
    month: HonoursView
    year: HonoursView


def _awarding_operator(session: Session, operator_id: str) -> Operator:
    operator = operator_by_id(session, operator_id)
    require_role(operator, *AWARDING_ROLES)
    return operator


def _household(session: Session, household_id: str) -> Household:
    household = session.get(Household, household_id)
    if household is None:
        raise BadInput("code.unknown", code=household_id)
    return household


def _award_arguments(
    session: Session,
    household_id: str,
    rule_id: str,
    quantity: int,
    helper_id: str | None,
    operator_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The one set of arguments the preview (`plan_award`) and the award (`award`) both get."""
    return {
        "household": _household(session, household_id),
        "rule_id": rule_id,
        "quantity": quantity,
        "operator": operator_by_id(session, operator_id),
        "now": now,
        "helper": _household(session, helper_id) if helper_id else None,
    }


def _admin_household(session: Session, household: Household, now: datetime) -> AdminHousehold:
    frozen = freeze_status(session, household.id, local_date(now))
    return AdminHousehold(
        id=household.id,
        code=household.code,
        masked_head=mask_name(household.head_name),
        village_id=household.village_id,
        group=household.group_name,
        balance=balance(session, household.id, points_year(now)),
        frozen_until=frozen.until if frozen else None,
        takes_part=household.takes_part,
    )


class Administration:
    """The database and the clock an administrator's screens work with."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    # --- households ---

    def find_household(self, raw: str, operator_id: str) -> AdminHousehold:
        """A household the operator may act for, from a typed code or a scanned card."""
        now = self.clock()
        with read_session(self.engine) as session:
            operator = _awarding_operator(session, operator_id)
            household = resolve_household(session, raw)
            require_village(operator, household.village_id)
            return _admin_household(session, household, now)

    def household_from_photo(self, photo: Path, operator_id: str) -> AdminHousehold:
        """The household whose card is in a photo (a villager's phone picture, a screenshot)."""
        from kiosk.printables.scan_image import decode_codes

        try:
            texts = decode_codes(photo)
        except ValueError:
            raise BadInput("scan.unreadable", path=str(photo)) from None
        with read_session(self.engine) as session:
            household = household_from_codes(session, texts)
        return self.find_household(household.code, operator_id)

    # --- awards ---

    def rule_choices(self, village_id: str) -> list[RuleChoice]:
        """The rules an administrator awards by hand (no bonuses, no freezes), in list order."""
        with read_session(self.engine) as session:
            ruleset = ruleset_for(session, village_id, self.clock())
        return [rule_choice(rule) for rule in ruleset.rules if rule.awardable_by_hand]

    def preview_award(
        self,
        *,
        household_id: str,
        rule_id: str,
        quantity: int,
        helper_id: str | None,
        operator_id: str,
    ) -> AwardPreview:
        """What `award` would write now, through the same checks (`plan_award`), writing
        nothing; a refusal comes back as a value to show."""
        now = self.clock()
        try:
            with read_session(self.engine) as session:
                plan = plan_award(
                    session,
                    **_award_arguments(
                        session, household_id, rule_id, quantity, helper_id, operator_id, now
                    ),
                )
        except DomainError as error:
            return AwardPreview(refusal=error)
        return AwardPreview(
            points=plan.draft.points,
            kind=plan.draft.kind,
            note=plan.draft.note,
            helper_points=plan.helper_draft.points if plan.helper_draft else None,
        )

    def confirm_award(
        self,
        *,
        household_id: str,
        rule_id: str,
        quantity: int,
        helper_id: str | None,
        operator_id: str,
    ) -> list[EntryView]:
        """award() itself: the one path for awards, deductions, warnings and helper awards."""
        now = self.clock()
        with write_session(self.engine) as session:
            result = award(
                session,
                **_award_arguments(
                    session, household_id, rule_id, quantity, helper_id, operator_id, now
                ),
            )
        return result.entries

    # --- declarations ---

    def pending_declarations(self, village_id: str | None) -> list[DeclarationView]:
        with read_session(self.engine) as session:
            return list_pending(session, village_id)

    def file_declaration(
        self,
        *,
        household_id: str,
        rule_id: str,
        quantity: int,
        description: str,
        helper_id: str | None,
        photos: list[Path],
        evidence_dir: Path,
        operator_id: str | None = None,
    ) -> DeclarationView:
        """File it for the household; the filing administrator may then not decide it."""
        if not rule_id:
            raise BadInput("rule.unknown", rule="")
        now = self.clock()
        with write_session(self.engine) as session:
            return file_declaration(
                session,
                household=_household(session, household_id),
                rule_id=rule_id,
                quantity=quantity,
                description=description,
                now=now,
                helper=_household(session, helper_id) if helper_id else None,
                photos=photos,
                evidence_dir=evidence_dir,
                filed_by=operator_by_id(session, operator_id) if operator_id else None,
            )

    def decide_declaration(
        self, ref: str, operator_id: str, *, reason: str | None = None
    ) -> DeclarationView:
        """Approve (reason None) or reject with the reason."""
        now = self.clock()
        with write_session(self.engine) as session:
            operator = operator_by_id(session, operator_id)
            if reason is None:
                return approve(session, ref=ref, operator=operator, now=now)
            return reject(session, ref=ref, reason=reason, operator=operator, now=now)

    # --- disputes ---

    def disputes(self, village_id: str | None, *, open_only: bool) -> list[DisputeView]:
        with read_session(self.engine) as session:
            return list_disputes(session, village_id, open_only=open_only)

    def household_entries(self, household_id: str) -> list[EntryView]:
        """This year's entries a villager may dispute, newest first."""
        now = self.clock()
        with read_session(self.engine) as session:
            found = entries_of(session, household_id, points_year(now))
        return [EntryView.of(entry) for entry in reversed(found)]

    def record_dispute(
        self, entry_id: str, raised_by: str, description: str, operator_id: str | None = None
    ) -> DisputeView:
        """Record it; the recording administrator may then not decide it."""
        now = self.clock()
        with write_session(self.engine) as session:
            return raise_dispute(
                session,
                entry_ref=entry_id,
                raised_by=raised_by,
                description=description,
                now=now,
                recorded_by=operator_by_id(session, operator_id) if operator_id else None,
            )

    def decide_dispute(
        self, ref: str, operator_id: str, *, note: str, correct: bool
    ) -> DisputeView:
        now = self.clock()
        resolve = resolve_correct if correct else resolve_uphold
        with write_session(self.engine) as session:
            operator = operator_by_id(session, operator_id)
            return resolve(session, ref=ref, note=note, operator=operator, now=now)

    # --- freezes ---

    def frozen(self, village_id: str | None) -> list[FrozenHousehold]:
        with read_session(self.engine) as session:
            return frozen_households(session, local_date(self.clock()), village_id)

    def set_freeze(self, household_id: str, until: date, reason: str, operator_id: str) -> None:
        now = self.clock()
        with write_session(self.engine) as session:
            freeze(
                session,
                household=_household(session, household_id),
                until=until,
                reason=reason,
                operator=operator_by_id(session, operator_id),
                now=now,
            )

    def lift(self, code: str, reason: str, operator_id: str) -> bool:
        """Lift the freeze in force; False when there was none."""
        now = self.clock()
        with write_session(self.engine) as session:
            household = resolve_household(session, code)
            record = lift_freeze(
                session,
                household=household,
                reason=reason,
                operator=operator_by_id(session, operator_id),
                now=now,
            )
        return record is not None

    # --- notice and honours ---

    def notice_board(self, village: str, quarter: Quarter) -> NoticeBoard:
        """The quarter's notice and the honours of the current month and year of that village."""
        now = self.clock()
        with read_session(self.engine) as session:
            found = village_by_name(session, village)
            notice = build_notice(session, found, quarter, now)
            if now < quarter.end:
                moment = local(now)
                year, month = moment.year, moment.month
            else:
                # A past quarter: the honours of its last month.
                year, month = quarter.year, quarter.number * 3
            return NoticeBoard(
                notice=notice,
                month=village_honours(session, found, year=year, month=month),
                year=village_honours(session, found, year=quarter.year),
            )

    def village_name(self, village_id: str | None) -> str:
        """The name of `village_id`, else of the first village (a street-wide screen opens
        on one)."""
        with read_session(self.engine) as session:
            found = session.get(Village, village_id) if village_id else None
            if found is None:
                found = session.exec(select(Village).order_by(col(Village.id))).first()
            return found.name if found else ""


# --- rule search (pure) ----------------------------------------------------------------------


def rule_choice(rule: Rule) -> RuleChoice:
    """A rule as the award screen lists it and searches it."""
    text = rule.text if rule.text.startswith(rule.behaviour) else f"{rule.behaviour}：{rule.text}"
    # Initials of a whole paragraph match almost any two letters; the behaviour, the material
    # and the text's first clause are what people call a rule (清洁卫生, 烟盒, 垃圾分类不清).
    first_clause = re.split(r"[，：,:（(]", rule.text, maxsplit=1)[0]
    return RuleChoice(
        id=rule.id,
        category=rule.category,
        list=str(rule.list),
        label=f"{rule.id} {text}",
        short_name=f"{rule.id} {rule.behaviour} {rule.material or ''} {first_clause}",
        points=rule.points,
        takes_quantity=rule.takes_quantity,
        unit=rule.unit,
    )


def _initials_match(needle: str, choice: RuleChoice) -> bool:
    """The rule's number, or the pinyin initials of one of its name's words: a prefix of
    them, or anywhere in them for three letters or more (two letters occur everywhere)."""
    from catalog.search import pinyin_initials

    if choice.id.lower().startswith(needle):
        return True
    words = [pinyin_initials(word) for word in re.split(_WORD_BREAKS, choice.short_name) if word]
    if any(word.startswith(needle) for word in words):
        return True
    return len(needle) >= 3 and any(needle in word for word in words)


def search_rules(query: str, choices: list[RuleChoice]) -> list[RuleChoice]:
    """By the rule's number, its Chinese words anywhere, or the pinyin initials of its name;
    grouped by 大类 in list order."""
    needle = query.strip()
    if not needle:
        found = choices
    elif needle.isascii():
        found = [c for c in choices if _initials_match(needle.lower(), c)]
    else:
        found = [c for c in choices if needle in c.label]
    rank = {category: index for index, category in enumerate(CATEGORIES)}
    position = {choice.id: index for index, choice in enumerate(choices)}
    return sorted(found, key=lambda c: (rank.get(c.category, 99), position[c.id]))
