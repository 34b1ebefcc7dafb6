"""The nightly sync end to end over real HTTP, on a SQLite and a PostgreSQL central:
bootstrap, push, pull, idempotence, central closes and card reissues flowing down."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from kiosk.core.cards import reissue_card
from kiosk.core.central_models import SyncKiosk
from kiosk.core.codes import CardSigner
from kiosk.core.db import read_session, write_session
from kiosk.core.households import household_by_code, summarize
from kiosk.core.ledger import balance, meta_get, meta_set
from kiosk.core.models import Household, LedgerEntry, Operator, RedemptionOrder, Village
from kiosk.core.periods import close_month
from kiosk.core.pins import verify_pin
from kiosk.core.redemption import RedeemLine, redeem
from kiosk.core.reference import operator_by_id
from sync.client import ACKED_KEY, LAST_RESULT_KEY, SERVER_TIME_KEY
from tests.sync.harness import (
    NOW,
    Central,
    LiveServer,
    assert_agree,
    new_kiosk,
    village_state,
    write_awards,
)


def test_a_fresh_kiosk_bootstraps_its_village_from_the_central(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    report = kiosk.sync(server.url)
    assert report.pushed == 0 and report.pulled > 0
    with read_session(kiosk.engine) as session:
        villages = {h.village_id for h in session.exec(select(Household))}
        assert villages == {"heping"}
        assert session.exec(select(Village)).all()  # names of every village, for display
        # Shopkeepers sign in offline: their PIN hashes came down.
        shopkeeper = operator_by_id(session, "shop-heping")
        assert verify_pin("1111", shopkeeper.pin_hash)
        assert session.get(Operator, "shop-xizige") is None
        assert meta_get(session, "card_public_key")
        assert meta_get(session, "origin") == "K-HP-01"
        assert meta_get(session, "exchange_point_id") == "heping-shop"
        household = household_by_code(session, "HP0001")
        kiosk_balance = balance(session, household.id, 2026)
    with read_session(central.engine) as session:
        assert balance(session, household.id, 2026) == kiosk_balance
    assert_agree(central, kiosk)


def test_redemptions_go_up_and_a_second_sync_changes_nothing(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    with write_session(kiosk.engine) as session:
        household = household_by_code(session, "HP0002")
        operator = operator_by_id(session, "shop-heping")
        result = redeem(
            session,
            household=household,
            lines=[RedeemLine(1, 1, hand_over=True)],
            operator=operator,
            now=NOW,
        )
    first = kiosk.sync(server.url)
    # order + entry + hand-over + stock movement
    assert (first.pushed, first.pulled, first.alerts) == (4, 0, [])
    with read_session(central.engine) as session:
        entry = session.exec(
            select(LedgerEntry).where(LedgerEntry.order_id == result.order_id)
        ).one()
        assert entry.received_at is not None and entry.server_seq is not None
        assert session.get(SyncKiosk, "K-HP-01").acked_seq == 4  # type: ignore[union-attr]
    assert_agree(central, kiosk)
    before = (village_state(kiosk.engine, "heping"), village_state(central.engine, "heping"))
    second = kiosk.sync(server.url)
    assert (second.pushed, second.sent, second.pulled) == (0, 0, 0)
    after = (village_state(kiosk.engine, "heping"), village_state(central.engine, "heping"))
    assert after == before
    assert int(meta_get_kiosk(kiosk.engine, ACKED_KEY) or 0) == 4
    assert meta_get_kiosk(kiosk.engine, LAST_RESULT_KEY) == "ok"
    assert meta_get_kiosk(kiosk.engine, SERVER_TIME_KEY) == NOW.astimezone(UTC).isoformat()


def meta_get_kiosk(engine: object, key: str) -> str | None:
    with read_session(engine) as session:  # type: ignore[arg-type]
        return meta_get(session, key)


def test_many_entries_go_up_in_chunks(central: Central, server: LiveServer, tmp_path: Path) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0003", 2500)
    chunks: list[tuple[str, int, int]] = []
    report = kiosk.sync(server.url, chunk_size=1000, progress=lambda *p: chunks.append(p))
    assert report.pushed == 2500
    assert [c for c in chunks if c[0] == "push"] == [
        ("push", 1000, 2500),
        ("push", 2000, 2500),
        ("push", 2500, 2500),
    ]
    assert_agree(central, kiosk)


def test_the_pull_pages_through_a_large_village(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    writer = new_kiosk(central, tmp_path, "K-HP-01")
    writer.sync(server.url)
    write_awards(writer.engine, writer.id, "HP0004", 1200)
    writer.sync(server.url)
    fresh = new_kiosk(central, tmp_path, "K-HP-02")
    pages: list[tuple[str, int, int]] = []
    fresh.sync(server.url, pull_limit=500, progress=lambda *p: pages.append(p))
    assert len([p for p in pages if p[0] == "pull"]) >= 3
    assert_agree(central, fresh)


def test_month_close_bonuses_and_a_reissued_card_flow_down(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    with write_session(central.engine) as session:
        result = close_month(session, 2026, 5, NOW)
        # The street office's signing key: the test template does not keep the one it made.
        signer = CardSigner.generate()
        meta_set(session, "card_public_key", signer.public_key_hex())
        reissue_card(
            session,
            household=household_by_code(session, "HP0001"),
            operator=operator_by_id(session, "admin-heping"),
            signer=signer,
        )
    heping = [b for b in result.bonuses if b.village == "和平"]
    assert heping
    report = kiosk.sync(server.url)
    assert report.pulled >= len(heping) + 1
    with read_session(kiosk.engine) as session:
        assert household_by_code(session, "HP0001").card_version == 2
        bonuses = session.exec(select(LedgerEntry).where(LedgerEntry.kind == "bonus")).all()
        assert {b.origin for b in bonuses} == {"central"}
        assert len(bonuses) == len(heping)
    assert_agree(central, kiosk)


def test_a_clock_far_off_is_warned_about_and_shown_in_status(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    from sync.central import kiosk_status

    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    report = kiosk.sync(server.url, now=NOW + timedelta(minutes=7))
    assert [w["key"] for w in report.warnings] == ["sync.clock_skew"]
    assert "alerts 1" in report.summary()
    with read_session(central.engine) as session:
        (row,) = [r for r in kiosk_status(session, NOW) if r["id"] == "K-HP-01"]
    assert row["clock_skew_s"] == pytest.approx(420.0)
    assert row["entries_behind"] == 0 and row["last_sync_at"] is not None
    quiet = kiosk.sync(server.url, now=NOW + timedelta(minutes=2))
    assert quiet.warnings == []


def test_two_kiosks_spending_one_balance_offline_raise_one_overdraft_and_both_refuse(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    from kiosk.core.errors import Refused
    from kiosk.core.redemption import quote
    from sync.central import list_alerts

    first = new_kiosk(central, tmp_path, "K-HP-01")
    second = new_kiosk(central, tmp_path, "K-HP-02")
    first.sync(server.url)
    second.sync(server.url)
    whole = None
    for kiosk in (first, second):  # both offline, each sees the full balance
        with write_session(kiosk.engine) as session:
            household = household_by_code(session, "HP0001")
            whole = balance(session, household.id, 2026)
            assert whole > 0
            redeem(
                session,
                household=household,
                lines=spend_exactly(whole),
                operator=operator_by_id(session, "shop-heping"),
                now=NOW,
            )
            assert balance(session, household.id, 2026) == 0
    assert whole is not None
    assert first.sync(server.url).alerts == []
    raised = second.sync(server.url).alerts
    assert [(a["kind"], a["household"], a["balance"]) for a in raised] == [
        ("overdraft", "HP0001", -whole)
    ]
    for kiosk in (first, second, first, second):
        assert kiosk.sync(server.url).alerts == []
    with read_session(central.engine) as session:
        alerts = list_alerts(session, "overdraft")
    assert len(alerts) == 1 and alerts[0]["balance"] == -whole
    for kiosk in (first, second):
        with read_session(kiosk.engine) as session:
            household = household_by_code(session, "HP0001")
            assert summarize(session, household, NOW).balance == -whole
            refusal = quote(session, household, [RedeemLine(1, 1)], NOW).refusal
            assert isinstance(refusal, Refused) and refusal.key == "redeem.negative_balance"
        assert_agree(central, kiosk)


def spend_exactly(points: int) -> list[RedeemLine]:
    """Catalogue lines adding up to exactly `points` (item 1, the toothbrush, is 1 point)."""
    from catalog.items import load_items

    items = sorted(load_items(), key=lambda i: -i.points)
    lines = []
    left = points
    for item in items:
        qty = min(left // item.points, 99)
        if qty:
            lines.append(RedeemLine(item.no, qty))
            left -= qty * item.points
    assert left == 0
    return lines


def test_receipt_numbers_go_up_without_gaps_after_orders_numbered_by_seq(
    central: Central, server: LiveServer, tmp_path: Path
) -> None:
    """A kiosk upgraded with orders not yet synced that were numbered by their origin_seq (as
    migration 0009 leaves them: receipt_seq NULL) pushes them as printed; its counted orders
    continue after the highest, with awards in between, and the central takes all of them."""
    kiosk = new_kiosk(central, tmp_path, "K-HP-01")
    kiosk.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0002", 3)

    def buy() -> str:
        with write_session(kiosk.engine) as session:
            return redeem(
                session,
                household=household_by_code(session, "HP0002"),
                lines=[RedeemLine(1, 1)],
                operator=operator_by_id(session, "shop-heping"),
                now=NOW,
            ).number

    buy()
    write_awards(kiosk.engine, kiosk.id, "HP0002", 1)
    buy()
    with kiosk.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE redemptionorder SET receipt_seq = NULL,"
                " number = 'K-HP-01-' || printf('%06d', origin_seq)"
            )
        )
        legacy = [n for (n,) in connection.execute(text("SELECT number FROM redemptionorder"))]
    highest = max(int(number.rsplit("-", 1)[1]) for number in legacy)
    write_awards(kiosk.engine, kiosk.id, "HP0002", 1)
    counted = [buy(), buy()]
    assert counted == [f"K-HP-01-{highest + 1:06d}", f"K-HP-01-{highest + 2:06d}"]
    kiosk.sync(server.url)
    write_awards(kiosk.engine, kiosk.id, "HP0002", 1)
    counted.append(buy())
    kiosk.sync(server.url)
    with read_session(central.engine) as session:
        numbers = session.exec(
            select(RedemptionOrder.number).order_by(RedemptionOrder.origin_seq)  # type: ignore[arg-type]
        ).all()
    assert numbers == [*sorted(legacy), *counted]
    assert counted[-1] == f"K-HP-01-{highest + 3:06d}"
