"""Reads rule sets from their TOML text, checking every field so bad data fails loudly."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from rules.model import Cadence, Eligibility, Rule, RuleList, RuleSet, Standing

STREET_RULESET_FILE = "tangxiang-2022.toml"


class RuleDataError(ValueError):
    """A rule file is malformed."""


def _rule(raw: dict[str, Any]) -> Rule:
    try:
        cadence = Cadence(raw["cadence"])
        rule = Rule(
            id=str(raw["id"]),
            list=RuleList(raw["list"]),
            category=str(raw["category"]),
            matter=str(raw["matter"]),
            behaviour=str(raw["behaviour"]),
            text=str(raw["text"]),
            points=int(raw["points"]),
            cadence=cadence,
            per=int(raw["per"]) if "per" in raw else None,
            unit=raw.get("unit"),
            material=raw.get("material"),
            warnings=int(raw.get("warnings", 0)),
            eligibility=Eligibility(raw.get("eligibility", Eligibility.ANYONE)),
            standing=Standing(raw["standing"]) if "standing" in raw else None,
            consecutive=int(raw.get("consecutive", 1)),
        )
    except (KeyError, ValueError, TypeError) as error:
        raise RuleDataError(f"bad rule {raw.get('id', '?')}: {error}") from error
    if cadence is Cadence.RATE and (rule.per is None or rule.per <= 0):
        raise RuleDataError(f"rate rule {rule.id} needs a positive `per`")
    if (cadence is Cadence.EVALUATION) != (rule.standing is not None):
        raise RuleDataError(f"rule {rule.id}: `standing` goes with cadence evaluation only")
    if not 1 <= rule.consecutive <= 12:
        raise RuleDataError(f"rule {rule.id}: `consecutive` must be 1 to 12")
    if rule.list is RuleList.POSITIVE and rule.points < 0:
        raise RuleDataError(f"positive rule {rule.id} has negative points")
    if rule.list is RuleList.NEGATIVE and rule.points > 0:
        raise RuleDataError(f"negative rule {rule.id} has positive points")
    return rule


def parse_ruleset(text: str) -> RuleSet:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleDataError(f"rule set is not valid TOML: {error}") from error
    rules = tuple(_rule(item) for item in raw.get("rule", []))
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise RuleDataError("duplicate rule ids")
    try:
        effective_from = date.fromisoformat(str(raw["effective_from"]))
        return RuleSet(
            id=str(raw["id"]),
            version=str(raw["version"]),
            effective_from=effective_from,
            scope_village=str(raw.get("scope") or "") or None,
            rules=rules,
        )
    except (KeyError, ValueError) as error:
        raise RuleDataError(f"bad rule set header: {error}") from error


def street_ruleset_text() -> str:
    """The published street-wide lists shipped with the package."""
    return (Path(__file__).parent / "data" / STREET_RULESET_FILE).read_text(encoding="utf-8")


def street_ruleset() -> RuleSet:
    return parse_ruleset(street_ruleset_text())


def effective_ruleset(candidates: list[RuleSet], village: str, on: date) -> RuleSet:
    """The set in force for `village` on `on`: a village's own set beats the street's,
    the newest effective date wins."""
    usable = [
        ruleset
        for ruleset in candidates
        if ruleset.effective_from <= on and ruleset.scope_village in (None, village)
    ]
    if not usable:
        raise LookupError(f"no rule set in force for {village} on {on}")
    return max(usable, key=lambda r: (r.scope_village is not None, r.effective_from, r.version))


# --- added for the register (village rule sets proposed and approved at the central) ----------


def ruleset_in_force(candidates: list[RuleSet], village: str, on: date) -> RuleSet:
    """The set in force for `village` on `on`, by effective date: the newest set in force
    (the village's own or the street's) wins, so a street revision dated after a village's
    set replaces it until the village's set is approved again from a later date; on the
    same date the village's set wins."""
    usable = [
        ruleset
        for ruleset in candidates
        if ruleset.effective_from <= on and ruleset.scope_village in (None, village)
    ]
    if not usable:
        raise LookupError(f"no rule set in force for {village} on {on}")
    return max(usable, key=lambda r: (r.effective_from, r.scope_village is not None, r.version))


def ruleset_problems(text: str) -> list[tuple[int, str, str]]:
    """Every problem of a rule set's TOML as (line, where, what): the line of the header or
    of the rule's `[[rule]]` table, so an office can fix them all in one pass."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", 0) or 0
        return [(int(line), "toml", str(error))]
    starts = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[rule]]"]
    problems: list[tuple[int, str, str]] = []
    for field in ("id", "version", "effective_from"):
        if field not in raw:
            problems.append((1, field, "missing"))
    seen: dict[str, int] = {}
    entries = raw.get("rule", [])
    if not isinstance(entries, list) or not entries:
        problems.append((1, "rule", "no [[rule]] tables"))
        return problems
    for index, entry in enumerate(entries):
        line = starts[index] if index < len(starts) else 1
        rule_id = str(entry.get("id", "?")) if isinstance(entry, dict) else "?"
        try:
            _rule(entry)
        except RuleDataError as error:
            problems.append((line, rule_id, str(error)))
            continue
        if rule_id in seen:
            problems.append((line, rule_id, f"duplicate of the rule at line {seen[rule_id]}"))
        seen.setdefault(rule_id, line)
    return problems
