"""What a proposed rule set changes, for whom and from which day: each rule added, removed or
repriced against the set each village would otherwise have in force on the proposal's date,
so the street office approves a change it has read rather than a file it has not.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from kiosk.core.central_models import RuleSetProposal
from kiosk.core.errors import NotFound
from kiosk.core.models import RuleSetRecord, Village
from rules.loader import parse_ruleset, ruleset_in_force
from rules.model import Rule, RuleSet

# Fields of a rule whose change a reader must see besides its points; the words of the
# lists (category, matter) are shown with the rule, not as changes.
_COMPARED = tuple(
    f.name for f in dataclasses.fields(Rule) if f.name not in ("id", "points", "category")
)


@dataclass(frozen=True)
class RuleChange:
    """One rule as the proposal changes it: added, removed or changed (points or terms)."""

    rule_id: str
    kind: str  # "added", "removed" or "changed"
    list: str  # "positive" or "negative"
    text: str  # what the rule is about (its 行为), as the lists say it
    before: int | None  # its points under the set it replaces; None if added
    after: int | None  # its points under the proposal; None if removed
    fields: tuple[str, ...] = ()  # other terms that change (cadence, per, unit, warnings...)


@dataclass(frozen=True)
class Audience:
    """Villages for whom the proposal makes the same changes from the same day."""

    village_ids: tuple[str, ...]
    village_names: tuple[str, ...]
    replaces: str  # the set in force for them on that day without the proposal
    effective_from: date
    until: date | None  # the day a later approved set takes over, if one is dated later
    changes: tuple[RuleChange, ...]


@dataclass(frozen=True)
class ProposalChanges:
    proposal_id: str
    set_key: str
    scope_village_id: str | None
    effective_from: date
    proposed_by: str
    approved_by: str | None
    audiences: tuple[Audience, ...]  # empty: the proposal replaces no village's set


def compare_rulesets(old: RuleSet, new: RuleSet) -> list[RuleChange]:
    """The rules that differ between two sets, in the order of the lists (new set first)."""
    changes: list[RuleChange] = []
    for rule in new.rules:
        before = old.get(rule.id)
        if before is None:
            changes.append(
                RuleChange(rule.id, "added", str(rule.list), rule.behaviour, None, rule.points)
            )
            continue
        fields = tuple(name for name in _COMPARED if getattr(before, name) != getattr(rule, name))
        if fields or before.points != rule.points:
            changes.append(
                RuleChange(
                    rule.id,
                    "changed",
                    str(rule.list),
                    rule.behaviour,
                    before.points,
                    rule.points,
                    fields,
                )
            )
    kept = {rule.id for rule in new.rules}
    for rule in old.rules:
        if rule.id not in kept:
            changes.append(
                RuleChange(rule.id, "removed", str(rule.list), rule.behaviour, rule.points, None)
            )
    return changes


def proposal_changes(session: Session, proposal_id: str) -> ProposalChanges:
    """What approving the proposal would change, village by village, grouped by the same
    changes: a village proposal its own village; a street revision every village whose set
    in force on that day it would replace (a village whose own set is dated the same day keeps
    it, as `ruleset_in_force` decides)."""
    proposal = session.get(RuleSetProposal, proposal_id)
    if proposal is None:
        raise NotFound("ruleset.unknown", id=proposal_id[:64])
    proposed = parse_ruleset(proposal.body)
    records = [
        parse_ruleset(record.body)
        for record in session.scalars(select(RuleSetRecord))
        if record.id != proposal.record_id  # an approved proposal is compared as before it
    ]
    villages = list(session.scalars(select(Village).order_by(col(Village.id))))
    if proposal.scope_village_id is not None:
        villages = [v for v in villages if v.id == proposal.scope_village_id]
    day = proposal.effective_from
    groups: dict[tuple[str, date | None, tuple[RuleChange, ...]], list[Village]] = {}
    for village in villages:
        current = ruleset_in_force(records, village.id, day)
        if ruleset_in_force([*records, proposed], village.id, day) is not proposed:
            continue
        later = [
            r.effective_from
            for r in records
            if r.effective_from > day and r.scope_village in (None, village.id)
        ]
        key = (current.key, min(later, default=None), tuple(compare_rulesets(current, proposed)))
        groups.setdefault(key, []).append(village)
    audiences = tuple(
        Audience(
            village_ids=tuple(v.id for v in members),
            village_names=tuple(v.name for v in members),
            replaces=replaces,
            effective_from=day,
            until=until,
            changes=changes,
        )
        for (replaces, until, changes), members in groups.items()
    )
    return ProposalChanges(
        proposal_id=proposal.id,
        set_key=f"{proposal.set_id}@{proposal.version}",
        scope_village_id=proposal.scope_village_id,
        effective_from=day,
        proposed_by=proposal.proposed_by,
        approved_by=proposal.approved_by,
        audiences=audiences,
    )
