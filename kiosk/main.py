"""The `kiosk` console script: the CLI's commands together with the app's (`run`, `demo`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `kiosk` command; the top layer, the only module that knows both front ends."""
    from kiosk import cli
    from kiosk.tui import commands

    return cli.main(argv, extra=[commands.register])


if __name__ == "__main__":
    sys.exit(main())
