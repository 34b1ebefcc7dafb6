"""Finding a rule on the award screen by its number, its Chinese words or pinyin initials."""

from __future__ import annotations

import pytest

from kiosk.services.administration import CATEGORIES, rule_choice, search_rules
from rules.loader import street_ruleset

pytestmark = pytest.mark.world("admin")

CHOICES = [rule_choice(rule) for rule in street_ruleset().rules if rule.awardable_by_hand]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("yh", ["P13.1"]),  # 烟盒
        ("qjws", ["P09", "P10"]),  # 清洁卫生
        ("ljfl", ["N11"]),  # 垃圾分类 (P04, N12 come from the monthly evaluation)
        ("垃圾分类不清", ["N11"]),
        ("烟盒", ["P13.1"]),
        ("p13", ["P13.1", "P13.2", "P13.3", "P13.4", "P13.5", "P13.6"]),
        ("mlty", ["P05", "P06", "P07"]),  # 美丽庭院
        ("xyz", []),
    ],
)
def test_rules_are_found_by_words_initials_or_number(query: str, expected: list[str]) -> None:
    assert [choice.id for choice in search_rules(query, CHOICES)] == expected


def test_the_lists_are_grouped_by_category_without_bonuses_or_freezes() -> None:
    everything = search_rules("", CHOICES)
    categories = [choice.category for choice in everything]
    assert categories == sorted(categories, key=CATEGORIES.index)
    ids = {choice.id for choice in everything}
    assert not {"P14", "P15", "N09"} & ids  # bonuses come from the close, N09 is a freeze
