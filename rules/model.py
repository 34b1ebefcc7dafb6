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
    EVALUATION = "evaluation"  # from the monthly village evaluation record (红榜 / 黑榜)


class Standing(StrEnum):
    """A household's place on a village's monthly evaluation (村级评议)."""

    RED = "red"  # 红榜
    BLACK = "black"  # 黑榜


class Eligibility(StrEnum):
    """Who may receive a rule's points beyond taking part in the scheme."""

    ANYONE = "anyone"
    # 参加"最美庭院"...等评比的必须是累计获得积分高于平均分的农户
    ABOVE_VILLAGE_AVERAGE = "above_village_average"


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
    eligibility: Eligibility = Eligibility.ANYONE
    # evaluation rules: the list a household must be on, and for how many months in a row
    standing: Standing | None = None
    consecutive: int = 1

    @property
    def awardable_by_hand(self) -> bool:
        """Bonuses come from the period close, freezes from the freeze action and the
        evaluation rules from the monthly evaluation record."""
        return self.cadence not in (
            Cadence.BONUS_MONTHLY,
            Cadence.BONUS_YEARLY,
            Cadence.FREEZE,
            Cadence.EVALUATION,
        )

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

    def evaluation_rules(self, standing: Standing) -> list[Rule]:
        """The rules the monthly evaluation pays or deducts for a household on `standing`."""
        return [
            rule
            for rule in self.rules
            if rule.cadence is Cadence.EVALUATION and rule.standing is standing
        ]

    def bonus_rule(self, cadence: Cadence) -> Rule:
        for rule in self.rules:
            if rule.cadence is cadence:
                return rule
        raise LookupError(f"rule set {self.key} has no {cadence} rule")
