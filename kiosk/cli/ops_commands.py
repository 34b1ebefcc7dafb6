"""`kiosk backup` and `kiosk restore`: the commands the backup timers and the operator run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.cli.context import add_db_option, database_url, now

DEFAULT_KIOSK_KEEP = 14


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="备份数据库 / back up the database (SQLite online copy, or pg_dump on the central)",
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
        help="从备份恢复数据库 / replace the kiosk database with a backup (stop the kiosk first)",
        description="Check FILE, then replace the SQLite database with it. The replaced "
        "database is kept beside it as <db>.before-restore-<time>. "
        "Stop kiosk.service first.",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="the backup to restore")
    add_db_option(restore)
    restore.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace) -> int | None:
    from kiosk.ops.backup import backup_database, dump_postgres

    url = database_url(args)
    if args.keep < 1:
        return _bad_input("保留份数至少为 1", "--keep must be at least 1")
    if _is_postgres(url):
        if args.dir is None:
            return _bad_input("备份 PostgreSQL 时请用 --dir 指定目录", "give --dir for PostgreSQL")
        written = dump_postgres(url, args.dir, now(), args.keep)
    else:
        db_path = _sqlite_path(url)
        if db_path is None:
            return _bad_input(f"不支持的数据库地址：{url}", f"unsupported database URL: {url}")
        if not db_path.is_file():
            return _bad_input(f"数据库不存在：{db_path}", f"no database at {db_path}")
        backup_dir = args.dir if args.dir is not None else db_path.parent / "backups"
        written = backup_database(db_path, backup_dir, now(), args.keep)
    print(f"已备份 / backed up: {written}")
    return None


def run_restore(args: argparse.Namespace) -> int | None:
    from kiosk.ops.backup import RestoreRefused, restore_database

    url = database_url(args)
    db_path = _sqlite_path(url)
    if db_path is None:
        return _bad_input(
            "只能恢复 SQLite 数据库；中心库请用 pg_restore",
            "only SQLite databases are restored here; use pg_restore for the central one",
        )
    try:
        kept = restore_database(args.file, db_path, now=now())
    except RestoreRefused as refused:
        print(f"错误 / error: {refused}", file=sys.stderr)
        from kiosk.cli import EXIT_BAD_INPUT

        return EXIT_BAD_INPUT
    print(f"已恢复 / restored: {args.file} -> {db_path}")
    if kept is not None:
        print(f"原数据库保留为 / the replaced database is kept as: {kept}")
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


def _bad_input(chinese: str, english: str) -> int:
    from kiosk.cli import EXIT_BAD_INPUT

    print(f"错误 / error: {chinese} / {english}", file=sys.stderr)
    return EXIT_BAD_INPUT
