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


def check_backup(backup_dir: Path, now: datetime) -> Check:
    """The newest backup in `backup_dir`: its age from its name, and that it is readable."""
    from kiosk.ops.backup import (
        KIOSK_PREFIX,
        KIOSK_SUFFIX,
        KIOSK_TABLES,
        list_backups,
        verify_database,
    )

    how = say("backup.how").capitalised()
    backups = list_backups(backup_dir, KIOSK_PREFIX, KIOSK_SUFFIX)
    if not backups:
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
    problems = verify_database(newest, KIOSK_TABLES)
    if problems:
        said = say("backup.unusable", name=newest.name, problems="; ".join(problems[:3]), how=how)
        return warn("backup", said, problems=problems, **detail)
    if age < timedelta(0):
        return warn("backup", say("backup.future", name=newest.name), **detail)
    if age > BACKUP_WARN_AFTER:
        said = say("backup.stale", hours=hours(age), name=newest.name, how=how)
        return warn("backup", said, **detail)
    said = say("backup.ok", name=newest.name, hours=hours(age), count=len(backups), others=EMPTY)
    return ok("backup", said, **detail)
