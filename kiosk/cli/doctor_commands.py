"""`kiosk doctor`: runs the checks of kiosk.ops.doctor and reports them; exits 1 when one fails."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kiosk.cli.context import add_db_option, add_json_option, now, print_json
from kiosk.cli.texts import say


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = subparsers.add_parser(
        "doctor",
        help=say("help.doctor"),
        description="Check the database, printer, scanner, disk space, clock, font, last sync "
        "and backup, and say what to do about each problem. Prints nothing on the printer and "
        "changes nothing. Exit status 0: healthy (warnings allowed), 1: a check failed. "
        "On a kiosk run it as the kiosk user, so that access is checked as the kiosk sees it "
        "and no root-owned database companions (-wal, -shm) are left behind: "
        "runuser -u kiosk -- /opt/tangxiang-kiosk/bin/kiosk doctor",
    )
    add_db_option(doctor)
    add_json_option(doctor)
    doctor.add_argument(
        "--lang",
        choices=("zh", "en"),
        default=None,
        help="language of the report (default: the kiosk's language setting, else zh)",
    )
    doctor.add_argument(
        "--backup-dir",
        type=Path,
        default=None,
        help="where the nightly backups are (default /var/backups/tangxiang-kiosk when it "
        "exists, else 'backups' beside the database)",
    )
    doctor.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    from kiosk.cli import EXIT_FAILURE, EXIT_OK
    from kiosk.core.errors import BadInput
    from kiosk.fonts import FontMissingError, cjk_font_path
    from kiosk.ops import doctor
    from kiosk.settings import database_url, load_settings

    config = getattr(args, "config", None) or doctor.settings_path(os.environ)
    settings = None
    error = None
    try:
        settings = load_settings(config)
    except BadInput as bad:
        error = str(bad)
    settings_check = doctor.check_settings(config if config and config.exists() else None, error)
    # Unreadable settings still leave the database and printer to check where the
    # environment names them, as the kiosk itself would take them.
    given = getattr(args, "db", None)
    if given:
        db_url = database_url(given)
    elif settings is not None:
        db_url = settings.db_url
    else:
        db_url = database_url(os.environ.get("KIOSK_DB", ""))
    printer_uri = settings.printer if settings else os.environ.get("KIOSK_PRINTER")
    language = args.lang or (settings.language if settings else "zh")
    try:
        font_path: Path | None = cjk_font_path()
    except FontMissingError:
        font_path = None
    checked_at = now()
    checks = doctor.run_checks(
        db_url=db_url,
        printer_uri=printer_uri,
        backup_dir=args.backup_dir or doctor.default_backup_dir(doctor.sqlite_path(db_url)),
        now=checked_at,
        font_path=font_path,
        font_override=os.environ.get("KIOSK_CJK_FONT"),
        settings=settings_check,
        scanner_vendors=doctor.installed_scanner_vendors(),
    )
    if args.json:
        print_json(doctor.as_document(checks, checked_at))
    else:
        print(doctor.render_text(checks, language))
    return EXIT_OK if doctor.healthy(checks) else EXIT_FAILURE
