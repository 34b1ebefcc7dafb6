"""The `kiosk` command on a demo database: the JSON of every reporting command, and bad input
(codes, rules, items, quantities, balance, freeze) exiting 2 with a message, changing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.core.db import open_database
from tests.support.builders import NOW, dump
from tests.support.cli import CliResult
from tests.support.worlds import DEMO_HOUSEHOLDS_PER_VILLAGE, Db

Cli = Callable[..., CliResult]
ADMIN = ("--operator", "admin-heping")
SHOP = ("--operator", "shop-heping")


def payload(cli: Cli, code: str = "HP0001") -> str:
    result = cli("household", "payload", code)
    assert result.code == 0, result.err
    return result.out.strip()


def shown(cli: Cli, code: str = "HP0001") -> dict[str, object]:
    result = cli("household", "show", code, "--json")
    assert result.code == 0, result.err
    data: dict[str, object] = result.json()
    return data


def alter(text_: str, index: int) -> str:
    """`text_` with the character at `index` replaced by another of the same alphabet."""
    old = text_[index]
    new = "B" if old != "B" else "C"
    if old.isdigit():
        new = "7" if old != "7" else "6"
    return text_[:index] + new + text_[index + 1 :]


# --- exit 0: the JSON shapes ---------------------------------------------------------------


def test_operator_list_json(cli: Cli) -> None:
    rows = cli("operator", "list", "--json").json()
    assert len(rows) == 19  # a street admin, and a shopkeeper and an admin per village
    assert {"id", "name", "role", "village"} <= set(rows[0])
    assert {row["role"] for row in rows} == {"shopkeeper", "village_admin", "street_admin"}
    shop = next(row for row in rows if row["id"] == "shop-heping")
    assert (shop["role"], shop["village"]) == ("shopkeeper", "和平")


def test_rules_list_json(cli: Cli) -> None:
    rows = cli("rules", "list", "--json").json()
    assert len(rows) == 33
    assert {"id", "list", "text", "points"} <= set(rows[0])
    by_id = {row["id"]: row for row in rows}
    assert (by_id["P13.1"]["list"], by_id["P13.1"]["points"], by_id["P13.1"]["per"]) == (
        "positive",
        5,
        20,
    )
    assert (by_id["N02"]["list"], by_id["N02"]["points"]) == ("negative", -20)


def test_catalog_list_json(cli: Cli) -> None:
    rows = cli("catalog", "list", "--json").json()
    assert [row["item_no"] for row in rows] == list(range(1, 32))
    assert {"item_no", "name", "points", "due_days"} <= set(rows[0])
    assert (rows[1]["name"], rows[1]["points"], rows[1]["due_days"]) == ("牙膏", 3, 2)
    assert (rows[30]["name"], rows[30]["points"], rows[30]["due_days"]) == ("太阳能庭院灯", 260, 7)


def test_household_list_json(cli: Cli) -> None:
    rows = cli("household", "list", "--village", "和平", "--json").json()
    assert [row["code"] for row in rows] == [
        f"HP{n:04d}" for n in range(1, DEMO_HOUSEHOLDS_PER_VILLAGE + 1)
    ]
    assert {"code", "village", "head", "balance"} <= set(rows[0])
    assert {row["village"] for row in rows} == {"和平"}
    assert rows[0]["balance"] == shown(cli, "HP0001")["balance"]
    everyone = cli("household", "list", "--json").json()
    assert len(everyone) == 9 * DEMO_HOUSEHOLDS_PER_VILLAGE


def test_household_show_json_by_code_and_by_payload(cli: Cli) -> None:
    data = shown(cli, "HP0001")
    assert {"code", "village", "head", "balance", "frozen_until", "entries"} <= set(data)
    assert (data["code"], data["village"], data["frozen_until"], data["points_year"]) == (
        "HP0001",
        "和平",
        None,
        2026,
    )
    entries = data["entries"]
    assert isinstance(entries, list) and entries
    assert {"id", "points", "kind", "rule_id", "created_at"} <= set(entries[0])
    assert data["balance"] == sum(entry["points"] for entry in entries)
    assert shown(cli, payload(cli, "HP0001")) == data
    assert shown(cli, "hp0001") == data  # a scanner with Caps Lock off


def test_award_json(cli: Cli) -> None:
    before = shown(cli)["balance"]
    result = cli("award", "HP0001", "P13.1", "--qty", "45", "--helper", "HP0002", *ADMIN, "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["rule"] == "P13.1"
    assert [(e["household"], e["points"], e["kind"]) for e in data["entries"]] == [
        ("HP0001", 10, "award"),
        ("HP0002", 10, "award"),
    ]
    assert data["entries"][0]["remainder"] == 5
    assert shown(cli)["balance"] == before + 10  # type: ignore[operator]


def test_negative_rule_deducts_through_the_cli(cli: Cli) -> None:
    before = shown(cli)["balance"]
    data = cli("award", "HP0001", "N02", *ADMIN, "--json").json()
    assert [(e["points"], e["kind"]) for e in data["entries"]] == [(-20, "deduction")]
    assert shown(cli)["balance"] == before - 20  # type: ignore[operator]


def test_redeem_json(cli: Cli) -> None:
    before = shown(cli)["balance"]
    result = cli("redeem", payload(cli), "2:2", "25", *SHOP, "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert {"order", "total", "balance_after", "lines"} <= set(data)
    assert (data["total"], data["balance_after"]) == (71, before - 71)  # type: ignore[operator]
    assert [(line["item_no"], line["quantity"], line["points"]) for line in data["lines"]] == [
        (2, 2, 6),
        (25, 1, 65),
    ]
    assert [line["due_at"] for line in data["lines"]] == [
        "2026-11-17T10:00:00+08:00",
        "2026-11-22T10:00:00+08:00",
    ]
    assert data["order"].startswith("K-HP-01-")
    assert shown(cli)["balance"] == data["balance_after"]


def test_close_and_check_json(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_NOW", "2027-01-01T08:00:00+08:00")
    month = cli("close-month", "2026-10", "--json").json()
    assert month["period"] == "2026-10" and month["bonuses_written"] >= 5 * 9
    year = cli("close-year", "--previous", "--json").json()
    assert year["period"] == "2026" and year["expired_households"] > 0
    again = cli("close-year", "2026", "--json").json()
    assert (again["bonuses_written"], again["expired_households"]) == (0, 0)
    check = cli("check", "--json")
    assert check.code == 0 and check.json()["ok"] is True
    assert shown(cli)["points_year"] == 2027


def test_freeze_then_unfreeze(cli: Cli) -> None:
    assert (
        cli("freeze", "HP0001", "--until", "2026-12-31", "--reason", "违法违纪", *ADMIN).code == 0
    )
    assert shown(cli)["frozen_until"] == "2026-12-31"
    refused = cli("redeem", "HP0001", "1", *SHOP)
    assert refused.code == 2 and "2026-12-31" in refused.err
    assert cli("unfreeze", "HP0001", "--reason", "核实解除", *ADMIN).code == 0
    assert cli("redeem", "HP0001", "1", *SHOP).code == 0


# --- exit 2: bad input, with a message and the database unchanged ------------------------------


def refused(cli: Cli, db: Db, *argv: str) -> str:
    before = dump(db.path)
    result = cli(*argv)
    assert result.code == 2, (argv, result)
    assert result.err.strip(), "a refusal must say why"
    assert dump(db.path) == before, f"{argv} changed the database"
    return result.err


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("HP9999", "No such household: HP9999"),
        ("JFO:K-HP-01-999999", "No such household"),
        ("!!garbage!!", "Unreadable code"),
        ("JF1:HP0001:1:TOOSHORT", "Unreadable code"),
        ("x" * 10_000, "Unreadable code"),
        ("HP0001\x1b[2J", "Unreadable code"),
    ],
)
def test_unknown_and_garbled_codes(cli: Cli, demo_db: Db, code: str, message: str) -> None:
    assert message in refused(cli, demo_db, "redeem", code, "1", *SHOP)
    assert message in refused(cli, demo_db, "household", "show", code)


def forged_variants(good: str) -> dict[str, str]:
    prefix, code, version, signature = good.split(":")
    return {
        "signature changed": f"{prefix}:{code}:{version}:{alter(signature, 40)}",
        "signature's last character changed": f"{prefix}:{code}:{version}:{alter(signature, len(signature) - 1)}",
        "code changed": f"{prefix}:HP0002:{version}:{signature}",
        "version changed": f"{prefix}:{code}:2:{signature}",
    }


@pytest.mark.parametrize(
    "variant",
    ["signature changed", "signature's last character changed", "code changed", "version changed"],
)
def test_forged_and_altered_cards_are_refused(cli: Cli, demo_db: Db, variant: str) -> None:
    code = forged_variants(payload(cli))[variant]
    err = refused(cli, demo_db, "redeem", code, "1", *SHOP)
    assert "forged or altered" in err
    assert "forged or altered" in refused(cli, demo_db, "award", code, "P01", *ADMIN)
    assert "forged or altered" in refused(cli, demo_db, "household", "show", code)


def test_revoked_card_after_reissue(cli: Cli, demo_db: Db) -> None:
    old_card = payload(cli)
    engine = open_database(demo_db.url)
    with engine.begin() as connection:  # a lost card was reissued: version 2
        connection.execute(text("UPDATE household SET card_version = 2 WHERE code = 'HP0001'"))
    engine.dispose()
    err = refused(cli, demo_db, "redeem", old_card, "1", *SHOP)
    assert "This card was replaced: use the new card (version 2)" in err
    new_card = payload(cli)
    assert new_card.startswith("JF1:HP0001:2:")
    assert cli("redeem", new_card, "1", *SHOP).code == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("award", "HP0001", "P99", *ADMIN), "No such rule: P99"),
        (("award", "HP0001", "P14", *ADMIN), "written by the month/year close"),
        (("award", "HP0001", "N09", *ADMIN), "use freeze"),
        (("award", "HP0001", "P01", "--qty", "0", *ADMIN), "from 1 to 10; got: 0"),
        (("award", "HP0001", "P01", "--qty", "-1", *ADMIN), "from 1 to 10; got: -1"),
        (("award", "HP0001", "P01", "--qty", str(10**9), *ADMIN), "got: 1000000000"),
        (("award", "HP0001", "P13.1", "--qty", "19", *ADMIN), "Less than 20"),
        (("award", "HP0001", "P01", "--helper", "HP0001", *ADMIN), "another household"),
        (("award", "HP0001", "P01", "--helper", "HP9999", *ADMIN), "No such household: HP9999"),
        (("award", "HP0001", "P01", "--operator", "shop-heping"), "may not do this"),
        (("award", "HP0001", "P01", "--operator", "admin-xizige"), "its own village"),
        (("award", "HP0001", "P01", "--operator", "nobody"), "No such operator"),
        (("award", "HP0001", "P01", "--qty", "abc", *ADMIN), "invalid int value"),
        (("redeem", "HP0001", "99", *SHOP), "no item number 99"),
        (("redeem", "HP0001", "0", *SHOP), "no item number 0"),
        (("redeem", "HP0001", "1:0", *SHOP), "from 1 to 99; got: 0"),
        (("redeem", "HP0001", "1:-1", *SHOP), "from 1 to 99; got: -1"),
        (("redeem", "HP0001", f"1:{10**9}", *SHOP), "got: 1000000000"),
        (("redeem", "HP0001", "one", *SHOP), "Items are NO[:QTY]"),
        (("redeem", "HP0001", "31:99", *SHOP), "Not enough points: needs 25740"),
        (("redeem", "HP0001", "1", "--operator", "shop-xizige"), "its own village"),
        (("freeze", "HP0001", "--until", "2026-13-01", "--reason", "x", *ADMIN), "Bad date"),
        (
            ("freeze", "HP0001", "--until", "2026-11-01", "--reason", "x", *ADMIN),
            "cannot end before",
        ),
        (("freeze", "HP0001", "--until", "2026-12-01", "--reason", " ", *ADMIN), "Give the reason"),
        (("close-month", "2026-11"), "has not ended yet"),
        (("close-month", "2026-1x"), "Bad date"),
        (("close-year", "2026"), "has not ended yet"),
        (("household", "list", "--village", "无此村"), "No such village"),
        (("seed-demo",), "already holds data"),
    ],
)
def test_bad_input_exits_2_and_changes_nothing(
    cli: Cli, demo_db: Db, argv: tuple[str, ...], message: str
) -> None:
    assert message in refused(cli, demo_db, *argv)


def test_over_the_balance_and_frozen_redemptions_change_nothing(cli: Cli, demo_db: Db) -> None:
    balance = shown(cli)["balance"]
    assert isinstance(balance, int) and balance > 0
    assert f"balance {balance}" in refused(
        cli, demo_db, "redeem", "HP0001", f"1:{min(balance + 1, 99)}", "31", *SHOP
    )
    assert (
        cli("freeze", "HP0001", "--until", "2026-11-30", "--reason", "家庭成员违法", *ADMIN).code
        == 0
    )
    err = refused(cli, demo_db, "redeem", "HP0001", "1", *SHOP)
    assert "may not redeem until 2026-11-30" in err and "家庭成员违法" in err
    # Earning goes on while frozen.
    assert cli("award", "HP0001", "P01", *ADMIN).code == 0


def test_missing_database_for_check_is_bad_input(cli: Cli, tmp_path: Path) -> None:
    result = cli("check", "--db", f"sqlite:///{tmp_path / 'nowhere.db'}")
    assert result.code == 2 and "No database file" in result.err
    assert not (tmp_path / "nowhere.db").exists()


# --- the console script itself -------------------------------------------------------------


def _console(demo_db: Db, *argv: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("kiosk")
    env = {**os.environ, "KIOSK_DB": demo_db.url, "KIOSK_NOW": NOW.isoformat()}
    env.pop("KIOSK_CARD_KEY", None)
    return subprocess.run([str(script), *argv], capture_output=True, text=True, env=env, timeout=60)


def test_console_script_shows_a_household(demo_db: Db) -> None:
    result = _console(demo_db, "household", "show", "HP0001", "--json")
    assert result.returncode == 0, result.stderr
    assert '"code": "HP0001"' in result.stdout


def test_console_script_refuses_bad_input_with_exit_2(demo_db: Db) -> None:
    before = dump(demo_db.path)
    result = _console(demo_db, "redeem", "HP0001", "1:0", "--operator", "shop-heping")
    assert (result.returncode, result.stdout) == (2, "")
    assert "错误 / error" in result.stderr and "Traceback" not in result.stderr
    assert dump(demo_db.path) == before
