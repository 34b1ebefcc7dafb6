"""The lean lookup and redemption statements on PostgreSQL too (the schema's other database):
the same answers as on SQLite, read back identical, datetimes aware in UTC.

Skipped where no PostgreSQL can be started (see tests/support/postgres.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from kiosk.core.codes import CardSigner
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.households import resolve_household, summarize
from kiosk.core.ledger import balance
from kiosk.core.models import Household, RedemptionOrder
from kiosk.core.redemption import RedeemLine, order_view, quote, redeem
from kiosk.core.reference import operator_by_id
from kiosk.core.seed import seed_demo
from tests.support.builders import NOW
from tests.support.postgres import (
    PostgresUnavailable,
    create_database,
    drop_database,
    postgres_server,
)


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, CardSigner]]:
    try:
        with postgres_server() as server:
            url = create_database(server)
            engine = open_database(url)
            key = tmp_path_factory.mktemp("pg-key") / "card-key"
            with write_session(engine) as session:
                seed_demo(session, now=NOW, households_per_village=3, signing_key_path=key)
            yield engine, CardSigner.from_file(Path(key))
            engine.dispose()
            drop_database(server, url)
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


def test_lookup_on_postgresql(pg: tuple[Engine, CardSigner]) -> None:
    engine, signer = pg
    with read_session(engine) as session:
        codes = session.exec(
            select(Household.code)
            .where(Household.village_id == "heping")
            .order_by(col(Household.code))
        ).all()
        for code in codes:
            target = resolve_household(session, signer.payload(code, 1))
            full = summarize(session, target, NOW)
            short = summarize(session, target, NOW, with_entries=False)
            assert full.balance == short.balance == balance(session, target.id, 2026)
            assert full.village == short.village == "和平"
            assert all(entry.created_at.tzinfo == UTC for entry in full.entries)


def test_redemption_on_postgresql(pg: tuple[Engine, CardSigner]) -> None:
    engine, _signer = pg
    with read_session(engine) as session:
        code = next(
            h.code
            for h in session.exec(select(Household).where(Household.village_id == "heping"))
            if balance(session, h.id, 2026) >= 10
        )
    lines = [RedeemLine(1, 2, hand_over=True), RedeemLine(2, 1)]
    with write_session(engine) as session:
        household = resolve_household(session, code)
        offer = quote(session, household, lines, NOW)
        first = redeem(
            session,
            household=household,
            lines=lines,
            operator=operator_by_id(session, "shop-heping"),
            now=NOW,
            order_id="pg-order-1",
        )
    assert (offer.total, offer.balance) == (first.total, first.balance_before)
    with write_session(engine) as session:
        again = redeem(
            session,
            household=resolve_household(session, code),
            lines=lines,
            operator=operator_by_id(session, "shop-heping"),
            now=NOW,
            order_id="pg-order-1",
        )
    assert again.replayed and again.number == first.number
    with read_session(engine) as session:
        stored = session.get(RedemptionOrder, "pg-order-1")
        assert stored is not None
        assert order_view(session, stored) == first
