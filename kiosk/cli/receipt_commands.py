"""Printer subcommands that need no database: a test page, and previews of ESC/POS files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.cli.context import now

_COLUMNS_HELP = "characters per line: 32 for 58 mm paper, 48 for 80 mm"


def register(subparsers: Any) -> None:
    printer = subparsers.add_parser("printer", help="receipt printer: test page, preview")
    printer_sub = printer.add_subparsers(dest="printer_command", required=True)

    p = printer_sub.add_parser(
        "test",
        help="print a test page shaped like a receipt",
        description="print a test page: Chinese text, ￥, a QR code and a cut",
    )
    p.add_argument("uri", help="file:PATH, usb:VID:PID, serial:DEVICE[:BAUD], tcp:HOST[:PORT]")
    p.add_argument("--columns", type=int, choices=(32, 48), default=32, help=_COLUMNS_HELP)
    p.add_argument("--encoding", default="gb18030", help="gb18030 (default) or gbk")
    p.set_defaults(handler=printer_test)

    p = printer_sub.add_parser(
        "preview",
        help="show what an ESC/POS file prints",
        description="show what an ESC/POS file (e.g. written by a file: printer) prints",
    )
    p.add_argument("file", type=Path)
    p.add_argument("--png", type=Path, help="also draw the paper into this PNG")
    p.add_argument("--columns", type=int, choices=(32, 48), default=32, help=_COLUMNS_HELP)
    p.add_argument("--encoding", default="gb18030")
    p.set_defaults(handler=printer_preview)


def printer_test(args: argparse.Namespace) -> int | None:
    from kiosk.cli import EXIT_BAD_INPUT
    from kiosk.printing.escpos_bytes import render_receipt
    from kiosk.printing.printers import open_printer
    from kiosk.printing.sample import sample_receipt

    try:
        printer = open_printer(args.uri)
        data = render_receipt(sample_receipt(now()), columns=args.columns, encoding=args.encoding)
    except (ValueError, LookupError) as error:
        print(f"错误 / error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    printer.send(data)  # PrinterError says what to check; run_handler prints it
    print(f"测试页已发送 / test page sent: {args.uri} ({len(data)} bytes)")
    return None


def printer_preview(args: argparse.Namespace) -> int | None:
    from kiosk.cli import EXIT_BAD_INPUT
    from kiosk.printing.preview import preview_text, write_receipt_png

    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"错误 / error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(preview_text(data, args.encoding, columns=args.columns))
    if args.png:
        path = write_receipt_png(data, args.png, args.columns, encoding=args.encoding)
        print(f"PNG: {path}")
    return None
