"""A village's further exchange points: added at the central, listed, and a kiosk registered
at one; stock is counted per exchange point."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from kiosk.core.central_models import RegisterChange, SyncKiosk
from kiosk.core.db import read_session, write_session
from kiosk.core.models import ExchangePoint, Meta
from tests.register.conftest import HEPING_ADMIN, STREET_ADMIN, Office


def test_a_second_exchange_point_is_added_listed_and_a_kiosk_registered_there(
    office: Office,
) -> None:
    added = office.run(
        "exchange-point",
        "add",
        "--village",
        "和平",
        "--name",
        "和平村第二便民商店",
        "--operator",
        STREET_ADMIN,
        "--json",
    )
    assert added.code == 0, added.err
    assert added.json() == {
        "id": "heping-shop-2",
        "village_id": "heping",
        "name": "和平村第二便民商店",
    }
    named = office.run(
        "exchange-point",
        "add",
        "--village",
        "和平",
        "--name",
        "和平村第三便民商店",
        "--id",
        "heping-north",
        "--operator",
        STREET_ADMIN,
        "--json",
    )
    assert named.json()["id"] == "heping-north"

    listed = office.run("exchange-point", "list", "--village", "和平", "--json")

    assert [p["id"] for p in listed.json()] == ["heping-north", "heping-shop", "heping-shop-2"]
    kiosk = office.run(
        "central", "add-kiosk", "K-HP-02", "--village", "和平", "--exchange-point", "heping-shop-2"
    )
    assert kiosk.code == 0, kiosk.err
    with read_session(office.engine) as session:
        registered = session.get(SyncKiosk, "K-HP-02")
        point = session.get(ExchangePoint, "heping-shop-2")
        logged = session.scalars(
            select(RegisterChange).where(
                col(RegisterChange.subject) == "exchangepoint:heping-shop-2"
            )
        ).one()
    assert registered is not None and registered.exchange_point_id == "heping-shop-2"
    assert point is not None and point.server_seq is None  # goes down on the next pull
    assert logged.operator_id == STREET_ADMIN


def test_exchange_points_that_may_not_be_added(office: Office) -> None:
    cases = [
        (["--village", "和平", "--name", "和平村便民商店"], STREET_ADMIN),  # the name exists
        (["--village", "和平", "--name", "新店", "--id", "heping-shop"], STREET_ADMIN),
        (["--village", "和平", "--name", "新店", "--id", "Bad Id"], STREET_ADMIN),
        (["--village", "和平镇", "--name", "新店"], STREET_ADMIN),
        (["--village", "和平", "--name", "新店"], HEPING_ADMIN),  # street administrators only
    ]
    with read_session(office.engine) as session:
        before = len(session.scalars(select(ExchangePoint)).all())

    for argv, by in cases:
        result = office.run("exchange-point", "add", *argv, "--operator", by)
        assert result.code == 2 and result.err, argv

    with read_session(office.engine) as session:
        assert len(session.scalars(select(ExchangePoint)).all()) == before


def test_a_kiosk_refuses_every_register_change_and_says_where_to_make_it(office: Office) -> None:
    with write_session(office.engine) as session:
        session.merge(Meta(key="origin", value="K-HP-01"))
    changes = [
        ["household", "add", "--village", "和平", "--group", "1组", "--head", "甲乙"],
        ["household", "participation", "HP0001", "--absent"],
        ["household", "leave", "HP0001", "--reason", "迁出"],
        ["operator", "add", "--id", "shop-x", "--name", "甲乙", "--role", "street_admin"],
        ["operator", "pin", STREET_ADMIN],
        ["operator", "disable", HEPING_ADMIN],
        ["exchange-point", "add", "--village", "和平", "--name", "新店"],
    ]

    for argv in changes:
        result = office.run(*argv, "--operator", STREET_ADMIN)
        assert result.code == 2, argv
        assert "只能在街道办中心库修改" in result.err and "central store only" in result.err
