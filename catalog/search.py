"""Finding an item (or any named thing) by number, by Chinese name, or by its pinyin, whole or initials."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import TypeVar

# Initials and syllables need single characters only; pypinyin's phrase tables cost ~0.6 s
# and ~50 MB at import. Set before the import so the CLI and the app compute initials the same way.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")


@cache
def pinyin_initials(name: str) -> str:
    """Lower-case pinyin initials of the Chinese characters in `name`: 牙膏 -> "yg".

    Digits and Latin letters are kept, so "400g食用盐" -> "400gsyy"; punctuation is dropped.
    """
    # errors="default" keeps runs of non-Chinese characters ("400g") as they are.
    initials = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch.lower() for part in initials for ch in part if ch.isalnum())


@cache
def pinyin_syllables(name: str) -> tuple[str, ...]:
    """The toneless pinyin of each Chinese character of `name`, in lower case; any other
    letter or digit is a syllable of its own and punctuation is dropped:
    "400g食用盐" -> ("4", "0", "0", "g", "shi", "yong", "yan")."""
    syllables: list[str] = []
    for char in name:
        reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
        if reading:
            syllables.append(reading[0])  # ü is spelled v, as people type it: 绿 -> lv
        elif char.isalnum():
            syllables.append(char.lower())
    return tuple(syllables)


def pinyin_match(query: str, name: str) -> int | None:
    """Where the pinyin `query` spells a run of `name`'s syllables: the index of the first
    one, earliest first; None when it spells none.

    Each syllable is typed whole or by its start, so initials, full pinyin and any mix
    find it: 牙膏 by "ya", "yagao", "yg", "yag", "gao"; 林小禾 by "li", "lin", "lxh",
    "linxiaohe", "xh". Spaces are ignored.
    """
    needle = "".join(query.lower().split())
    syllables = pinyin_syllables(name)
    if not needle or not needle.isalnum():
        return None

    @cache
    def spells(at: int, start: int) -> bool:
        # Does needle[at:] spell syllables from `start` on, each whole or by a prefix?
        if at == len(needle):
            return True
        if start == len(syllables):
            return False
        syllable = syllables[start]
        common = 0
        while (
            common < len(syllable)
            and at + common < len(needle)
            and syllable[common] == needle[at + common]
        ):
            common += 1
        return any(spells(at + taken, start + 1) for taken in range(common, 0, -1))

    return next((start for start in range(len(syllables)) if spells(0, start)), None)


def matches(query: str, name: str, number: int | None = None) -> bool:
    """Does `query` find `name`? A number matches the item number exactly; otherwise a
    substring of the name, or pinyin spelling a run of its syllables (`pinyin_match`)."""
    needle = query.strip().lower()
    if not needle:
        return True
    if needle.isdigit() and number is not None:
        return int(needle) == number
    return needle in name.lower() or pinyin_match(needle, name) is not None


def search(
    query: str,
    things: Iterable[T],
    name_of: Callable[[T], str],
    number_of: Callable[[T], int | None] = lambda _: None,
) -> list[T]:
    """The things `query` finds, those whose pinyin it spells from the start first."""
    needle = query.strip().lower()
    found = [t for t in things if matches(needle, name_of(t), number_of(t))]

    def rank(thing: T) -> int:
        if needle and pinyin_match(needle, name_of(thing)) == 0:
            return 0
        return 1

    return sorted(found, key=rank)


def search_items(query: str, items: Sequence[T]) -> list[T]:
    """Search catalogue items (anything with `.no` and `.name`)."""
    return search(query, items, lambda i: i.name, lambda i: i.no)  # type: ignore[attr-defined]
