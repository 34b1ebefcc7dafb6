"""`kiosk backup` and `kiosk restore`: the commands the backup timers and the operator run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.cli.context import add_db_option, database_url, now, settings_of
from kiosk.cli.texts import BadArgument, problem, say

DEFAULT_KIOSK_KEEP = 14


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = subparsers.add_parser(
        "backup",
        help=say("help.backup"),
        description="Copy the live database into DIR and keep the newest N copies. "
        "SQLite is copied with its backup API while the kiosk runs; "
        "a PostgreSQL URL is dumped with pg_dump -Fc.",
    )
    add_db_option(backup)
    backup.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where the copies go (default: a 'backups' folder beside an SQLite database)",
    )
    backup.add_argument(
        "--keep",
        type=int,
        default=DEFAULT_KIOSK_KEEP,
        help=f"how many copies to keep, oldest deleted first (default {DEFAULT_KIOSK_KEEP})",
    )
    backup.set_defaults(handler=run_backup)

    restore = subparsers.add_parser(
        "restore",
        help=say("help.restore"),
        description="Check FILE, then replace the SQLite database with it. The replaced "
        "database is kept beside it as <db>.before-restore-<time>. "
        "Stop kiosk.service first.",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="the backup to restore")
    add_db_option(restore)
    restore.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int | None:
    from kiosk.ops.backup import backup_database, backup_evidence, dump_postgres

    url = database_url(args)
    if args.keep < 1:
        raise BadArgument("backup.keep")
    if _is_postgres(url):
        if args.dir is None:
            raise BadArgument("backup.dir_for_postgres")
        written = dump_postgres(url, args.dir, now(), args.keep)
        backup_dir = args.dir
    else:
        db_path = _sqlite_path(url)
        if db_path is None:
            raise BadArgument("backup.unsupported", url=url)
        if not db_path.is_file():
            raise BadArgument("backup.no_database", path=db_path)
        backup_dir = args.dir if args.dir is not None else db_path.parent / "backups"
        written = backup_database(db_path, backup_dir, now(), args.keep)
    print(say("backup.done", path=written))
    # The declarations' photos beside it (phones' at the central, the counter's at a kiosk).
    photos = backup_evidence(settings_of(args).evidence_path, backup_dir)
    if photos:
        print(say("backup.photos", count=photos, path=backup_dir / "evidence"))
    return None


def run_restore(args: argparse.Namespace) -> int | None:
    from kiosk.ops.backup import RestoreRefused, restore_database

    url = database_url(args)
    db_path = _sqlite_path(url)
    if db_path is None:
        raise BadArgument("restore.sqlite_only")
    try:
        kept = restore_database(args.file, db_path, now=now())
    except RestoreRefused as refused:
        print(problem("cli.error", refused), file=sys.stderr)
        from kiosk.cli import EXIT_BAD_INPUT

        return EXIT_BAD_INPUT
    print(say("restore.done", file=args.file, path=db_path))
    if kept is not None:
        print(say("restore.kept", path=kept))
    return None


def _is_postgres(url: str) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(url).get_backend_name() == "postgresql"


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).expanduser()
