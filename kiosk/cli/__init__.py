"""The `kiosk` command line: the scriptable twin of the Textual app, one subcommand per action."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence
from typing import Any

# Each module defines `register(subparsers)`; handlers import their heavy dependencies
# lazily so that `kiosk --help` and quick reports start fast.
COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.cli.core_commands",
    "kiosk.cli.cards_commands",
    "kiosk.cli.ops_commands",
    "kiosk.cli.receipt_commands",
    "kiosk.cli.fulfilment_commands",
    "kiosk.cli.sync_commands",
    "kiosk.cli.phone_commands",
    "kiosk.cli.admin_commands",
    "kiosk.cli.evaluation_commands",
    "kiosk.cli.doctor_commands",
    "kiosk.cli.register_commands",  # after core_commands: adds to its `household`
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

Register = Callable[[Any], None]
"""What adds subcommands to the parser: a module's `register(subparsers)`."""


def build_parser(extra: Sequence[Register] = ()) -> argparse.ArgumentParser:
    """The parser of every CLI subcommand, plus those `extra` adds (the app's, from kiosk.main)."""
    from kiosk.cli.context import add_global_options
    from kiosk.cli.texts import say

    parser = argparse.ArgumentParser(prog="kiosk", description=say("cli.description"))
    add_global_options(parser)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    for register in extra:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None, *, extra: Sequence[Register] = ()) -> int:
    """Parse `argv` and run the chosen command; the exit status (0, 1 failed, 2 bad input)."""
    from kiosk.cli.context import run_handler

    args = build_parser(extra).parse_args(argv)
    return run_handler(args)
