"""The central's plausibility checks of pushed rows: what a kiosk never writes is refused,
naming the table, row and column; what kiosks do write passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kiosk.core.errors import BadInput
from sync.plausible import check_rows

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def entry(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "e1",
        "household_id": "h1",
        "points_year": 2026,
        "points": 3,
        "kind": "award",
        "quantity": 1,
        "remainder": None,
        "order_id": None,
        "reverses_id": None,
        "created_at": NOW,
    }
    row.update(changes)
    return row


def order(total: int, *lines: tuple[int, int, int]) -> dict[str, list[dict[str, Any]]]:
    return {
        "orders": [{"id": "o1", "total": total, "points_year": 2026, "created_at": NOW}],
        "order_lines": [
            {
                "id": f"l{i}",
                "order_id": "o1",
                "qty": qty,
                "unit_points": unit,
                "points": points,
                "due_at": NOW + timedelta(days=2),
            }
            for i, (qty, unit, points) in enumerate(lines)
        ],
        "entries": [entry(id="r1", kind="redemption", points=-total, order_id="o1")],
    }


def test_what_kiosks_write_passes() -> None:
    check_rows({"entries": [entry(), entry(kind="warning", points=0)]}, NOW)
    check_rows({"entries": [entry(kind="correction", points=-3, reverses_id="e0")]}, NOW)
    check_rows(order(30, (1, 10, 10), (2, 10, 20)), NOW)
    # New Year's Eve at 20:00 UTC is already next year in Shanghai.
    check_rows(
        {"entries": [entry(points_year=2026, created_at=datetime(2025, 12, 31, 20, tzinfo=UTC))]},
        NOW,
    )


@pytest.mark.parametrize(
    ("rows", "column"),
    [
        ({"entries": [entry(kind="bonus")]}, "kind"),
        ({"entries": [entry(kind="expiry", points=-3)]}, "kind"),
        ({"entries": [entry(points=-1)]}, "points"),
        ({"entries": [entry(kind="deduction", points=1)]}, "points"),
        ({"entries": [entry(kind="warning", points=-1)]}, "points"),
        ({"entries": [entry(kind="refund", points=0)]}, "points"),
        ({"entries": [entry(points=1_000_001)]}, "points"),
        ({"entries": [entry(kind="correction", points=-3)]}, "reverses_id"),
        ({"entries": [entry(points_year=2025)]}, "points_year"),
        ({"entries": [entry(quantity=-1)]}, "quantity"),
        ({"entries": [entry(created_at=NOW + timedelta(days=2))]}, "created_at"),
        ({"entries": [entry(created_at=datetime(2019, 12, 31, tzinfo=UTC))]}, "created_at"),
        (order(31, (1, 10, 10), (2, 10, 20)), "total"),
        (order(-30, (-1, 10, -10), (-2, 10, -20)), "points"),  # the entry: a redemption that pays
        (order(30, (1, 10, 10), (2, 10, 21)), "points"),
        (order(30, (1, 10, 10), (100, 0, 0), (2, 10, 20)), "qty"),
        ({"stock_movements": [{"id": "s1", "delta": 10**6, "created_at": NOW}]}, "delta"),
    ],
)
def test_implausible_rows_are_refused_by_name(rows: dict[str, Any], column: str) -> None:
    with pytest.raises(BadInput) as refused:
        check_rows(rows, NOW)
    assert refused.value.key == "sync.implausible"
    assert refused.value.params["column"] == column
    assert refused.value.params["row"] in {"e1", "r1", "o1", "l0", "l1", "l2", "s1"}
