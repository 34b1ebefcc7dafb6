"""`kiosk doctor`'s checks, one module per group, run in the order a technician works through them.

- `findings`: what a check finds (`Check`, `Status`) and how figures are written;
- `machine`: the settings file, free disk space, the Chinese font;
- `database`: the file, power-cut safety, schema version, the ledger's invariants;
- `devices`: the receipt printer (asked, never printed on) and the scanner;
- `state`: the clock and the last sync, against what the database remembers;
- `backups`: this database's newest nightly backup;
- `report`: the findings as text or JSON.
Every sentence comes from `kiosk.ops.texts`, in Chinese and English.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from kiosk.ops.doctor.backups import BACKUP_WARN_AFTER, check_backup
from kiosk.ops.doctor.database import (
    check_database,
    check_journal,
    check_ledger_invariants,
    check_migrations,
    check_not_sqlite,
    sqlite_path,
)
from kiosk.ops.doctor.devices import (
    DLE_EOT_PAPER,
    INPUT_BY_ID,
    INSTALLED_RULES,
    REPO_RULES,
    STATUS_TIMEOUT_S,
    USB_DEVICES,
    check_printer,
    check_scanner,
    installed_scanner_vendors,
    scanner_vendor_ids,
)
from kiosk.ops.doctor.findings import Check, Status, healthy, not_checked
from kiosk.ops.doctor.machine import (
    DISK_FAIL_BELOW,
    DISK_WARN_BELOW,
    check_disk,
    check_font,
    check_settings,
    free_bytes,
    settings_path,
)
from kiosk.ops.doctor.report import as_document, render_text
from kiosk.ops.doctor.state import (
    SYNC_FAIL_AFTER,
    SYNC_WARN_AFTER,
    SyncFacts,
    check_clock,
    check_sync,
    read_sync_facts,
)
from kiosk.ops.texts import say

__all__ = [
    "BACKUP_WARN_AFTER",
    "DISK_FAIL_BELOW",
    "DISK_WARN_BELOW",
    "DLE_EOT_PAPER",
    "INPUT_BY_ID",
    "INSTALLED_RULES",
    "REPO_RULES",
    "STATUS_TIMEOUT_S",
    "SYNC_FAIL_AFTER",
    "SYNC_WARN_AFTER",
    "USB_DEVICES",
    "Check",
    "Status",
    "SyncFacts",
    "as_document",
    "check_backup",
    "check_clock",
    "check_database",
    "check_disk",
    "check_font",
    "check_journal",
    "check_ledger_invariants",
    "check_migrations",
    "check_printer",
    "check_scanner",
    "check_settings",
    "check_sync",
    "default_backup_dir",
    "free_bytes",
    "healthy",
    "installed_scanner_vendors",
    "read_sync_facts",
    "render_text",
    "run_checks",
    "scanner_vendor_ids",
    "settings_path",
    "sqlite_path",
]

INSTALLED_BACKUP_DIR = Path("/var/backups/tangxiang-kiosk")


def run_checks(
    *,
    db_url: str,
    printer_uri: str | None,
    backup_dir: Path,
    now: datetime,
    font_path: Path | None,
    font_override: str | None = None,
    settings: Check | None = None,
    scanner_vendors: Collection[str] = (),
    input_by_id: Path = INPUT_BY_ID,
    usb_devices: Path = USB_DEVICES,
    status_timeout: float = STATUS_TIMEOUT_S,
) -> list[Check]:
    """Every check, in the order a technician works through them."""
    checks: list[Check] = [settings] if settings is not None else []
    db_path = sqlite_path(db_url)
    facts: SyncFacts | None = None
    unreadable = say("why.database_unreadable")
    if db_path is None:
        checks.append(check_not_sqlite(db_url))
    else:
        database = check_database(db_path)
        checks.append(database)
        if database.status is Status.FAIL:
            checks += [
                not_checked(name, unreadable) for name in ("journal", "migrations", "ledger")
            ]
        else:
            checks += [
                check_journal(db_url),
                check_migrations(db_url),
                check_ledger_invariants(db_url, now),
            ]
            # A database that passed its checks but whose facts cannot be read still leaves
            # the clock and sync unchecked rather than the whole doctor failing.
            with contextlib.suppress(Exception):
                facts = read_sync_facts(db_url)
        checks.append(check_disk(db_path.parent))
    checks.append(check_printer(printer_uri, status_timeout=status_timeout))
    checks.append(check_scanner(input_by_id, usb_devices, scanner_vendors))
    if facts is not None:
        checks += [check_clock(now, facts), check_sync(now, facts)]
    else:
        checks += [not_checked(name, unreadable) for name in ("clock", "sync")]
    checks.append(check_font(font_path, font_override))
    # Only a database that opened has an identity to tell its backups from another's by.
    own = db_path if facts is not None else None
    checks.append(check_backup(backup_dir, now, own))
    return checks


def default_backup_dir(db_path: Path | None) -> Path:
    """Where the nightly backups go: the installed folder, else `kiosk backup`'s own default."""
    if INSTALLED_BACKUP_DIR.is_dir() or db_path is None:
        return INSTALLED_BACKUP_DIR
    return db_path.parent / "backups"
