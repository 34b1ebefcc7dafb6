"""Masks a person's name for anything shown in public: notices, receipts and kiosk screens."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """Keep the first character (and the last, for three or more) and star the rest.

    张明 -> 张*, 张小明 -> 张*明, 欧阳小明 -> 欧**明; a single character is left as it is,
    since starring it would leave nothing to recognise one's own row by.
    """
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
