"""Going live end to end, on an empty central (SQLite and PostgreSQL) served over loopback HTTP:
init with the first administrator, a roster of the nine villages (refused for one bad row,
then imported, then unchanged), operators, a kiosk registered and bootstrapped by its first
sync; on the kiosk the shopkeeper replaces the one-time PIN, a card printed by `cards --since`
is read from its picture, earns and redeems; the real app (Pilot) opens with the PIN the
shopkeeper chose, not the one-time one; a household marked absent at the central can no
longer earn after the next pull, and one that left is refused at the counter."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from kiosk.core.db import read_session
from kiosk.core.models import Household, Operator, ReceiptJob, RedemptionOrder
from kiosk.core.reference import ruleset_for
from kiosk.printables.scan_image import decode_codes
from kiosk.services.register import change_pin, sign_in
from kiosk.tui.screens.home import HomeScreen
from rules.loader import street_ruleset_text
from tests.register.conftest import HEADER, NOW, Office, fictional_name
from tests.support.pilot import AppFactory
from tests.support.pilot import sign_in as pilot_sign_in
from tests.sync.harness import Clock, LiveServer

VILLAGES = ("和平", "惜字阁", "双丰", "冉家店", "红星", "金星", "五星", "三合", "水峰")


@pytest.fixture
def served(empty_office: Office) -> Iterator[tuple[Office, LiveServer]]:
    server = LiveServer(empty_office.engine, Clock(NOW))
    yield empty_office, server
    server.stop()


def _nine_villages(rng: random.Random, per_village: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for village in VILLAGES:
        heads: set[str] = set()
        while len(heads) < per_village:
            heads.add(fictional_name(rng))
        for number, head in enumerate(sorted(heads)):
            members = "、".join(n for n in {fictional_name(rng) for _ in range(2)} if n != head)
            rows.append([village, f"{number % 4 + 1}组", head, members, "本村", "否", ""])
    return rows


def test_from_an_empty_server_to_the_first_redemption(
    served: tuple[Office, LiveServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_app: AppFactory,
) -> None:
    office, server = served
    rng = random.Random(5)

    # 1. The central and its first street administrator.
    init = office.run("central", "init", "--admin-id", "office-1", "--admin-name", "甲乙", "--json")
    assert init.code == 0, init.err
    assert len(init.json()["admin_pin"]) == 6

    # 2. The roster: one bad row refuses the file, the fixed file imports, again changes nothing.
    rows = _nine_villages(rng, 6)
    bad = [*rows[:20], [*rows[20][:4], "外地", "否", ""], *rows[21:]]
    refused = office.run(
        "household",
        "import",
        str(office.roster([HEADER, *bad], "bad.xlsx")),
        "--operator",
        "office-1",
        "--json",
    )
    assert refused.code == 2
    assert [(e["row"], e["column"]) for e in refused.json()["errors"]] == [(22, "户籍")]
    assert office.state() == ([], 1)  # only the administrator's own logged addition
    fixed = office.roster([HEADER, *rows], "fixed.xlsx")
    imported = office.run("household", "import", str(fixed), "--operator", "office-1", "--json")
    assert imported.code == 0 and len(imported.json()["added"]) == len(rows) == 54
    again = office.run("household", "import", str(fixed), "--operator", "office-1", "--json")
    assert again.json()["unchanged"] == 54 and again.json()["added"] == []

    # 3. Operators for 和平: a village administrator and a shopkeeper.
    admin = office.run(
        "operator",
        "add",
        "--id",
        "heping-admin",
        "--name",
        "丙丁",
        "--role",
        "village_admin",
        "--village",
        "和平",
        "--operator",
        "office-1",
        "--json",
    ).json()
    shop = office.run(
        "operator",
        "add",
        "--id",
        "heping-shop-keeper",
        "--name",
        "戊己",
        "--role",
        "shopkeeper",
        "--village",
        "和平",
        "--exchange-point",
        "heping-shop",
        "--operator",
        "office-1",
        "--json",
    ).json()

    # 4. The kiosk, registered and bootstrapped by its first sync over HTTP.
    secret = office.run("central", "add-kiosk", "K-HP-01", "--village", "和平", "--json").json()[
        "secret"
    ]
    kiosk = f"sqlite:///{tmp_path / 'kiosk.db'}"
    monkeypatch.setenv("KIOSK_SYNC_SECRET", secret)

    def kiosk_run(*argv: str) -> tuple[int, str, str]:
        from kiosk.cli import main

        office.capsys.readouterr()
        code = main([*argv, "--db", kiosk])
        captured = office.capsys.readouterr()
        return code, captured.out, captured.err

    def sync() -> None:
        code, out, err = kiosk_run("sync", "--central", server.url, "--kiosk-id", "K-HP-01")
        assert code == 0, (out, err)

    sync()
    from kiosk.core.db import open_database

    kiosk_engine = open_database(kiosk)
    with read_session(kiosk_engine) as session:
        assert session.get(Operator, "heping-shop-keeper") is not None
        local = set(session.scalars(select(col(Household.code))))
    assert len(local) == 6 and all(code.startswith("HP") for code in local)

    # 5. The shopkeeper's first sign-in: the one-time PIN must be replaced.
    assert sign_in(kiosk_engine, "heping-shop-keeper", shop["pin"], NOW)[1] is True
    change_pin(kiosk_engine, "heping-shop-keeper", shop["pin"], "730461", NOW)
    assert sign_in(kiosk_engine, "heping-shop-keeper", "730461", NOW)[1] is False
    change_pin(kiosk_engine, "heping-admin", admin["pin"], "518273", NOW)

    async def at_the_counter() -> None:
        # The real app on the kiosk's database: the one-time PIN no longer opens it, the
        # shopkeeper's own does.
        app = make_app(db=kiosk, now=NOW)
        async with app.run_test() as pilot:
            await pilot_sign_in(pilot, pin=shop["pin"])
            assert app.operator is None
            await pilot_sign_in(pilot, pin="730461")
            assert app.operator is not None and app.operator.id == "heping-shop-keeper"
            assert isinstance(app.screen, HomeScreen)

    asyncio.run(at_the_counter())

    # 6. Cards of the households added today, read back from their picture.
    cards = tmp_path / "cards.png"
    printed = office.run("cards", "--village", "和平", "--since", "2026-12-02", "--out", str(cards))
    assert printed.code == 0, printed.err
    payloads = [
        code
        for page in sorted(tmp_path.glob("cards*.png"))
        for code in decode_codes(page)
        if code.startswith("JF1:")
    ]
    assert len(payloads) == 6
    first, absent, leaving = payloads[0], payloads[1], payloads[2]

    # 7. At the counter: the card earns and redeems.
    code, _out, err = kiosk_run("award", first, "P09", "--operator", "heping-admin")
    assert code == 0, err
    code, _out, err = kiosk_run(
        "redeem", first, "2:3", "--operator", "heping-shop-keeper", "--json"
    )
    assert code == 0, err

    with read_session(kiosk_engine) as session:
        (order,) = session.scalars(select(RedemptionOrder))
        (job,) = session.scalars(select(ReceiptJob))
    assert (order.total, order.exchange_point_id, job.order_id) == (9, "heping-shop", order.id)

    # 8. Absent, and left: changed at the central, seen at the kiosk after the next pull;
    # with them a new catalogue item, a retired one and the village's approved rule set.
    assert (
        office.run(
            "catalog",
            "add",
            "--name",
            "晾衣架",
            "--points",
            "15",
            "--due-class",
            "daily",
            "--operator",
            "office-1",
        ).code
        == 0
    )
    assert office.run("catalog", "retire", "1", "--operator", "office-1").code == 0
    assert (
        office.run(
            "exchange-point",
            "add",
            "--village",
            "和平",
            "--name",
            "和平村二组便民商店",
            "--operator",
            "office-1",
        ).code
        == 0
    )
    rules = tmp_path / "heping.toml"
    rules.write_text(
        street_ruleset_text().replace('id = "tangxiang-2022"', 'id = "heping-adjusted"', 1),
        encoding="utf-8",
    )
    proposed = office.run(
        "rules",
        "propose",
        str(rules),
        "--village",
        "和平",
        "--from",
        "2027-01-01",
        "--operator",
        "heping-admin",
        "--json",
    )
    assert proposed.code == 0, proposed.out
    approved = office.run("rules", "approve", proposed.json()["id"], "--operator", "office-1")
    assert approved.code == 0, approved.err
    absent_code, leaving_code = absent.split(":")[1], leaving.split(":")[1]
    assert (
        office.run(
            "household", "participation", absent_code, "--absent", "--operator", "office-1"
        ).code
        == 0
    )
    assert (
        office.run(
            "household", "leave", leaving_code, "--reason", "迁往外地", "--operator", "office-1"
        ).code
        == 0
    )
    assert kiosk_run("award", absent, "P09", "--operator", "heping-admin")[0] == 0  # not yet
    sync()
    code, _out, err = kiosk_run("award", absent, "P10", "--operator", "heping-admin")
    assert code == 2 and "long-term absent" in err
    code, _out, err = kiosk_run("redeem", leaving, "1", "--operator", "heping-shop-keeper")
    assert code == 2 and "注销" in err
    code, out, _err = kiosk_run("catalog", "list", "--json")
    offered = {row["name"] for row in json.loads(out)}
    assert "晾衣架" in offered and "牙刷" not in offered
    with read_session(kiosk_engine) as session:
        new_year = ruleset_for(session, "heping", datetime(2027, 1, 1, 4, tzinfo=UTC))
    assert new_year.id == "heping-adjusted"
    code, out, _err = kiosk_run("exchange-point", "list", "--json")
    assert [p["id"] for p in json.loads(out)] == ["heping-shop", "heping-shop-2"]
    kiosk_engine.dispose()
