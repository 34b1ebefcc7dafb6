"""Turns stored values (village names, quarter keys) into the Chinese wording printed on paper."""

from __future__ import annotations

import re

_QUARTER_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四"}
_QUARTER_KEY = re.compile(r"(\d{4})Q([1-4])")

# Villages are stored without their suffix ("和平"); residential communities under the same
# street office carry their own ("城南社区") and must not become "城南社区村".
_SETTLEMENT_SUFFIXES = ("村", "社区")


def village_label(village: str) -> str:
    """和平 -> 和平村; a name already ending in 村 or 社区 is kept as it is."""
    village = village.strip()
    return village if village.endswith(_SETTLEMENT_SUFFIXES) else village + "村"


def quarter_label(quarter: str) -> str:
    """2026Q4 -> 2026年第四季度; raise ValueError for anything else."""
    match = _QUARTER_KEY.fullmatch(quarter.strip())
    if match is None:
        raise ValueError(f"quarter must look like 2026Q4, got {quarter!r}")
    year, number = match.groups()
    return f"{year}年第{_QUARTER_NUMERALS[int(number)]}季度"
