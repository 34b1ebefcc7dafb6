"""The `kiosk` command line: the scriptable twin of the Textual app, one subcommand per action."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines `register(subparsers)`; handlers import their heavy dependencies
# lazily so that `kiosk --help` and quick reports start fast.
COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.cli.core_commands",
    "kiosk.cli.cards_commands",
    "kiosk.cli.ops_commands",
    "kiosk.cli.receipt_commands",
    "kiosk.cli.app_commands",
    "kiosk.cli.fulfilment_commands",
    "kiosk.cli.sync_commands",
    "kiosk.cli.admin_commands",
    "kiosk.cli.doctor_commands",
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="棠香街道乡村治理积分兑换点 / Tangxiang points-scheme exchange kiosk",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from kiosk.cli.context import run_handler

    parser = build_parser()
    args = parser.parse_args(argv)
    return run_handler(args)


if __name__ == "__main__":
    sys.exit(main())
