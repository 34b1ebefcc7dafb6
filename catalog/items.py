"""The 31 exchange items and their fulfilment promise (2 days for daily goods, 7 for appliances)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class DueClass(StrEnum):
    DAILY = "daily"  # 一般生活物品: within 2 days
    APPLIANCE = "appliance"  # 电子产品、电器: within 7 days

    @property
    def days(self) -> int:
        return DUE_DAYS[self]


DUE_DAYS: dict[DueClass, int] = {DueClass.DAILY: 2, DueClass.APPLIANCE: 7}


@dataclass(frozen=True)
class Item:
    no: int
    name: str
    points: int
    due_class: DueClass

    @property
    def due_days(self) -> int:
        return self.due_class.days


def load_items() -> tuple[Item, ...]:
    """The published catalogue shipped with the package, in 序号 order."""
    text = (Path(__file__).parent / "data" / "items.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    items = tuple(
        Item(
            no=int(entry["no"]),
            name=str(entry["name"]),
            points=int(entry["points"]),
            due_class=DueClass(entry["due"]),
        )
        for entry in raw["item"]
    )
    if [item.no for item in items] != list(range(1, len(items) + 1)):
        raise ValueError("catalogue numbers must run 1..N in order")
    return items
