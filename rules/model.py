"""Typed rules: one line of the positive or negative list, and a versioned set of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RuleList(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"


class Cadence(StrEnum):
    PER_OCCURRENCE = "per_occurrence"
    MONTHLY = "monthly"
    RATE = "rate"
    WARN_THEN_DEDUCT = "warn_then_deduct"
    FREEZE = "freeze"
    BONUS_MONTHLY = "bonus_monthly"
    BONUS_YEARLY = "bonus_yearly"


@dataclass(frozen=True)
class Rule:
    id: str
    list: RuleList
    category: str  # 大类: 平安建设 / 道德建设 / 美丽建设 / 激励引导
    matter: str  # 事项
    behaviour: str  # 行为
    text: str  # 奖惩
    points: int  # per occurrence, per month, per `per` units, or the bonus
    cadence: Cadence
    per: int | None = None  # rate rules: units that earn `points`
    unit: str | None = None
    material: str | None = None
    warnings: int = 0  # warn_then_deduct: warnings before the first deduction

    @property
    def awardable_by_hand(self) -> bool:
        """Bonuses come from the period close and freezes from the freeze action."""
        return self.cadence not in (Cadence.BONUS_MONTHLY, Cadence.BONUS_YEARLY, Cadence.FREEZE)

    @property
    def takes_quantity(self) -> bool:
        return self.cadence in (Cadence.RATE, Cadence.PER_OCCURRENCE)


@dataclass(frozen=True)
class RuleSet:
    """A version of the lists, street-wide (`scope_village` None) or for one village."""

    id: str
    version: str
    effective_from: date
    scope_village: str | None
    rules: tuple[Rule, ...]

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def get(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def bonus_rule(self, cadence: Cadence) -> Rule:
        for rule in self.rules:
            if rule.cadence is cadence:
                return rule
        raise LookupError(f"rule set {self.key} has no {cadence} rule")
