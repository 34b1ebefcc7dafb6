"""Receipts and the printer: export or reprint an order's receipt, a test page, previews."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.cli.context import add_db_option, now, settings_of
from kiosk.cli.texts import problem, say

_COLUMNS_HELP = "characters per line: 32 for 58 mm paper, 48 for 80 mm"


def register(subparsers: Any) -> None:
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
    p.add_argument("--printer", help="printer URI (env KIOSK_PRINTER)")
    p.add_argument("--paper-width", type=int, choices=[58, 80], help="mm (KIOSK_PAPER_WIDTH)")
    p.set_defaults(handler=receipt)

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
        print(problem("cli.error", error), file=sys.stderr)
        return EXIT_BAD_INPUT
    printer.send(data)  # PrinterError says what to check; run_handler prints it
    print(say("printer.test_sent", uri=args.uri, size=len(data)))
    return None


def printer_preview(args: argparse.Namespace) -> int | None:
    from kiosk.cli import EXIT_BAD_INPUT
    from kiosk.printing.preview import preview_text, write_receipt_png

    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(problem("cli.error", error), file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(preview_text(data, args.encoding, columns=args.columns))
    if args.png:
        path = write_receipt_png(data, args.png, args.columns, encoding=args.encoding)
        print(f"PNG: {path}")
    return None


def receipt(args: argparse.Namespace) -> int:
    from kiosk.core.clock import from_db
    from kiosk.core.codes import OrderScan, parse_scan
    from kiosk.core.db import open_database, read_session, write_session
    from kiosk.core.errors import BadInput
    from kiosk.core.redemption import order_by_number
    from kiosk.printing.order_receipt import latest_receipt_job, queue_receipt, receipt_bytes
    from kiosk.printing.preview import write_receipt_escpos, write_receipt_png

    settings = settings_of(args)
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
        print(say("receipt.written", order=order.number, path=written))
        return 0

    from sqlmodel import Session

    from kiosk.printing.printers import open_printer
    from kiosk.printing.queue import print_pending

    with write_session(engine) as session:
        order = order_by_number(session, number)
        waiting = latest_receipt_job(session, order.id)
        # A receipt still queued (never printed: the printer was off, or `kiosk redeem` just
        # queued it) goes out as it is, once; a reprint is only for one that was printed.
        reprint = waiting is None or waiting.status == "printed"
        if reprint:
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
        print(say("receipt.reprint_failed", error=result.error))
        return 1
    print(say("receipt.reprinted" if reprint else "receipt.printed", order=order.number))
    return 0
