"""The commands that open the Textual app, `kiosk run` and `kiosk demo`, added to the CLI by kiosk.main."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.settings import add_options

# What `kiosk demo` says before the app takes the terminal: (Chinese, English).
_DEMO_TEXTS: dict[str, tuple[str, str]] = {
    "made": ("演示数据库已建立", "demo database created"),
    "found": ("演示数据库", "demo database"),
    "printer": ("打印机输出", "printer output"),
    "card": ("扫码演示", "a card to scan"),
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="open the kiosk app",
        description="open the kiosk app on the configured database",
    )
    add_options(p)
    p.add_argument("--printer", help="printer URI (env KIOSK_PRINTER)")
    p.add_argument("--paper-width", type=int, choices=[58, 80], help="mm (KIOSK_PAPER_WIDTH)")
    p.set_defaults(handler=run)

    p = subparsers.add_parser(
        "demo",
        help="open the kiosk on a demo database with a file printer (made on first use)",
        description="open the kiosk on a demo database with a file printer (made on first use)",
    )
    p.add_argument("--dir", type=Path, help="where the demo lives (default: the user's data dir)")
    p.add_argument("--fresh", action="store_true", help="throw the old demo database away first")
    p.add_argument("--language", choices=["zh", "en"])
    p.set_defaults(handler=demo)


def run(args: argparse.Namespace) -> int:
    from kiosk.settings import from_options, settings_file
    from kiosk.tui.app import create_app

    settings = from_options(args)
    create_app(settings, settings_path=settings_file(getattr(args, "config", None))).run()
    return 0


def _say(key: str, value: object) -> str:
    zh, en = _DEMO_TEXTS[key]
    return f"{zh} / {en}: {value}"


def demo(args: argparse.Namespace) -> int:
    from kiosk.services.demo import demo_dir, ensure_demo
    from kiosk.settings import load_settings
    from kiosk.tui.app import create_app

    directory = (args.dir or demo_dir()).expanduser().resolve()
    url, printer_file, made = ensure_demo(directory, fresh=args.fresh)
    print(_say("made" if made else "found", url))
    print("  " + _say("printer", printer_file))
    print("  " + _say("card", f"kiosk household payload HP0001 --db {url}"))
    settings = load_settings(
        directory / "kiosk.toml",
        environ={},  # the demo is the same on every machine: no KIOSK_* from the shell
        db=url,
        printer=f"file:{printer_file}",
        demo=True,
        language=args.language,
    )
    create_app(settings, settings_path=directory / "kiosk.toml").run()
    return 0
