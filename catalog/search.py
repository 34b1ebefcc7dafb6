"""Finding an item (or any named thing) by number, by Chinese name, or by pinyin initials."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import TypeVar

# Initials need single characters only; pypinyin's phrase tables cost ~0.6 s and ~50 MB
# at import. Set before the import so the CLI and the app compute initials the same way.
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


def matches(query: str, name: str, number: int | None = None) -> bool:
    """Does `query` find `name`? A number matches the item number exactly; otherwise a
    substring of the name or a prefix-or-substring of its pinyin initials."""
    needle = query.strip().lower()
    if not needle:
        return True
    if needle.isdigit() and number is not None:
        return int(needle) == number
    return needle in name.lower() or needle in pinyin_initials(name)


def search(
    query: str,
    things: Iterable[T],
    name_of: Callable[[T], str],
    number_of: Callable[[T], int | None] = lambda _: None,
) -> list[T]:
    """The things `query` finds, those whose initials start with it first."""
    needle = query.strip().lower()
    found = [t for t in things if matches(needle, name_of(t), number_of(t))]

    def rank(thing: T) -> int:
        if needle and pinyin_initials(name_of(thing)).startswith(needle):
            return 0
        return 1

    return sorted(found, key=rank)


def search_items(query: str, items: Sequence[T]) -> list[T]:
    """Search catalogue items (anything with `.no` and `.name`)."""
    return search(query, items, lambda i: i.name, lambda i: i.no)  # type: ignore[attr-defined]
