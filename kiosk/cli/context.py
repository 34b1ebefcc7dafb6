"""What every subcommand shares: the settings, the database, the clock, JSON output and exit codes."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kiosk.core.errors import BadInput, DomainError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kiosk.core.codes import CardSigner
    from kiosk.settings import Settings

Handler = Callable[[argparse.Namespace], int | None]


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """--db and --config before the command (`kiosk --db X household list`)."""
    from kiosk.settings import add_options

    add_options(parser, before_command=True)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """--db and --config after the command; one given before it still holds."""
    from kiosk.settings import add_options

    add_options(parser)


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def settings_of(args: argparse.Namespace) -> Settings:
    """The one settings object for this command (kiosk.settings.from_options), loaded once."""
    cached: Settings | None = getattr(args, "_settings", None)
    if cached is None:
        from kiosk.settings import from_options

        cached = from_options(args)
        args._settings = cached
    return cached


def database_url(args: argparse.Namespace) -> str:
    return settings_of(args).db_url


def open_engine(args: argparse.Namespace, *, create: bool = True) -> Engine:
    """Open (and migrate) the database the settings name."""
    from kiosk.core.db import open_database

    return open_database(database_url(args), create=create)


def card_signer(args: argparse.Namespace) -> CardSigner:
    """The street office's card signer from the settings' card key, or BadInput where this
    machine holds none (a kiosk must not be able to mint cards)."""
    from kiosk.core.codes import CardSigner

    key_path = settings_of(args).card_key_path
    if key_path is None or not key_path.exists():
        raise BadInput("code.no_signing_key")
    return CardSigner.from_file(key_path)


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


def in_vocabulary(payload: Any) -> Any:
    """An order's or a line's JSON in the CLI's one vocabulary (docs/cli.md).

    The views name a receipt line `no` or `line` and a catalogue item `no` or `item_no`
    depending on where they come from; scripts get `line_no` for the receipt line,
    `item_no` for the catalogue item and `quantity` for how many, in every command.
    """
    if isinstance(payload, list):
        return [in_vocabulary(value) for value in payload]
    if not isinstance(payload, dict):
        return payload
    renamed: dict[str, Any] = {}
    names_item = "item_no" in payload
    for key, value in payload.items():
        if key == "qty":
            key = "quantity"
        elif key == "no":
            # Beside an item_no, `no` is the receipt line; alone, the catalogue item.
            key = "line_no" if names_item else "item_no"
        elif key == "line" and isinstance(value, int):
            key = "line_no"
        renamed[key] = in_vocabulary(value)
    return renamed


def run_handler(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; bad input exits 2 with a message on stderr, failures 1."""
    from kiosk.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
    from kiosk.cli.texts import BadArgument, problem, use_language

    handler: Handler = args.handler
    # A settings file too broken to read leaves the language at Chinese; the command
    # itself then says what is wrong with the file (doctor reports it as a check).
    with contextlib.suppress(DomainError, OSError):
        use_language(settings_of(args).language)
    try:
        result = handler(args)
    except (DomainError, BadArgument) as error:
        print(problem("cli.error", error), file=sys.stderr)
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
        print(problem("cli.failed", f"{type(error).__name__}: {error}"), file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK if result is None else result
