"""The street office's overview, against a quarter worked out by hand."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy.engine import Engine

from kiosk.core.central_models import SyncAlert, SyncKiosk
from kiosk.core.clock import as_utc
from kiosk.core.db import open_database, read_session, write_session
from kiosk.core.declarations import file_declaration
from kiosk.core.disputes import raise_dispute
from kiosk.core.fulfilment import cancel_line, hand_over
from kiosk.core.ids import new_id
from kiosk.core.ledger import append_entry
from kiosk.core.notice import Quarter
from kiosk.core.overview import LowStock, MonthFlow, Waiting, office_overview
from tests.support.builders import (
    add_household,
    earn,
    household,
    operator,
    order,
    order_placer,
)
from tests.support.clock import at
from tests.support.postgres import (
    PostgresUnavailable,
    create_database,
    drop_database,
    postgres_server,
)
from tests.support.worlds import RICE_COOKER, SOAP, TOOTHPASTE, Db, fill_fulfilment

pytestmark = pytest.mark.world("fulfilment")

NOW = at(2026, 12, 20, 12)
Q4 = Quarter(2026, 4)


def _hand(engine: Engine, number: str, when: datetime) -> None:
    with write_session(engine) as session:
        hand_over(session, order(session, number), None, operator(session, "shop-heping"), when)


def _kiosk(kiosk_id: str, village: str, point: str, synced: datetime | None) -> SyncKiosk:
    return SyncKiosk(
        id=kiosk_id,
        village_id=village,
        exchange_point_id=point,
        secret_hash="-",
        bundle_key="-",
        created_at=as_utc(at(2026, 10, 1)),
        last_sync_at=None if synced is None else as_utc(synced),
        clock_skew_s=1.5,
    )


@pytest.fixture
def quarter(engine: Engine, tmp_path: Path) -> None:
    make_quarter(engine, tmp_path)


def make_quarter(engine: Engine, tmp_path: Path) -> None:
    """The fourth quarter of 2026 at 和平 and 惜字阁, every figure below worked out by hand.

    The world: HP0001, HP0002 (和平) and XZG0001 (惜字阁), each awarded 2000 points on
    2026-11-15; five of every daily item at both shops, no appliances.
    """
    place_order = order_placer(engine)
    tmp_path.mkdir(parents=True, exist_ok=True)
    photo = tmp_path / "deed.png"
    Image.new("RGB", (40, 30), (30, 140, 60)).save(photo)
    with write_session(engine) as session:
        hp1, hp2 = household(session, "HP0001"), household(session, "HP0002")
        idle = add_household(session, "HP0003", "heping", head="王大山")  # takes part, no deed
        away = add_household(session, "HP0004", "heping", head="赵小川", long_term_absent=True)
        earn(session, away, 7, at(2026, 10, 3))  # awarded, but does not take part
        ten = earn(session, hp2, 10, at(2026, 10, 10))  # October; its 4 taken back in December:
        wrong = earn(session, hp2, 4, at(2026, 10, 12))
        append_entry(
            session,
            household_id=hp2.id,
            points=-4,
            kind="correction",
            at=at(2026, 12, 5),
            origin="test-setup",
            reverses_id=wrong.id,
        )
        earn(session, hp1, -5, at(2026, 12, 2))  # a deduction in December
        earn(session, hp1, 3, at(2026, 9, 30, 23, 59))  # September: the third quarter's
        file_declaration(
            session,
            household=hp1,
            rule_id="P01",
            quantity=1,
            description="打扫村道",
            now=at(2026, 12, 8, 9),
            photos=[photo],
            evidence_dir=tmp_path / "evidence",
        )
        file_declaration(
            session,
            household=idle,
            rule_id="P01",
            quantity=1,
            description="打扫村道",
            now=at(2026, 12, 15, 9),
            photos=[photo],
            evidence_dir=tmp_path / "evidence",
        )
        raise_dispute(
            session, entry_ref=ten.id, raised_by="户主", description="不对", now=at(2026, 12, 1)
        )
        session.add(_kiosk("K-HP-01", "heping", "heping-shop", at(2026, 12, 19, 23)))
        session.add(_kiosk("K-HP-02", "heping", "heping-shop", at(2026, 12, 18, 23)))  # > 36 h
        session.add(_kiosk("K-XZG-01", "xizige", "xizige-shop", None))  # never synced
        for kind, subject, household_id, kiosk_id in (
            ("overdraft", "hp1", hp1.id, "K-HP-01"),
            ("conflict", "hp2", hp2.id, "K-HP-01"),
            ("clock_skew", "K-HP-02", None, "K-HP-02"),
            ("clock_skew", "K-XZG-01", None, "K-XZG-01"),
        ):
            session.add(
                SyncAlert(
                    id=new_id(),
                    kind=kind,
                    subject=subject,
                    household_id=household_id,
                    kiosk_id=kiosk_id,
                    created_at=as_utc(at(2026, 12, 1)),
                )
            )
    # Redemptions at 和平 (牙膏 3, 香皂 5, 电饭煲 180 points):
    a = place_order("HP0001", [TOOTHPASTE], at(2026, 11, 30, 10))  # due 12-02 10:00
    _hand(engine, a, at(2026, 12, 1))  # on time
    b = place_order("HP0001", {SOAP: 3}, at(2026, 12, 1, 10))  # 15 points, due 12-03
    _hand(engine, b, at(2026, 12, 4))  # late; 香皂 now 2 on hand: low
    c = place_order("HP0002", [SOAP], at(2026, 11, 28, 10))  # November, cancelled in December
    with write_session(engine) as session:
        cancel_line(
            session,
            order(session, c),
            1,
            "不要了",
            operator(session, "admin-heping"),
            at(2026, 12, 1),
        )
    place_order("HP0002", [TOOTHPASTE], at(2026, 12, 10, 9))  # due 12-12: overdue, late
    place_order("HP0002", [RICE_COOKER], at(2026, 12, 18, 9))  # due 12-25: open; none on hand
    # 惜字阁: one line handed over on time.
    d = place_order("XZG0001", [TOOTHPASTE], at(2026, 12, 5, 10))
    with write_session(engine) as session:
        hand_over(
            session, order(session, d), None, operator(session, "shop-xizige"), at(2026, 12, 6)
        )


@pytest.mark.usefixtures("quarter")
def test_every_figure_is_the_hand_count(engine: Engine) -> None:
    with write_session(engine) as session:
        overview = office_overview(session, Q4, NOW)
    village = {v.village_id: v for v in overview.villages}
    heping, xizige = village.pop("heping"), village.pop("xizige")
    # The seven other villages of the street: nobody, nothing.
    assert len(village) == 7
    assert {(v.taking_part, v.earning, v.participation_percent) for v in village.values()} == {
        (0, 0, None)
    }
    # Taking part: HP0001, HP0002, HP0003 (HP0004 is away and did not opt in). Awarded in
    # the quarter: HP0001 (2000), HP0002 (2000 and 10; its 4 was taken back). HP0003 none.
    assert (heping.taking_part, heping.earning, heping.participation_percent) == (3, 2, 67)
    assert (xizige.taking_part, xizige.earning, xizige.participation_percent) == (1, 1, 100)
    assert heping.months == (
        # October: 7 (HP0004) + 10 + 4 - 4 (the correction counts where its award counted).
        MonthFlow("2026-10", awarded=17),
        # November: 2000 x 2; the 香皂 ordered on 11-28 was refunded: net nothing spent.
        MonthFlow("2026-11", awarded=4000, redeemed=3),
        # December: the deduction of 5; 香皂 x3 (15) + 牙膏 (3) + 电饭煲 (180).
        MonthFlow("2026-12", deducted=5, redeemed=198),
    )
    assert xizige.months == (
        MonthFlow("2026-10"),
        MonthFlow("2026-11", awarded=2000),
        MonthFlow("2026-12", redeemed=3),
    )
    assert heping.declarations == Waiting(2, as_utc(at(2026, 12, 8, 9)))
    assert heping.declarations.oldest_days(NOW) == 12
    assert heping.disputes == Waiting(1, as_utc(at(2026, 12, 1)))
    assert xizige.declarations == Waiting() and xizige.disputes == Waiting()

    shop = {p.exchange_point_id: p for p in overview.points}
    # 和平: due in Q4 and not cancelled: 牙膏 12-02 (on time), 香皂 12-03 (late), 牙膏 12-12
    # (pending past due: late and overdue), 电饭煲 12-25 (not due yet: neither).
    assert (shop["heping-shop"].on_time, shop["heping-shop"].late) == (1, 2)
    assert shop["heping-shop"].on_time_percent == 33
    assert shop["heping-shop"].overdue == 1
    assert shop["heping-shop"].low_stock == (
        LowStock(SOAP, "香皂", on_hand=2, owed=0),
        LowStock(RICE_COOKER, "电饭煲", on_hand=0, owed=1),
    )
    assert (shop["xizige-shop"].on_time, shop["xizige-shop"].late, shop["xizige-shop"].overdue) == (
        1,
        0,
        0,
    )
    assert shop["xizige-shop"].low_stock == ()

    kiosks = {k.kiosk_id: k.stale for k in overview.kiosks}
    assert kiosks == {"K-HP-01": False, "K-HP-02": True, "K-XZG-01": True}
    assert overview.alerts == {"clock_skew": 2, "conflict": 1, "overdraft": 1}


@pytest.mark.usefixtures("quarter")
def test_a_village_sees_only_its_own(engine: Engine) -> None:
    with write_session(engine) as session:
        overview = office_overview(session, Q4, NOW, villages={"xizige"})
    assert [v.village_id for v in overview.villages] == ["xizige"]
    assert [p.exchange_point_id for p in overview.points] == ["xizige-shop"]
    assert [k.kiosk_id for k in overview.kiosks] == ["K-XZG-01"]
    assert overview.alerts == {"clock_skew": 1}


def test_a_quarter_with_nothing_in_it(engine: Engine) -> None:
    with write_session(engine) as session:
        overview = office_overview(session, Quarter(2026, 1), NOW, villages={"heping"})
    (heping,) = overview.villages
    assert heping.earning == 0 and heping.taking_part == 2
    assert heping.months == (MonthFlow("2026-01"), MonthFlow("2026-02"), MonthFlow("2026-03"))
    (point,) = overview.points
    assert (point.on_time, point.late, point.on_time_percent) == (0, 0, None)


def test_the_same_overview_on_postgresql(engine: Engine, tmp_path: Path) -> None:
    """The central runs on PostgreSQL: the same quarter gives the same overview, to the second."""
    make_quarter(engine, tmp_path / "sqlite")
    with read_session(engine) as session:
        expected = office_overview(session, Q4, NOW)
    try:
        with postgres_server() as server:
            url = create_database(server)
            central = open_database(url)
            try:
                fill_fulfilment(central, tmp_path / "pg.card-key")
                make_quarter(central, tmp_path / "pg")
                with read_session(central) as session:
                    assert office_overview(session, Q4, NOW) == expected
            finally:
                central.dispose()
                drop_database(server, url)
    except PostgresUnavailable as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


@pytest.mark.usefixtures("quarter")
def test_kiosk_overview_prints_the_same_figures(
    db: Db, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.main import main

    monkeypatch.setenv("KIOSK_DB", db.url)
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["overview", *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    with read_session(engine) as session:
        expected = office_overview(session, Q4, NOW).as_json()
    code, out, _ = run("--quarter", "2026Q4", "--json")
    assert code == 0 and json.loads(out) == expected
    heping = next(v for v in expected["villages"] if v["village_id"] == "heping")
    assert heping["participation_percent"] == 67
    assert heping["months"][2] == {"month": "2026-12", "awarded": 0, "deducted": 5, "redeemed": 198}

    # In words, Chinese first; a village administrator sees its village only, by default.
    code, out, _ = run("--operator", "admin-heping")
    assert code == 0
    assert "2026Q4 概况（截至 2026-12-20 12:00）" in out
    assert "和平村：参与 2/3 户（67%），待审申报 2，待处理异议 1" in out
    assert "2026-12：奖励 0 分，扣除 5 分，兑换 198 分" in out
    assert "逾期 1 件，按时 1/3（33%），缺货（库存/欠交）：香皂 2/0, 电饭煲 0/1" in out
    assert "惜字阁" not in out and "K-XZG-01" not in out
    assert "未处理警报：clock_skew 1, conflict 1, overdraft 1" in out

    # A shopkeeper keeps a shop: refused, and another village's administrator too.
    code, out, err = run("--operator", "shop-heping")
    assert (code, out) == (2, "") and "无权进行此操作" in err
    code, out, err = run("--operator", "admin-heping", "--village", "xizige")
    assert (code, out) == (2, "") and "只能管理本村的农户" in err
