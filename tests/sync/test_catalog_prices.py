"""A new catalogue price travels like the register: the central sets it from a day on, a
kiosk that pulled it charges it from that day (taken in quietly), one that had not pulled
it yet charges the old price (taken in, since an honest kiosk offline does so, and alerted),
and a price the item never had is refused."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlmodel import col, select

from kiosk.core.awards import award
from kiosk.core.central_models import SyncAlert
from kiosk.core.db import read_session, write_session
from kiosk.core.households import household_by_code
from kiosk.core.models import CatalogItem, OrderLine
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from kiosk.core.register import set_catalog_price
from tests.sync.harness import NOW, Central, Kiosk, LiveServer, new_kiosk

ITEM = 1
THE_DAY = NOW + timedelta(days=1)  # 16 June, 10:00 in Chongqing


def _redeem_item(kiosk: Kiosk, code: str) -> int:
    """An order of one ITEM on THE_DAY, after an award that pays for it; its unit price."""
    with write_session(kiosk.engine) as session:
        admin = operator_by_id(session, "admin-heping")
        household = household_by_code(session, code)
        for _ in range(3):
            award(session, household=household, rule_id="P03", quantity=1, operator=admin, now=NOW)
        result = redeem(
            session,
            household=household,
            lines=[RedeemLine(ITEM, 1)],
            operator=operator_by_id(session, "shop-heping"),
            now=THE_DAY,
        )
        line = session.scalars(
            select(OrderLine).where(col(OrderLine.id) == result.lines[0].line_id)
        ).one()
        return line.unit_points


def _alerts(central: Central, kiosk_id: str) -> list[str]:
    with read_session(central.engine) as session:
        return list(
            session.scalars(
                select(col(SyncAlert.subject)).where(col(SyncAlert.kiosk_id) == kiosk_id)
            )
        )


def test_a_price_from_a_day_on_is_charged_by_kiosks_that_know_it_and_alerted_for_those_that_did_not(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    informed = new_kiosk(central, tmp_path, "K-HP-01")
    behind = new_kiosk(central, tmp_path, "K-HP-02")
    behind.sync(server.url)  # bootstrapped before the price: it never hears of it
    with write_session(central.engine) as session:
        old = session.get(CatalogItem, ITEM)
        assert old is not None
        first = old.points
        set_catalog_price(
            session,
            ITEM,
            first + 2,
            effective_from=date(2026, 6, 16),
            operator_id="street-admin",
            now=NOW,
        )
    informed.sync(server.url)

    assert _redeem_item(informed, "HP0001") == first + 2
    assert _redeem_item(behind, "HP0002") == first

    server.clock.at = THE_DAY + timedelta(hours=1)
    assert informed.sync(server.url, now=THE_DAY).pushed > 0
    assert not [s for s in _alerts(central, informed.id) if "stale_price" in s]
    assert behind.sync(server.url, now=THE_DAY).pushed > 0
    assert [s for s in _alerts(central, behind.id) if "stale_price" in s] == [
        "K-HP-02:offline:stale_price"
    ]
    # The lagging kiosk has the new price now, and charges it.
    with read_session(behind.engine) as session:
        from kiosk.core.reference import catalog_prices_on

        assert catalog_prices_on(session, date(2026, 6, 16))[ITEM] == first + 2
