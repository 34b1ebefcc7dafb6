"""Awarding and deducting points from the two lists, and redemption freezes (negative item 9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from kiosk.core.clock import as_utc, local, local_date
from kiosk.core.errors import BadInput, Refused
from kiosk.core.households import freeze_status
from kiosk.core.ids import new_id
from kiosk.core.ledger import (
    EntryView,
    append_entry,
    history_for_rules,
    local_origin,
    next_origin_seq,
)
from kiosk.core.models import Freeze, Household, Operator, Role
from kiosk.core.periods import earnings
from kiosk.core.reference import require_role, require_village, rule_for
from rules.engine import (
    DraftEntry,
    RuleRefusal,
    eligibility_window,
    helper_entry,
    is_above_average,
    points_year,
    price_award,
)
from rules.model import Eligibility, Rule, RuleSet

AWARDING_ROLES = (Role.VILLAGE_ADMIN, Role.STREET_ADMIN)


@dataclass(frozen=True)
class AwardResult:
    entries: list[EntryView]
    household_code: str
    helper_code: str | None
    rule_id: str
    rule_version: str


def _refused(refusal: RuleRefusal) -> Refused:
    return Refused(refusal.key, **refusal.params)


@dataclass(frozen=True)
class AwardPlan:
    """The entries an award would write, priced once every check has passed."""

    rule: Rule
    ruleset: RuleSet
    draft: DraftEntry
    helper_draft: DraftEntry | None


def plan_award(
    session: Session,
    *,
    household: Household,
    rule_id: str,
    quantity: int,
    operator: Operator,
    now: datetime,
    helper: Household | None = None,
) -> AwardPlan:
    """Every check `award` makes, and its pricing, without writing: what a preview shows.

    `award` calls this itself, so a preview can never pass what the award then refuses.
    """
    require_role(operator, *AWARDING_ROLES)
    require_village(operator, household.village_id)
    if not household.takes_part:
        raise Refused("rule.not_participating")
    rule, ruleset = rule_for(session, household.village_id, rule_id, now)
    year = points_year(now)
    try:
        draft = price_award(rule, quantity, history_for_rules(session, household.id, year), now)
        helper_draft = helper_entry(draft, rule) if helper is not None else None
    except RuleRefusal as refusal:
        raise _refused(refusal) from None
    if helper is not None:
        if helper.id == household.id:
            raise BadInput("rule.helper_self")
        if not helper.takes_part:
            raise Refused("rule.not_participating")
        # The helper's equal award counts in its own village's rankings, and a village's
        # kiosks hold only their own households: a helper is a neighbour of the same village.
        if helper.village_id != household.village_id:
            raise Refused("declaration.helper_village")
    if rule.eligibility is Eligibility.ABOVE_VILLAGE_AVERAGE:
        _check_above_average(session, household, now)
    return AwardPlan(rule, ruleset, draft, helper_draft)


def _check_above_average(session: Session, household: Household, now: datetime) -> None:
    """The seed: 参加"最美庭院"...等评比的必须是累计获得积分高于平均分的农户."""
    start, end = eligibility_window(now)
    earned = earnings(session, household.village_id, start=start, end=end)
    if not is_above_average(household.id, earned):
        average = sum(earned.values()) / len(earned) if earned else 0.0
        raise Refused(
            "rule.below_average",
            earned=earned.get(household.id, 0),
            average=f"{average:.1f}",
            since=f"{local(start):%Y-%m-%d}",
        )


def award(
    session: Session,
    *,
    household: Household,
    rule_id: str,
    quantity: int,
    operator: Operator,
    now: datetime,
    helper: Household | None = None,
    note: str | None = None,
) -> AwardResult:
    """Write the entries of one award or deduction (and the helper's equal award, together).

    Refusals (unknown rule, month cap, bad quantity...) raise before anything is written.
    """
    plan = plan_award(
        session,
        household=household,
        rule_id=rule_id,
        quantity=quantity,
        operator=operator,
        now=now,
        helper=helper,
    )
    rule, ruleset, draft, helper_draft = plan.rule, plan.ruleset, plan.draft, plan.helper_draft

    origin = local_origin(session)
    group_id = new_id() if helper is not None else None
    common: dict[str, Any] = {
        "rule_id": rule.id,
        "rule_version": ruleset.key,
        "operator_id": operator.id,
    }
    written = [
        append_entry(
            session,
            household_id=household.id,
            points=draft.points,
            kind=draft.kind,
            at=now,
            origin=origin,
            quantity=draft.quantity,
            remainder=draft.remainder or None,
            group_id=group_id,
            note=note or draft.note or None,
            **common,
        )
    ]
    if helper is not None and helper_draft is not None:
        written.append(
            append_entry(
                session,
                household_id=helper.id,
                points=helper_draft.points,
                kind=helper_draft.kind,
                at=now,
                origin=origin,
                quantity=helper_draft.quantity,
                group_id=group_id,
                helper_for_id=household.id,
                note=helper_draft.note,
                **common,
            )
        )
    session.flush()
    return AwardResult(
        entries=[EntryView.of(entry) for entry in written],
        household_code=household.code,
        helper_code=helper.code if helper else None,
        rule_id=rule.id,
        rule_version=ruleset.key,
    )


def freeze(
    session: Session,
    *,
    household: Household,
    until: date,
    reason: str,
    operator: Operator,
    now: datetime,
    starts_on: date | None = None,
) -> Freeze:
    """Stop a household redeeming (it still earns) from `starts_on` (today) to `until`."""
    require_role(operator, *AWARDING_ROLES)
    require_village(operator, household.village_id)
    starts = starts_on or local_date(now)
    if until < starts:
        raise BadInput("freeze.range")
    if not reason.strip():
        raise BadInput("freeze.reason")
    return _freeze_record(
        session, household, "freeze", starts, until, reason.strip(), operator, now
    )


def lift_freeze(
    session: Session, *, household: Household, reason: str, operator: Operator, now: datetime
) -> Freeze | None:
    """End the freeze in force today; None when there is none to lift."""
    require_role(operator, *AWARDING_ROLES)
    require_village(operator, household.village_id)
    today = local_date(now)
    if freeze_status(session, household.id, today) is None:
        return None
    if not reason.strip():
        raise BadInput("freeze.reason")
    return _freeze_record(session, household, "lift", today, today, reason.strip(), operator, now)


def _freeze_record(
    session: Session,
    household: Household,
    action: str,
    starts: date,
    ends: date,
    reason: str,
    operator: Operator,
    now: datetime,
) -> Freeze:
    origin = local_origin(session)
    record = Freeze(
        id=new_id(),
        household_id=household.id,
        action=action,
        starts_on=starts,
        ends_on=ends,
        reason=reason,
        operator_id=operator.id,
        created_at=as_utc(now),
        origin=origin,
        origin_seq=next_origin_seq(session, origin),
    )
    session.add(record)
    session.flush()
    return record
