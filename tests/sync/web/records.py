"""Records written at the central for the page tests, through the domain's own functions: goods
ordered and not yet handed over, a rejected mutual-help declaration, an open objection."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from kiosk.core.db import write_session
from kiosk.core.declarations import DeclarationView, file_declaration, reject
from kiosk.core.disputes import raise_dispute
from kiosk.core.ledger import entry_views
from kiosk.core.models import Household
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from tests.sync.harness import NOW

REJECTION = "照片看不清，请重拍"
OBJECTION = "分数不对"


def owe_goods(engine: Engine, household_id: str, item_no: int) -> None:
    with write_session(engine) as session:
        household = session.get(Household, household_id)
        assert household is not None
        redeem(
            session,
            household=household,
            lines=[RedeemLine(item_no, 1)],
            operator=operator_by_id(session, "shop-heping"),
            now=NOW,
        )


def rejected_and_disputed(engine: Engine, household_id: str, helper_id: str) -> DeclarationView:
    """A mutual-help declaration rejected with a reason, and an objection to the household's
    latest award, still open."""
    with write_session(engine) as session:
        mine = session.get(Household, household_id)
        helper = session.get(Household, helper_id)
        assert mine is not None and helper is not None
        filed = file_declaration(
            session,
            household=mine,
            rule_id="P03",
            quantity=1,
            description="帮邻居清扫院坝",
            now=NOW,
            helper=helper,
        )
        reject(
            session,
            ref=filed.id,
            reason=REJECTION,
            operator=operator_by_id(session, "admin-heping"),
            now=NOW,
        )
        entry = [e for e in entry_views(session, household_id, NOW.year) if e.kind == "award"][-1]
        raise_dispute(session, entry_ref=entry.id, raised_by="户主", description=OBJECTION, now=NOW)
        return filed
