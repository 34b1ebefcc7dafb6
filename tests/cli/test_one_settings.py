"""One settings object for every command: the database as a path or a URL, --db before or after
the command, the card key and evidence directory beside the database, the kiosk's exchange point."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from kiosk.core.ledger import meta_get
from kiosk.settings import Settings, kiosk_exchange_point, load_settings
from tests.support.builders import dump
from tests.support.cli import CliResult
from tests.support.worlds import Db

pytestmark = pytest.mark.world("demo")

Cli = Callable[..., CliResult]
ADMIN = ("--operator", "admin-heping")


def codes(result: CliResult) -> list[str]:
    assert result.code == 0, result.err
    return [row["code"] for row in result.json()]


def test_db_before_or_after_the_command_and_as_a_plain_path(
    cli: Cli, demo_db: Db, blank_db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    # KIOSK_DB (the cli fixture's) names the demo; each form below must name the blank one.
    blank = codes(cli("household", "list", "--village", "和平", "--json", "--db", blank_db.url))
    assert blank != codes(cli("household", "list", "--village", "和平", "--json"))
    assert codes(cli("--db", blank_db.url, "household", "list", "--village", "和平", "--json")) == (
        blank
    )
    assert (
        codes(cli("--db", str(blank_db.path), "household", "list", "--village", "和平", "--json"))
        == blank
    )
    monkeypatch.setenv("KIOSK_DB", str(blank_db.path))  # what a newcomer types first
    assert codes(cli("household", "list", "--village", "和平", "--json")) == blank
    # After the command wins over before it, as the later option does anywhere.
    both = cli(
        "--db",
        blank_db.url,
        "household",
        "list",
        "--village",
        "和平",
        "--json",
        "--db",
        demo_db.url,
    )
    assert codes(both) != blank


def test_every_command_reads_the_settings_file(
    cli: Cli, demo_db: Db, blank_db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'db = "{demo_db.path}"\n', encoding="utf-8")
    monkeypatch.delenv("KIOSK_DB")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    before = cli("household", "show", "HP0001", "--json").json()["balance"]
    awarded = cli("award", "HP0001", "P08", "--operator", "admin-heping", "--json")
    assert awarded.code == 0, awarded.err
    assert cli("household", "show", "HP0001", "--json").json()["balance"] > before
    # --config names another file, before the command or after it.
    other = tmp_path / "other.toml"
    other.write_text(f'db = "{blank_db.path}"\n', encoding="utf-8")
    blank = cli("--db", blank_db.url, "household", "list", "--json").json()
    assert blank != cli("household", "list", "--json").json()
    assert cli("--config", str(other), "household", "list", "--json").json() == blank
    assert cli("household", "list", "--json", "--config", str(other)).json() == blank


def test_a_bad_database_setting_exits_2_naming_it(
    cli: Cli, demo_db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = dump(demo_db.path)
    monkeypatch.setenv("KIOSK_DB", "sqlite:/no-slashes.db")
    result = cli("award", "HP0001", "P08", "--operator", "admin-heping")
    assert (result.code, result.out) == (2, "")
    assert "Setting db has a bad value" in result.err and "设置项 db" in result.err
    assert dump(demo_db.path) == before


def test_card_key_and_evidence_beside_the_sqlite_file_unless_named(tmp_path: Path) -> None:
    beside = load_settings(tmp_path / "none.toml", environ={"KIOSK_DB": str(tmp_path / "k.db")})
    assert beside.db_url == f"sqlite:///{tmp_path / 'k.db'}"
    assert beside.card_key_path == tmp_path / "k.db.card-key"
    assert beside.evidence_path == tmp_path / "k.db.evidence"
    named = load_settings(
        tmp_path / "none.toml",
        environ={
            "KIOSK_DB": f"sqlite:///{tmp_path / 'k.db'}",
            "KIOSK_CARD_KEY": str(tmp_path / "office.key"),
            "KIOSK_EVIDENCE_DIR": str(tmp_path / "photos"),
        },
    )
    assert (named.card_key_path, named.evidence_path) == (
        tmp_path / "office.key",
        tmp_path / "photos",
    )
    # PostgreSQL has no file to sit beside: no key unless named, photos in the data dir.
    central = Settings(db="postgresql+psycopg://kiosk@/jifen")
    assert central.card_key_path is None
    assert central.evidence_path.name == "evidence"


def test_the_kiosk_exchange_point_is_the_setting_else_the_centrals(session: Session) -> None:
    assigned = meta_get(session, "exchange_point_id")
    assert assigned is not None
    assert kiosk_exchange_point(session, Settings()) == assigned
    assert kiosk_exchange_point(session, Settings(exchange_point="xizige-shop")) == "xizige-shop"


def test_card_commands_use_the_key_the_settings_name(
    cli: Cli, demo_db: Db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = tmp_path / "office" / "card.key"
    moved.parent.mkdir()
    demo_db.key_path.rename(moved)
    refused = cli("household", "payload", "HP0001")
    assert refused.code == 2 and "no card-signing key" in refused.err
    monkeypatch.setenv("KIOSK_CARD_KEY", str(moved))
    found = cli("household", "payload", "HP0001")
    assert found.code == 0 and found.out.startswith("JF1:HP0001:")


def test_the_language_setting_chooses_what_the_cli_says(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    both = cli("freeze", "HP0002", "--until", "2026-12-31", "--reason", "test", *ADMIN)
    assert both.code == 0 and "冻结兑换" in both.out and " / " in both.out and "frozen" in both.out
    monkeypatch.setenv("KIOSK_LANGUAGE", "en")
    english = cli("unfreeze", "HP0002", "--reason", "settled", *ADMIN)
    assert (english.code, english.out) == (0, "HP0002: freeze lifted\n")
    refused = cli("unfreeze", "HP9999", "--reason", "settled", *ADMIN)
    assert refused.code == 2 and refused.err == "error: No such household: HP9999\n"
