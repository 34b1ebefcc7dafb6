"""Household search and the household view the counter screens show, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from kiosk.core.db import read_session, write_session
from kiosk.core.fulfilment import LineStatus, hand_over, order_report
from kiosk.services.households import HouseholdFinder, household_view, open_lines
from tests.support.builders import PlaceOrder, household, operator, order
from tests.support.clock import at
from tests.support.worlds import RICE_COOKER, SOAP, TOOTHPASTE

pytestmark = pytest.mark.world("fulfilment")


@pytest.mark.parametrize(
    ("query", "village", "expected"),
    [
        ("HP0002", None, ["HP0002"]),  # a whole short code, any village
        ("hp000", "heping", ["HP0001", "HP0002"]),  # the start of one
        ("春燕", None, ["HP0002"]),  # part of the head's name
        ("zcy", "heping", ["HP0002"]),  # pinyin initials, within the kiosk's village
        ("zcy", None, []),  # initials need a village: the index stays small
        ("li", "heping", ["HP0001"]),  # full pinyin: 林
        ("zhouchunyan", "heping", ["HP0002"]),
        ("chunyan", "heping", ["HP0002"]),  # from a later character
        ("龘", None, []),
        ("  ", "heping", []),
    ],
)
def test_households_are_found_by_code_name_or_initials(
    engine: Engine, query: str, village: str | None, expected: list[str]
) -> None:
    with read_session(engine) as session:
        hits = HouseholdFinder().find(session, query, village)
    assert [hit.code for hit in hits] == expected
    assert all("*" in hit.masked_head for hit in hits)  # the counter sees masked names only


def test_open_lines_are_the_lines_the_fulfilment_rules_call_pending(
    engine: Engine, place_order: PlaceOrder
) -> None:
    first = place_order("HP0001", [SOAP, TOOTHPASTE], at(2026, 12, 1, 8, 0))  # due 12-03 08:00
    later = place_order("HP0001", [RICE_COOKER], at(2026, 12, 2, 12, 0))  # due 12-09 12:00
    with write_session(engine) as session:
        hand_over(
            session, order(session, first), [2], operator(session, "shop-heping"), at(2026, 12, 2)
        )
    now = at(2026, 12, 4)  # the soap is overdue by now
    with read_session(engine) as session:
        target = household(session, "HP0001")
        lines = open_lines(session, target.code, now)
        pending = [
            (record.number, line.name, line.status == LineStatus.OVERDUE)
            for record in order_report(session, now, status=LineStatus.PENDING, household="HP0001")
            for line in record.lines
        ]
        view = household_view(session, target, now)
    assert [(line.order_number, line.name, line.overdue) for line in lines] == pending
    assert [(line.order_number, line.name, line.overdue) for line in lines] == [
        (first, "香皂", True),
        (later, "电饭煲", False),
    ]
    assert view.open_lines == lines
    assert view.code == "HP0001" and view.masked_head != view.head


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("XZG0001", []),  # another village's whole code
        ("何远山", []),  # another village's head
        ("hp000", ["HP0001", "HP0002"]),
        ("春燕", ["HP0002"]),
    ],
)
def test_a_village_operators_search_keeps_to_its_village(
    engine: Engine, query: str, expected: list[str]
) -> None:
    with read_session(engine) as session:
        hits = HouseholdFinder().find(session, query, "xizige", within="heping")
    assert [hit.code for hit in hits] == expected
