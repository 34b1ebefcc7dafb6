"""The monthly village evaluation (村级评议红榜 / 黑榜): which households a village put on its
garbage-sorting red or black list for a month, and the points the lists carry.

The seed pays positive item 4 for 进入村级评议红榜 and deducts negative item 12 for
连续两次及以上村级垃圾分类黑榜. Both are rules of cadence "evaluation": nobody awards them by
hand, they follow from this record. The record itself lives in the ledger, one entry per
household and month, so it travels with the nightly sync like every other entry:
- a household on the red list gets the red rule's award (its record);
- a household on the black list gets a 0-point warning of the black rule (its record), and,
  when it was also on the black list the month before (`consecutive` months in a row), the
  rule's deduction as an entry of its own.
Every id derives from the household, the month and the rule, so entering a month twice, or
on two kiosks, writes each entry once. A month entered out of order settles the month after
it too. A recorded standing is changed only by a dispute: correcting the record entry takes
the household off the list (and a later month no longer counts it as consecutive).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, select

from kiosk.core.awards import AWARDING_ROLES
from kiosk.core.errors import BadInput, Refused
from kiosk.core.ids import derived_id
from kiosk.core.ledger import append_entry, local_origin
from kiosk.core.models import EntryKind, Household, LedgerEntry, Operator, Village
from kiosk.core.reference import require_role, require_village, ruleset_for
from rules.engine import month_key, start_of_month, start_of_next_month
from rules.model import Rule, RuleList, RuleSet, Standing

STANDING_LABELS = {Standing.RED: "红榜", Standing.BLACK: "黑榜"}


@dataclass(frozen=True)
class EvaluationEntry:
    household_code: str
    standing: str
    rule_id: str
    points: int
    kind: str
    entry_id: str
    written: bool  # False when an earlier entry of the month had already written it


@dataclass(frozen=True)
class EvaluationView:
    """A village's lists for one month as recorded, and the entries they wrote."""

    village: str
    month: str  # "2027-03"
    red: list[str]  # household codes
    black: list[str]
    entries: list[EvaluationEntry]

    def as_json(self) -> dict[str, object]:
        return {
            "village": self.village,
            "month": self.month,
            "red": self.red,
            "black": self.black,
            "entries": [entry.__dict__ for entry in self.entries],
        }


def _month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _previous(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _record_rule(ruleset: RuleSet, standing: Standing) -> Rule:
    """The rule whose entry records a household's place on `standing`: the one that pays
    from the first month if there is one, else the first that needs months in a row."""
    rules = sorted(ruleset.evaluation_rules(standing), key=lambda rule: rule.consecutive)
    if not rules:
        raise Refused("evaluation.no_rule", standing=STANDING_LABELS[standing])
    return rules[0]


def record_id(household_id: str, year: int, month: int, standing: Standing) -> str:
    return derived_id("evaluation", household_id, _month_text(year, month), standing.value)


def rule_entry_id(household_id: str, year: int, month: int, rule_id: str) -> str:
    return derived_id("evaluation", household_id, _month_text(year, month), "rule", rule_id)


@dataclass(frozen=True)
class EvaluationShape:
    """What an evaluation entry under a given id must be: the month it is for, its kind and
    points, and the record ids of the earlier months the run it pays for stands on."""

    year: int
    month: int
    kind: str
    points: int
    earlier_records: tuple[str, ...]


def evaluation_shape(
    ruleset: RuleSet, rule: Rule, entry_id: str, household_id: str, at: datetime
) -> EvaluationShape | None:
    """The entry `record_evaluation` writes at `at` under `entry_id` for `rule`, told from the
    derived id (the month of `at` or the one before, the only months that can be entered
    then), or None when no evaluation writes that id: what the central needs to admit a
    kiosk's evaluation entries without trusting its points."""
    if rule.standing is None:
        return None
    standing = rule.standing
    record_rule = _record_rule(ruleset, standing)
    paying = EntryKind.AWARD if rule.list is RuleList.POSITIVE else EntryKind.DEDUCTION
    is_record = rule.id == record_rule.id
    year, month = month_key(at)
    for candidate in ((year, month), _previous(year, month)):
        if is_record and entry_id == record_id(household_id, *candidate, standing):
            if rule.consecutive > 1:  # no rule pays the first month: a 0-point warning
                return EvaluationShape(*candidate, EntryKind.WARNING, 0, ())
            return EvaluationShape(*candidate, paying, rule.points, ())
        if not (is_record and rule.consecutive == 1) and entry_id == rule_entry_id(
            household_id, *candidate, rule.id
        ):
            run = [candidate]
            while len(run) < rule.consecutive:
                run.append(_previous(*run[-1]))
            earlier = tuple(record_id(household_id, y, m, standing) for y, m in run[1:])
            return EvaluationShape(*candidate, paying, rule.points, earlier)
    return None


def _corrected(session: Session, entry_ids: Iterable[str]) -> set[str]:
    ids = list(entry_ids)
    if not ids:
        return set()
    return {
        reverses_id
        for reverses_id in session.exec(
            select(LedgerEntry.reverses_id).where(
                col(LedgerEntry.reverses_id).in_(ids),
                LedgerEntry.kind == EntryKind.CORRECTION,
            )
        )
        if reverses_id is not None
    }


def standing_of(session: Session, household_id: str, year: int, month: int) -> Standing | None:
    """The list a household is on for a month: its record entry, unless a dispute corrected it."""
    for standing in Standing:
        entry_id = record_id(household_id, year, month, standing)
        if session.get(LedgerEntry, entry_id) is not None and not _corrected(session, [entry_id]):
            return standing
    return None


def _check_month(year: int, month: int, now: datetime) -> None:
    """A month is evaluated during it or in the month after, never ahead and never late:
    the lists are the village's judgement of that month, made while it is fresh."""
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise BadInput("date.invalid", value=f"{year}-{month}", expected="YYYY-MM")
    if now < start_of_month(year, month):
        raise Refused("evaluation.future", month=_month_text(year, month))
    following = _next(year, month)
    if now >= start_of_next_month(*following):
        raise Refused("evaluation.too_late", month=_month_text(year, month))


def _write(
    session: Session,
    *,
    entry_id: str,
    household: Household,
    rule: Rule,
    ruleset: RuleSet,
    kind: str,
    points: int,
    note: str,
    operator: Operator,
    now: datetime,
) -> bool:
    if session.get(LedgerEntry, entry_id) is not None:
        return False
    append_entry(
        session,
        entry_id=entry_id,
        household_id=household.id,
        points=points,
        kind=kind,
        at=now,
        origin=local_origin(session),
        rule_id=rule.id,
        rule_version=ruleset.key,
        quantity=1,
        operator_id=operator.id,
        note=note,
    )
    return True


def _settle(
    session: Session,
    household: Household,
    year: int,
    month: int,
    ruleset: RuleSet,
    operator: Operator,
    now: datetime,
) -> list[EvaluationEntry]:
    """The entries a household's standing in a month carries, each written at most once."""
    standing = standing_of(session, household.id, year, month)
    if standing is None:
        return []
    found: list[EvaluationEntry] = []
    label = f"{_month_text(year, month)} 村级评议{STANDING_LABELS[standing]}"
    record_rule = _record_rule(ruleset, standing)
    for rule in sorted(ruleset.evaluation_rules(standing), key=lambda r: (r.consecutive, r.id)):
        run = [(year, month)]
        while len(run) < rule.consecutive:
            run.append(_previous(*run[-1]))
        if any(standing_of(session, household.id, y, m) is not standing for y, m in run[1:]):
            continue
        kind = EntryKind.AWARD if rule.list is RuleList.POSITIVE else EntryKind.DEDUCTION
        is_record = rule is record_rule and rule.consecutive == 1
        entry_id = (
            record_id(household.id, year, month, standing)
            if is_record
            else rule_entry_id(household.id, year, month, rule.id)
        )
        note = label if rule.consecutive == 1 else f"{label}，连续{rule.consecutive}个月"
        written = _write(
            session,
            entry_id=entry_id,
            household=household,
            rule=rule,
            ruleset=ruleset,
            kind=kind,
            points=rule.points,
            note=note,
            operator=operator,
            now=now,
        )
        found.append(
            EvaluationEntry(
                household.code, standing.value, rule.id, rule.points, kind, entry_id, written
            )
        )
    return found


def record_evaluation(
    session: Session,
    *,
    village: Village,
    year: int,
    month: int,
    standings: Sequence[tuple[Household, Standing]],
    operator: Operator,
    now: datetime,
) -> EvaluationView:
    """Record a village's red and black lists for a month and write what they carry.

    Households already recorded on the same list are left as they are (entering a month
    again writes nothing twice); one recorded on the other list is refused, since only a
    dispute changes a recorded standing. Nothing is written when anything is refused.
    """
    require_role(operator, *AWARDING_ROLES)
    require_village(operator, village.id)
    _check_month(year, month, now)
    ruleset = ruleset_for(session, village.id, now)
    seen: dict[str, Standing] = {}
    for household, standing in standings:
        _record_rule(ruleset, standing)
        if seen.setdefault(household.id, standing) is not standing:
            raise BadInput("evaluation.both_lists", code=household.code)
        if household.village_id != village.id:
            raise Refused("evaluation.other_village", code=household.code)
        if not household.takes_part:
            raise Refused("rule.not_participating")
        current = standing_of(session, household.id, year, month)
        if current is not None and current is not standing:
            raise Refused(
                "evaluation.changed",
                code=household.code,
                month=_month_text(year, month),
                recorded=STANDING_LABELS[current],
            )
    entries: list[EvaluationEntry] = []
    fresh: set[str] = set()
    unique = {household.id: (household, standing) for household, standing in standings}
    for household, standing in sorted(unique.values(), key=lambda pair: pair[0].code):
        record_rule = _record_rule(ruleset, standing)
        if record_rule.consecutive > 1:
            # No rule pays from the first month on this list: a 0-point warning records it.
            written = _write(
                session,
                entry_id=record_id(household.id, year, month, standing),
                household=household,
                rule=record_rule,
                ruleset=ruleset,
                kind=EntryKind.WARNING,
                points=0,
                note=f"{_month_text(year, month)} 村级评议{STANDING_LABELS[standing]}（记录）",
                operator=operator,
                now=now,
            )
            entries.append(
                EvaluationEntry(
                    household.code,
                    standing.value,
                    record_rule.id,
                    0,
                    EntryKind.WARNING,
                    record_id(household.id, year, month, standing),
                    written,
                )
            )
        elif _write(
            session,
            entry_id=record_id(household.id, year, month, standing),
            household=household,
            rule=record_rule,
            ruleset=ruleset,
            kind=EntryKind.AWARD if record_rule.list is RuleList.POSITIVE else EntryKind.DEDUCTION,
            points=record_rule.points,
            note=f"{_month_text(year, month)} 村级评议{STANDING_LABELS[standing]}",
            operator=operator,
            now=now,
        ):
            # The record is the paying entry itself, written first so the settlement sees it.
            fresh.add(record_id(household.id, year, month, standing))
        entries += [
            replace(entry, written=entry.written or entry.entry_id in fresh)
            for entry in _settle(session, household, year, month, ruleset, operator, now)
        ]
        # A month entered after the one that follows it completes that month's run.
        later = _next(year, month)
        if now >= start_of_month(*later):
            entries += [
                entry
                for entry in _settle(session, household, *later, ruleset, operator, now)
                if entry.written
            ]
    session.flush()
    view = evaluation_of(session, village, year, month)
    return EvaluationView(view.village, view.month, view.red, view.black, entries)


def evaluation_of(session: Session, village: Village, year: int, month: int) -> EvaluationView:
    """A village's lists for a month as the ledger holds them (corrected records left out)."""
    households = list(
        session.exec(
            select(Household)
            .where(Household.village_id == village.id)
            .order_by(col(Household.code))
        )
    )
    lists: dict[Standing, list[str]] = {standing: [] for standing in Standing}
    for household in households:
        standing = standing_of(session, household.id, year, month)
        if standing is not None:
            lists[standing].append(household.code)
    return EvaluationView(
        village=village.name,
        month=_month_text(year, month),
        red=lists[Standing.RED],
        black=lists[Standing.BLACK],
        entries=[],
    )
