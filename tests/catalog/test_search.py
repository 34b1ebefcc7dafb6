"""Finding catalogue items and names by number, by Chinese name, and by pinyin whole or by initials."""

from __future__ import annotations

import pytest

from catalog.items import load_items
from catalog.search import pinyin_match, pinyin_syllables, search_items


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("2", "牙膏"),  # a number is the item number, exactly
        ("牙", "牙刷"),
        ("yg", "牙膏"),  # initials
        ("ya", "牙刷"),  # full pinyin of the first character: both 牙 items first
        ("yagao", "牙膏"),
        ("yag", "牙膏"),  # whole syllable, then an initial
        ("gao", "牙膏"),  # a later character
        ("dianfanbao", "电饭煲"),
        ("400gsyy", "400g食用盐"),
    ],
)
def test_items_are_found_by_pinyin_whole_or_initials(query: str, first: str) -> None:
    found = [item.name for item in search_items(query, load_items())]
    assert found and found[0] == first
    if query == "ya":
        assert found[:2] == ["牙刷", "牙膏"]


def test_a_syllable_is_typed_whole_or_by_its_start_never_past_it() -> None:
    assert pinyin_syllables("400g食用盐") == ("4", "0", "0", "g", "shi", "yong", "yan")
    assert pinyin_match("li", "林小禾") == 0
    assert pinyin_match("lin xiao he", "林小禾") == 0
    assert pinyin_match("xh", "林小禾") == 1
    assert pinyin_match("lina", "林小禾") is None  # "lin" then "a": 小 is not a…
    assert pinyin_match("zzz", "林小禾") is None
    assert pinyin_match("", "林小禾") is None
