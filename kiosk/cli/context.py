"""What every subcommand shares: the database option, the clock, JSON output and exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.core.errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Handler = Callable[[argparse.Namespace], int | None]


def default_db_url() -> str:
    from platformdirs import user_data_dir

    data_dir = Path(user_data_dir("tangxiang-kiosk", appauthor=False))
    return f"sqlite:///{data_dir / 'kiosk.db'}"


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        help="SQLAlchemy URL of the database (env KIOSK_DB; default: an SQLite file in the "
        "user's data directory)",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def database_url(args: argparse.Namespace) -> str:
    return getattr(args, "db", None) or os.environ.get("KIOSK_DB") or default_db_url()


def open_engine(args: argparse.Namespace, *, create: bool = True) -> Engine:
    """Open (and migrate) the database named by --db / KIOSK_DB."""
    from kiosk.core.db import open_database

    return open_database(database_url(args), create=create)


def now() -> datetime:
    from kiosk.core.clock import now as clock_now

    return clock_now()


def _json_default(value: object) -> Any:
    if isinstance(value, datetime):
        from kiosk.core.clock import local

        return local(value).isoformat()  # Chongqing time, with its +08:00 offset
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(payload: object) -> None:
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2, default=_json_default)
    sys.stdout.write("\n")


def run_handler(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; bad input exits 2 with a message on stderr, failures 1."""
    from kiosk.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK

    handler: Handler = args.handler
    try:
        result = handler(args)
    except DomainError as error:
        print(f"错误 / error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except BrokenPipeError:
        # `kiosk ... | head` closed the pipe: not an error of ours.
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # the last line of defence: say what failed, not a traceback
        if os.environ.get("KIOSK_DEBUG"):
            raise
        print(f"失败 / failed: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK if result is None else result
