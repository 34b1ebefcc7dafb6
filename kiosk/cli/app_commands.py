"""Subcommands that open the kiosk app (`run`, `demo`) and export or reprint a receipt."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.cli.context import add_db_option, now

DEMO_HOUSEHOLDS_PER_VILLAGE = 20


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="open the kiosk app",
        description="open the kiosk app on the configured database",
    )
    add_db_option(p)
    _add_settings_options(p)
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

    p = subparsers.add_parser(
        "receipt",
        help="export an order's receipt (PNG or ESC/POS bytes) or reprint it",
        description="without an option, queue a marked reprint on the configured printer",
    )
    add_db_option(p)
    p.add_argument("order", help="receipt number (K-HP-01-000001), order id or JFO: code")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--png", type=Path, help="write what the paper shows as a PNG")
    target.add_argument("--escpos", type=Path, help="write the exact bytes the printer gets")
    _add_settings_options(p)
    p.set_defaults(handler=receipt)


def _add_settings_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--printer", help="printer URI (env KIOSK_PRINTER)")
    parser.add_argument("--paper-width", type=int, choices=[58, 80], help="mm (KIOSK_PAPER_WIDTH)")
    parser.add_argument("--config", type=Path, help="the settings file (env KIOSK_CONFIG)")


def _settings(args: argparse.Namespace) -> Any:
    from kiosk.settings import load_settings

    return load_settings(
        getattr(args, "config", None),
        db=getattr(args, "db", None),
        printer=getattr(args, "printer", None),
        paper_width=getattr(args, "paper_width", None),
    )


def _settings_path(args: argparse.Namespace) -> Path:
    import os

    from kiosk.settings import default_config_path

    if getattr(args, "config", None):
        return Path(args.config)
    return (
        Path(os.environ["KIOSK_CONFIG"])
        if os.environ.get("KIOSK_CONFIG")
        else default_config_path()
    )


def run(args: argparse.Namespace) -> int:
    from kiosk.tui.app import create_app

    settings = _settings(args)
    create_app(settings, settings_path=_settings_path(args)).run()
    return 0


def demo_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("tangxiang-kiosk", appauthor=False)) / "demo"


def ensure_demo(directory: Path, *, fresh: bool = False) -> tuple[str, Path, bool]:
    """The demo database URL and printer file under `directory`; seeds it on first use.

    Returns (url, printer file, made now). The card-signing key lies beside the database,
    so the demo can mint the payloads a scanner would type.
    """
    from kiosk.core.db import open_database, write_session
    from kiosk.core.seed import database_is_empty, seed_demo

    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "kiosk-demo.db"
    if fresh:
        for leftover in directory.glob("kiosk-demo.db*"):
            leftover.unlink()
    url = f"sqlite:///{database}"
    engine = open_database(url)
    made = False
    with write_session(engine) as session:
        if database_is_empty(session):
            seed_demo(
                session,
                now=now(),
                households_per_village=DEMO_HOUSEHOLDS_PER_VILLAGE,
                signing_key_path=Path(f"{database}.card-key"),
                url=url,
            )
            made = True
    engine.dispose()
    return url, directory / "printer.escpos", made


def demo(args: argparse.Namespace) -> int:
    from kiosk.settings import load_settings
    from kiosk.tui.app import create_app

    directory = (args.dir or demo_dir()).expanduser().resolve()
    url, printer_file, made = ensure_demo(directory, fresh=args.fresh)
    print(
        ("演示数据库已建立 / demo database created: " if made else "演示数据库 / demo database: ")
        + url
    )
    print(f"  打印机输出 / printer output: {printer_file}")
    print(f"  扫码演示 / a card to scan: kiosk household payload HP0001 --db {url}")
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


def receipt(args: argparse.Namespace) -> int:
    from kiosk.core.clock import from_db
    from kiosk.core.codes import OrderScan, parse_scan
    from kiosk.core.db import open_database, read_session, write_session
    from kiosk.core.errors import BadInput
    from kiosk.core.redemption import order_by_number
    from kiosk.printing.order_receipt import latest_receipt_job, queue_receipt, receipt_bytes
    from kiosk.printing.preview import write_receipt_escpos, write_receipt_png

    settings = _settings(args)
    number = args.order.strip()
    if number.upper().startswith("JFO:"):
        scan = parse_scan(number)
        if not isinstance(scan, OrderScan):
            raise BadInput("order.unknown", order=args.order)
        number = scan.number
    engine = open_database(settings.db_url, create=False)
    if args.png or args.escpos:
        with read_session(engine) as session:
            order = order_by_number(session, number)
            job = latest_receipt_job(session, order.id)
            # The bytes the printer was (or will be) sent, when the kiosk queued them.
            payload = (
                bytes(job.payload)
                if job is not None
                else receipt_bytes(
                    session,
                    order,
                    printed_at=from_db(order.created_at),
                    columns=settings.columns,
                    encoding=settings.encoding,
                )
            )
        if args.png:
            written = write_receipt_png(payload, args.png, columns=settings.columns)
        else:
            written = write_receipt_escpos(payload, args.escpos)
        print(f"{order.number} → {written}")
        return 0

    from sqlmodel import Session

    from kiosk.printing.printers import open_printer
    from kiosk.printing.queue import print_pending

    with write_session(engine) as session:
        order = order_by_number(session, number)
        queue_receipt(
            session,
            order,
            now=now(),
            columns=settings.columns,
            encoding=settings.encoding,
            reprint=True,
        )
    with Session(engine, expire_on_commit=False) as session:
        result = print_pending(session, open_printer(settings.printer), now())
    if not result.ok:
        print(f"补打已排队，打印失败 / reprint queued, printing failed: {result.error}")
        return 1
    print(f"已补打 / reprinted: {order.number}")
    return 0
