"""The backup check: this database's newest nightly backup is recent and can be restored."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.core.clock import SHANGHAI
from kiosk.ops.doctor.findings import Check, hours, ok, warn
from kiosk.ops.texts import EMPTY, say

# The nightly backup runs once a day: a day and a half means one night was missed.
BACKUP_WARN_AFTER = timedelta(hours=36)


def check_backup(backup_dir: Path, now: datetime, database: Path | None = None) -> Check:
    """The newest backup in `backup_dir`: its age from its name, and that it is readable.

    Given the `database` they should be copies of, backups of other databases sharing the
    folder are left out (and counted apart): they would restore someone else's ledger.
    """
    from kiosk.ops.backup import (
        KIOSK_PREFIX,
        KIOSK_SUFFIX,
        KIOSK_TABLES,
        backups_of,
        list_backups,
        verify_database,
    )

    how = say("backup.how").capitalised()
    backups = list_backups(backup_dir, KIOSK_PREFIX, KIOSK_SUFFIX)
    others: list[Path] = []
    if database is not None:
        backups, others = backups_of(database, backups)
    if not backups:
        if others:
            said = say("backup.none_of_this", folder=backup_dir, others=len(others), how=how)
            return warn("backup", said, backup_dir=str(backup_dir), other_databases=len(others))
        return warn(
            "backup", say("backup.none", folder=backup_dir, how=how), backup_dir=str(backup_dir)
        )
    newest = backups[-1]
    stamp = newest.name.removeprefix(KIOSK_PREFIX).removesuffix(KIOSK_SUFFIX)
    # Backups are named by Chongqing wall-clock time (kiosk.ops.backup.stamp).
    taken = datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=SHANGHAI)
    age = now - taken
    detail: dict[str, Any] = {
        "backup_dir": str(backup_dir),
        "newest": str(newest),
        "count": len(backups),
    }
    if others:
        detail["other_databases"] = len(others)
    problems = verify_database(newest, KIOSK_TABLES)
    if problems:
        said = say("backup.unusable", name=newest.name, problems="; ".join(problems[:3]), how=how)
        return warn("backup", said, problems=problems, **detail)
    if age < timedelta(0):
        return warn("backup", say("backup.future", name=newest.name), **detail)
    if age > BACKUP_WARN_AFTER:
        said = say("backup.stale", hours=hours(age), name=newest.name, how=how)
        return warn("backup", said, **detail)
    counted_apart = say("backup.others", others=len(others)) if others else EMPTY
    said = say(
        "backup.ok", name=newest.name, hours=hours(age), count=len(backups), others=counted_apart
    )
    return ok("backup", said, **detail)
