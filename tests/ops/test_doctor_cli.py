"""`kiosk doctor` in-process: exit status, JSON and both languages, on real files."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from kiosk.cli import main
from kiosk.core.db import make_engine, write_session
from kiosk.core.ledger import append_entry, meta_set
from kiosk.core.models import Household
from kiosk.fonts import FontMissingError, cjk_font_path
from kiosk.ops.backup import backup_database
from tests.support.builders import url
from tests.support.worlds import DOCTOR_NOW as NOW

pytestmark = pytest.mark.world("doctor")


@pytest.fixture
def kiosk(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A kiosk as the doctor finds it: settings file, file printer, a backup from last night."""
    try:
        cjk_font_path()
    except FontMissingError:
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'printer = "file:{tmp_path / "receipts.bin"}"\nkiosk_id = "K-HP-01"\n')
    for variable in ("KIOSK_DB", "KIOSK_PRINTER", "KIOSK_LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    monkeypatch.setenv("KIOSK_NOW", NOW.isoformat())
    backup_database(db_path, tmp_path / "backups", NOW - timedelta(hours=8))
    return db_path


def doctor(
    db: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, object]]:
    code = main(
        [
            "doctor",
            "--db",
            url(db),
            "--backup-dir",
            str(db.parent.parent / "backups"),
            "--json",
            *extra,
        ]
    )
    report = json.loads(capsys.readouterr().out)
    return code, report


def statuses(report: dict[str, object]) -> dict[str, str]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return {check["name"]: check["status"] for check in checks}


def test_a_healthy_kiosk_exits_0_with_warnings_allowed(
    kiosk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = doctor(kiosk, capsys)
    found = statuses(report)
    assert code == 0, report
    assert report["healthy"] is True
    for name in ("settings", "database", "journal", "migrations", "ledger", "disk", "printer"):
        assert found[name] == "ok", (name, report)
    assert found["font"] == "ok" and found["backup"] == "ok"
    assert found["sync"] == "warn" and found["clock"] == "warn"  # never synced
    assert found["scanner"] in ("ok", "warn")


def test_a_corrupted_database_exits_1_and_is_named(
    kiosk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with kiosk.open("r+b") as handle:
        handle.seek(kiosk.stat().st_size // 2 // 4096 * 4096)
        handle.write(b"\xa5\x5a" * 8192)
    code, report = doctor(kiosk, capsys)
    found = statuses(report)
    assert code == 1
    assert found["database"] == "fail"
    assert found["migrations"] == "warn"  # not checked on a database that cannot be read
    database = next(c for c in report["checks"] if c["name"] == "database")  # type: ignore[attr-defined]
    assert "damaged" in database["message_en"]


def test_a_database_behind_is_named_and_left_as_it_was(
    kiosk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connection = sqlite3.connect(kiosk)
    connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.commit()
    connection.close()
    code, report = doctor(kiosk, capsys)
    assert code == 1
    assert statuses(report)["migrations"] == "fail"
    # The doctor only looks: it never migrates.
    connection = sqlite3.connect(kiosk)
    assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    connection.close()


def test_a_clock_gone_backwards_exits_1(
    kiosk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(url(kiosk))
    with write_session(engine) as session:
        household = session.exec(select(Household)).first()
        assert household is not None
        append_entry(
            session, household_id=household.id, points=2, kind="award", at=NOW, origin="K-HP-01"
        )
    engine.dispose()
    monkeypatch.setenv("KIOSK_NOW", (NOW - timedelta(days=1)).isoformat())
    code, report = doctor(kiosk, capsys)
    assert code == 1
    assert statuses(report)["clock"] == "fail"


def test_a_printer_on_a_full_device_exits_1(
    kiosk: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_PRINTER", "file:/dev/full")  # the environment wins over the file
    code, report = doctor(kiosk, capsys)
    assert code == 1
    assert statuses(report)["printer"] == "fail"


def test_unreadable_settings_fail_but_the_rest_is_still_checked(
    kiosk: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "kiosk.toml").write_text("paper_width = 57\n")
    code, report = doctor(kiosk, capsys)
    found = statuses(report)
    assert code == 1
    assert found["settings"] == "fail" and found["database"] == "ok"


def test_the_text_report_in_each_language(kiosk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backups = str(kiosk.parent.parent / "backups")
    assert main(["doctor", "--db", url(kiosk), "--backup-dir", backups, "--lang", "en"]) == 0
    english = capsys.readouterr().out
    assert "[OK] database: The database is sound" in english
    assert english.rstrip().endswith("warnings).")
    assert main(["doctor", "--db", url(kiosk), "--backup-dir", backups, "--lang", "zh"]) == 0
    chinese = capsys.readouterr().out
    assert "[正常] 数据库: 数据库文件完好" in chinese
    assert "可以正常使用" in chinese


def test_a_shared_backup_folder_reports_only_this_databases_backups(
    kiosk: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Another kiosk's database backed up into the same folder, more recently than this one.
    other = tmp_path / "other" / "kiosk.db"
    other.parent.mkdir()
    shutil.copyfile(kiosk, other)
    engine = make_engine(url(other))
    with write_session(engine) as session:
        meta_set(session, "origin", "K-SF-01")
    engine.dispose()
    theirs = backup_database(other, tmp_path / "backups", NOW - timedelta(hours=1))
    code, report = doctor(kiosk, capsys)
    assert code == 0
    backup = next(c for c in report["checks"] if c["name"] == "backup")  # type: ignore[attr-defined]
    assert backup["status"] == "ok"
    assert backup["detail"]["count"] == 1 and backup["detail"]["other_databases"] == 1
    assert backup["detail"]["newest"] != str(theirs)
    assert "8.0 hours old" in backup["message_en"]


def test_a_demo_database_gets_no_network_advice_in_either_language(
    kiosk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backups = str(kiosk.parent.parent / "backups")
    assert main(["doctor", "--db", url(kiosk), "--backup-dir", backups, "--lang", "en"]) == 0
    english = capsys.readouterr().out
    assert "[WARN] sync: This is a demo database" in english
    assert "check the network" not in english
    assert main(["doctor", "--db", url(kiosk), "--backup-dir", backups, "--lang", "zh"]) == 0
    chinese = capsys.readouterr().out
    assert "[注意] 同步: 这是演示数据库" in chinese
    assert "请检查网络" not in chinese
