"""The administration service: an award's preview makes exactly the checks the award makes."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from kiosk.core.awards import award
from kiosk.core.db import read_session, write_session
from kiosk.core.errors import DomainError
from kiosk.core.models import LedgerEntry
from kiosk.services.administration import Administration
from tests.support.builders import household, operator
from tests.support.worlds import ADMIN_NOW

pytestmark = pytest.mark.world("admin")


def _award_outcome(
    engine: Engine, household_code: str, rule_id: str, helper_code: str | None, who: str
) -> tuple[str, int]:
    """What award() itself says: the refusal's key, or the points it would write (rolled back)."""
    with write_session(engine) as session:
        try:
            result = award(
                session,
                household=household(session, household_code),
                rule_id=rule_id,
                quantity=1,
                operator=operator(session, who),
                now=ADMIN_NOW,
                helper=household(session, helper_code) if helper_code else None,
            )
        except DomainError as error:
            return error.key, 0
        session.rollback()
    return "", result.entries[0].points


@pytest.mark.parametrize(
    ("household_code", "rule_id", "helper_code", "who"),
    [
        ("HP0001", "P08", None, "admin-heping"),  # a plain award
        ("HP0001", "P08", "HP0003", "admin-heping"),  # with a helper
        ("HP0001", "P08", "HP0090", "admin-heping"),  # the helper takes no part
        ("HP0090", "P08", None, "admin-heping"),  # the household takes no part
        ("HP0001", "P08", "HP0001", "admin-heping"),  # helping oneself
        ("XZG0001", "P08", None, "admin-heping"),  # another village's household
        ("HP0001", "P08", None, "shop-heping"),  # a shopkeeper may not award
        ("HP0001", "Z99", None, "admin-heping"),  # no such rule
    ],
)
def test_the_preview_refuses_exactly_what_the_award_refuses(
    engine: Engine, household_code: str, rule_id: str, helper_code: str | None, who: str
) -> None:
    admin = Administration(engine, lambda: ADMIN_NOW)
    with read_session(engine) as session:
        household_id = household(session, household_code).id
        helper_id = household(session, helper_code).id if helper_code else None
        entries_before = len(session.exec(select(LedgerEntry)).all())
    preview = admin.preview_award(
        household_id=household_id,
        rule_id=rule_id,
        quantity=1,
        helper_id=helper_id,
        operator_id=who,
    )
    refused, points = _award_outcome(engine, household_code, rule_id, helper_code, who)
    assert (preview.refusal.key if preview.refusal else "") == refused
    assert preview.points == points
    with read_session(engine) as session:
        assert len(session.exec(select(LedgerEntry)).all()) == entries_before  # nothing written


def test_confirming_writes_what_the_preview_showed(engine: Engine) -> None:
    now: datetime = ADMIN_NOW
    admin = Administration(engine, lambda: now)
    with read_session(engine) as session:
        ids = household(session, "HP0001").id, household(session, "HP0003").id
    request = {
        "household_id": ids[0],
        "rule_id": "P08",
        "quantity": 1,
        "helper_id": ids[1],
        "operator_id": "admin-heping",
    }
    preview = admin.preview_award(**request)
    entries = admin.confirm_award(**request)
    assert preview.refusal is None
    assert [entry.points for entry in entries] == [preview.points, preview.helper_points]
