"""Clock, sync, backup, disk and font checks, with the clock passed in and real files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

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
)
from tests.support.worlds import DOCTOR_NOW as NOW

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
