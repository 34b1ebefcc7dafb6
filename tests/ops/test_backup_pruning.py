"""Keeping the newest backups deletes only this database's old copies, never another
database's that shares the backup folder (the default folder sits beside the database)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.ops.backup import KIOSK_PREFIX, KIOSK_SUFFIX, backup_database, backups_of, list_backups
from tests.conftest import Templates
from tests.support.clock import at


def test_pruning_keeps_another_databases_backups(templates: Templates, tmp_path: Path) -> None:
    # Two kiosk databases with different identities (kiosk id and card key), one folder.
    ours = templates.copy("blank", tmp_path / "ours" / "kiosk.db").path
    theirs = templates.copy("demo", tmp_path / "theirs" / "kiosk.db").path
    folder = tmp_path / "backups"
    start = at(2026, 12, 1, 2)

    their_backup = backup_database(theirs, folder, start, keep=2)
    made = [backup_database(ours, folder, start + timedelta(days=day), keep=2) for day in (1, 2, 3)]

    left = list_backups(folder, KIOSK_PREFIX, KIOSK_SUFFIX)
    assert their_backup in left, "another database's backup was pruned"
    assert backups_of(ours, left) == (made[1:], [their_backup])


def test_keep_must_be_positive(templates: Templates, tmp_path: Path) -> None:
    database = templates.copy("blank", tmp_path / "db" / "kiosk.db").path
    with pytest.raises(ValueError, match="at least 1"):
        backup_database(database, tmp_path / "backups", at(2026, 12, 1), keep=0)
    assert not (tmp_path / "backups").exists()
