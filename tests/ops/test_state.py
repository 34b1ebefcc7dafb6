"""Clock, sync, backup, disk and font checks, with the clock passed in and real files."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.core.db import make_engine, open_database, write_session
from kiosk.core.errors import BadInput
from kiosk.core.ledger import meta_set
from kiosk.core.sync_state import LAST_SYNC_KEY
from kiosk.fonts import FontMissingError, cjk_font_path
from kiosk.ops.backup import backup_database
from kiosk.ops.doctor import (
    Status,
    SyncFacts,
    check_backup,
    check_clock,
    check_disk,
    check_font,
    check_sync,
    free_bytes,
    read_sync_facts,
)
from sync.client import HttpCentral, run_sync
from tests.support.builders import url
from tests.support.worlds import DOCTOR_NOW as NOW
from tests.support.worlds import Db

pytestmark = pytest.mark.world("doctor")

HOUR = timedelta(hours=1)


class TestClock:
    def test_a_clock_earlier_than_its_newest_entry_went_backwards(self) -> None:
        facts = SyncFacts(newest_own_entry_at=NOW, last_sync_at=NOW - 10 * HOUR)
        check = check_clock(NOW - timedelta(days=2), facts)
        assert check.status is Status.FAIL
        assert "went backwards" in check.message_en
        assert "2027-03-10 10:00" in check.message_en  # the entry's time, in Chongqing
        assert "倒退" in check.message_zh
        # The entry may be the wrong one: stamped while the clock ran ahead.
        assert "street office" in check.message_en and "街道办" in check.message_zh

    def test_a_clock_earlier_than_the_last_sync_went_backwards(self) -> None:
        facts = SyncFacts(last_sync_at=NOW)
        assert check_clock(NOW - timedelta(minutes=1), facts).status is Status.FAIL

    def test_a_clock_earlier_than_the_centrals_at_the_last_sync_fails(self) -> None:
        facts = SyncFacts(last_sync_at=NOW - HOUR, server_time=NOW)
        check = check_clock(NOW - timedelta(minutes=30), facts)
        assert check.status is Status.FAIL
        assert "street office" in check.message_en

    def test_never_synced_warns(self) -> None:
        check = check_clock(NOW, SyncFacts(newest_own_entry_at=NOW - HOUR))
        assert check.status is Status.WARN
        assert "never synced" in check.message_en

    def test_a_clock_moving_forward_is_fine(self) -> None:
        facts = SyncFacts(newest_own_entry_at=NOW - HOUR, last_sync_at=NOW - 8 * HOUR)
        assert check_clock(NOW, facts).status is Status.OK


class TestSync:
    @pytest.mark.parametrize(
        ("age", "status"),
        [
            (timedelta(hours=20), Status.OK),
            (timedelta(hours=37), Status.WARN),
            (timedelta(days=6), Status.WARN),
            (timedelta(days=8), Status.FAIL),
        ],
    )
    def test_age(self, age: timedelta, status: Status) -> None:
        assert check_sync(NOW, SyncFacts(last_sync_at=NOW - age)).status is status

    def test_never_synced_warns(self) -> None:
        assert check_sync(NOW, SyncFacts()).status is Status.WARN

    def test_a_failed_last_attempt_fails_even_after_a_recent_success(self) -> None:
        facts = SyncFacts(last_sync_at=NOW - HOUR, last_result="failed: connection refused")
        check = check_sync(NOW, facts)
        assert check.status is Status.FAIL
        assert "connection refused" in check.message_en

    def test_a_recorded_success_is_fine(self) -> None:
        facts = SyncFacts(last_sync_at=NOW - HOUR, last_result="ok")
        assert check_sync(NOW, facts).status is Status.OK


class TestDemoSync:
    def test_a_demo_database_is_named_and_no_network_is_advised(self, db_path: Path) -> None:
        facts = read_sync_facts(url(db_path))
        assert facts.demo
        check = check_sync(NOW, facts)
        assert check.status is Status.WARN
        assert "demo database" in check.message_en and "演示数据库" in check.message_zh
        assert "check the network" not in check.message_en
        assert "请检查网络" not in check.message_zh
        assert "kiosk-sync.service" not in check.message_en + check.message_zh
        assert check.detail["demo"] is True

    def test_a_refused_sync_of_a_demo_database_is_not_a_network_failure(
        self, db_path: Path
    ) -> None:
        # kiosk sync refuses a demo database before it says a word to the central (nothing
        # listens on port 9), and records the refusal as the last attempt's outcome.
        engine = make_engine(url(db_path))
        central = HttpCentral("http://127.0.0.1:9", "K-HP-01", "not-a-secret")
        try:
            with pytest.raises(BadInput):
                run_sync(engine, central, kiosk_id="K-HP-01", now=NOW)
        finally:
            engine.dispose()
        facts = read_sync_facts(url(db_path))
        assert facts.last_result is not None and "demo" in facts.last_result
        check = check_sync(NOW, facts)
        assert check.status is Status.WARN
        assert "demo database" in check.message_en
        assert "check the network" not in check.message_en

    def test_a_kiosk_database_never_synced_is_still_told_to_check_the_network(
        self, blank_db: Db
    ) -> None:
        engine = open_database(blank_db.url)
        with write_session(engine) as session:
            meta_set(session, LAST_SYNC_KEY, "")  # installed, never synced
        engine.dispose()
        facts = read_sync_facts(blank_db.url)
        assert not facts.demo and facts.last_sync_at is None
        check = check_sync(NOW, facts)
        assert check.status is Status.WARN
        assert "check the network" in check.message_en and "请检查网络" in check.message_zh


class TestBackup:
    def test_a_fresh_backup_is_fine(self, db_path: Path, tmp_path: Path) -> None:
        backup_database(db_path, tmp_path / "backups", NOW - 8 * HOUR)
        check = check_backup(tmp_path / "backups", NOW)
        assert check.status is Status.OK, check
        assert "8.0 hours" in check.message_en

    def test_a_stale_backup_warns(self, db_path: Path, tmp_path: Path) -> None:
        backup_database(db_path, tmp_path / "backups", NOW - timedelta(days=3))
        backup_database(db_path, tmp_path / "backups", NOW - 40 * HOUR)
        check = check_backup(tmp_path / "backups", NOW)
        assert check.status is Status.WARN
        assert "40 hours old" in check.message_en
        assert check.detail["count"] == 2

    def test_no_backup_warns(self, tmp_path: Path) -> None:
        check = check_backup(tmp_path / "nothing-here", NOW)
        assert check.status is Status.WARN
        assert "no backup" in check.message_en

    def test_a_damaged_newest_backup_warns(self, db_path: Path, tmp_path: Path) -> None:
        newest = backup_database(db_path, tmp_path / "backups", NOW - HOUR)
        with newest.open("r+b") as handle:
            handle.seek(100)
            handle.write(b"\xff" * 4000)
        check = check_backup(tmp_path / "backups", NOW)
        assert check.status is Status.WARN
        assert "unusable" in check.message_en


def another_kiosks_database(db_path: Path, tmp_path: Path) -> Path:
    """A copy of this database that became another kiosk: the same rows, another identity."""
    other = tmp_path / "other" / "kiosk.db"
    other.parent.mkdir()
    shutil.copyfile(db_path, other)
    engine = make_engine(url(other))
    with write_session(engine) as session:
        meta_set(session, "origin", "K-SF-01")
    engine.dispose()
    return other


class TestSharedBackupFolder:
    def test_a_newer_backup_of_another_database_is_not_this_ones(
        self, db_path: Path, tmp_path: Path
    ) -> None:
        folder = tmp_path / "backups"
        mine = backup_database(db_path, folder, NOW - 40 * HOUR)
        backup_database(another_kiosks_database(db_path, tmp_path), folder, NOW - 2 * HOUR)
        check = check_backup(folder, NOW, db_path)
        assert check.status is Status.WARN, check
        assert check.detail["newest"] == str(mine)
        assert check.detail["count"] == 1 and check.detail["other_databases"] == 1
        assert "40 hours old" in check.message_en and "40 小时" in check.message_zh

    def test_only_another_databases_backups_means_none_of_this_one(
        self, db_path: Path, tmp_path: Path
    ) -> None:
        folder = tmp_path / "backups"
        backup_database(another_kiosks_database(db_path, tmp_path), folder, NOW - HOUR)
        check = check_backup(folder, NOW, db_path)
        assert check.status is Status.WARN
        assert "no backup of this database" in check.message_en
        assert "没有这个数据库的备份" in check.message_zh
        assert check.detail == {"backup_dir": str(folder), "other_databases": 1}

    def test_this_databases_fresh_backup_is_found_among_others(
        self, db_path: Path, tmp_path: Path
    ) -> None:
        folder = tmp_path / "backups"
        backup_database(another_kiosks_database(db_path, tmp_path), folder, NOW - 30 * HOUR)
        mine = backup_database(db_path, folder, NOW - 8 * HOUR)
        check = check_backup(folder, NOW, db_path)
        assert check.status is Status.OK, check
        assert check.detail["newest"] == str(mine) and check.detail["count"] == 1
        assert "1 of another database not counted" in check.message_en
        assert "另有 1 份属于别的数据库" in check.message_zh

    def test_two_demo_databases_seeded_apart_are_told_apart(
        self, db_path: Path, demo_db: Db, tmp_path: Path
    ) -> None:
        # Both call themselves K-HP-01; each made its own card key when it was seeded.
        folder = tmp_path / "backups"
        backup_database(demo_db.path, folder, NOW - HOUR)
        check = check_backup(folder, NOW, db_path)
        assert check.status is Status.WARN
        assert check.detail.get("other_databases") == 1, check

    def test_a_backup_too_damaged_to_say_whose_it_is_still_counts(
        self, db_path: Path, tmp_path: Path
    ) -> None:
        folder = tmp_path / "backups"
        newest = backup_database(db_path, folder, NOW - HOUR)
        with newest.open("r+b") as handle:
            handle.seek(100)
            handle.write(b"\xff" * 4000)
        check = check_backup(folder, NOW, db_path)
        assert check.status is Status.WARN
        assert "unusable" in check.message_en


class TestDisk:
    def test_plenty_of_space_is_fine(self, tmp_path: Path) -> None:
        assert check_disk(tmp_path).status is Status.OK

    def test_thresholds(self, tmp_path: Path) -> None:
        free = free_bytes(tmp_path)
        low = check_disk(tmp_path, fail_below=1, warn_below=free + 1)
        assert low.status is Status.WARN
        full = check_disk(tmp_path, fail_below=free + 1, warn_below=free + 2)
        assert full.status is Status.FAIL
        assert "journalctl --vacuum-size" in full.message_en

    def test_free_space_is_in_mib_in_both_languages(self, tmp_path: Path) -> None:
        check = check_disk(tmp_path)
        free = f"{check.detail['free_bytes'] / 1024**2:.0f} MiB"
        assert free in check.message_zh and free in check.message_en, check
        assert not re.search(r"\d MB", check.message_zh + check.message_en)

    def test_a_folder_yet_to_be_made_is_measured_on_its_parent(self, tmp_path: Path) -> None:
        check = check_disk(tmp_path / "var" / "lib" / "tangxiang-kiosk")
        assert check.status is Status.OK
        assert str(tmp_path) in check.message_en


class TestFont:
    def test_a_missing_font_fails(self, tmp_path: Path) -> None:
        check = check_font(tmp_path / "no-such-font.ttc")
        assert check.status is Status.FAIL
        assert "fonts-wqy-microhei" in check.message_en and "方块" in check.message_zh

    def test_no_font_at_all_fails(self) -> None:
        assert check_font(None).status is Status.FAIL

    def test_a_damaged_font_fails(self, tmp_path: Path) -> None:
        broken = tmp_path / "broken.ttf"
        broken.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 200)
        check = check_font(broken)
        assert check.status is Status.FAIL
        assert "damaged" in check.message_en

    def test_the_installed_font_is_fine(self) -> None:
        try:
            font = cjk_font_path()
        except FontMissingError:
            pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
        assert check_font(font).status is Status.OK

    def test_an_override_pointing_nowhere_warns_when_a_fallback_exists(
        self, tmp_path: Path
    ) -> None:
        try:
            font = cjk_font_path()
        except FontMissingError:
            pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
        check = check_font(font, override=str(tmp_path / "gone.ttf"))
        assert check.status is Status.WARN
        assert "KIOSK_CJK_FONT" in check.message_en
