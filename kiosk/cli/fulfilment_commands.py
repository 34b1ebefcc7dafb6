"""Subcommands for keeping the delivery promises: orders, handover, cancel, restock, deadlines, ontime."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli.context import (
    add_db_option,
    add_json_option,
    in_vocabulary,
    now,
    open_engine,
    print_json,
    settings_of,
)
from kiosk.cli.texts import row as text_row
from kiosk.cli.texts import say, words

STATUSES = ("pending", "overdue", "handed", "cancelled")


def _command(subparsers: Any, name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help_text, description=help_text
    )
    add_db_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def register(subparsers: Any) -> None:
    p = _command(subparsers, "orders", orders, "redemption orders and the state of their lines")
    p.add_argument(
        "--status",
        choices=STATUSES,
        help="only lines in this state (pending includes overdue lines)",
    )
    p.add_argument("--village", help="village id or name")
    p.add_argument("--household", help="household short code")
    add_json_option(p)

    p = _command(subparsers, "handover", handover, "hand pending lines of an order over")
    p.add_argument("order", help="order number, or the receipt's scanned JFO: code")
    p.add_argument(
        "line_nos",
        nargs="*",
        type=int,
        metavar="NO",
        help="line numbers as on the receipt (default: every pending line)",
    )
    p.add_argument("--operator", required=True)
    p.add_argument(
        "--printer",
        help="printer URI for the hand-over slip (env KIOSK_PRINTER; default: only queue it)",
    )
    add_json_option(p)

    p = _command(subparsers, "cancel", cancel, "cancel a pending line and refund its points")
    p.add_argument("order", help="order number, or the receipt's scanned JFO: code")
    p.add_argument("line_no", type=int, metavar="NO", help="line number as on the receipt")
    p.add_argument("--reason", required=True)
    p.add_argument("--operator", required=True, help="a village or street administrator")
    add_json_option(p)

    p = _command(subparsers, "restock", restock, "record goods arriving at the exchange point")
    p.add_argument("item_no", type=int, metavar="ITEM_NO")
    p.add_argument("qty", type=int, metavar="QTY")
    p.add_argument("--operator", required=True)
    p.add_argument("--exchange-point", help="default: the operator's, else this kiosk's")
    add_json_option(p)

    p = _command(subparsers, "deadlines", deadlines, "pending lines by time left")
    p.add_argument("--village", help="village id or name")
    p.add_argument("--item", type=int, help="catalogue number")
    p.add_argument("--household", help="household short code")
    p.add_argument("--exchange-point")
    add_json_option(p)

    p = _command(subparsers, "ontime", ontime, "monthly on-time rate per exchange point")
    p.add_argument("--month", help="YYYY-MM (default: this month)")
    add_json_option(p)


# --- handlers -----------------------------------------------------------------------------


def _local(at: Any) -> str:
    from kiosk.core.clock import local

    return f"{local(at):%Y-%m-%d %H:%M}"


def _line_text(line: Any) -> str:
    if line.status == "handed":
        late = words("line.late") if line.late else ""
        state = words("line.handed_at", at=_local(line.handed_at), late=late)
    elif line.status == "cancelled":
        state = words("line.cancelled", reason=line.cancel_reason)
    else:
        status = words(f"line.status.{line.status}")
        state = words("line.open", status=status, due=_local(line.due_at))
    return "  " + text_row(
        "line.row",
        line_no=line.line_no,
        name=line.name,
        quantity=line.qty,
        points=line.points,
        state=state,
    )


def orders(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.fulfilment import LineStatus, order_report

    with read_session(open_engine(args)) as session:
        records = order_report(
            session,
            now(),
            status=LineStatus(args.status) if args.status else None,
            village=args.village,
            household=args.household,
        )
    if args.json:
        print_json(in_vocabulary([record.as_json() for record in records]))
        return 0
    for record in records:
        print(f"{record.number}  {record.household_code}  {_local(record.created_at)}")
        for line in record.lines:
            print(_line_text(line))
    if not records:
        print(say("orders.none"))
    return 0


def _printing(args: argparse.Namespace) -> tuple[str | None, int, str]:
    """The printer to try now, and the paper: from --printer, KIOSK_PRINTER or kiosk.toml.

    No printer configured ("dummy") means the slip only waits in the queue for the app.
    """
    settings = settings_of(args)  # a bad URI is BadInput, naming the forms
    uri = None if settings.printer == "dummy" else settings.printer
    return uri, settings.columns, settings.encoding


def handover(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session, write_session
    from kiosk.core.fulfilment import resolve_order
    from kiosk.core.reference import operator_by_id
    from kiosk.printing.printers import open_printer
    from kiosk.printing.queue import print_pending
    from kiosk.services.fulfilment import hand_over_and_queue_slip

    uri, columns, encoding = _printing(args)
    moment = now()
    engine = open_engine(args)
    with write_session(engine) as session:
        operator = operator_by_id(session, args.operator)
        order = resolve_order(session, args.order)
        result = hand_over_and_queue_slip(
            session,
            order,
            args.line_nos or None,
            operator,
            moment,
            columns=columns,
            encoding=encoding,
        )
    printed = None
    if uri is not None:
        with read_session(engine) as session:
            printed = print_pending(session, open_printer(uri), moment)
    if args.json:
        payload = result.as_json()
        payload["printed"] = None if printed is None else printed.ok
        payload["print_error"] = printed.error if printed else None
        print_json(in_vocabulary(payload))
    else:
        print(say("handover.done", order=result.order.number, code=result.order.household_code))
        for line in result.handed:
            print(_line_text(line))
        if result.order.open_lines:
            left = ", ".join(str(line.line_no) for line in result.order.open_lines)
            print("  " + say("handover.pending", lines=left))
        if printed is None:
            print(say("handover.queued"))
        elif printed.ok:
            print(say("handover.printed"))
        else:
            print(say("handover.kept", error=printed.error))
    return 0


def cancel(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.fulfilment import cancel_line, resolve_order
    from kiosk.core.reference import operator_by_id

    with write_session(open_engine(args)) as session:
        operator = operator_by_id(session, args.operator)
        order = resolve_order(session, args.order)
        result = cancel_line(session, order, args.line_no, args.reason, operator, now())
    if args.json:
        print_json(in_vocabulary(result.as_json()))
    else:
        print(
            say(
                "cancel.done",
                order=result.order_number,
                line_no=result.line.line_no,
                name=result.line.name,
                refunded=result.refunded,
                code=result.household_code,
                balance=result.balance_after,
            )
        )
    return 0


def restock(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.fulfilment import exchange_point_for
    from kiosk.core.fulfilment import restock as record_restock
    from kiosk.core.reference import operator_by_id

    with write_session(open_engine(args)) as session:
        operator = operator_by_id(session, args.operator)
        named = args.exchange_point or settings_of(args).exchange_point
        point = exchange_point_for(session, operator, named)
        result = record_restock(session, point, args.item_no, args.qty, operator, now())
    if args.json:
        print_json(in_vocabulary(result.as_json()))
    else:
        print(
            say(
                "restock.done",
                point=result.exchange_point_id,
                name=result.name,
                quantity=result.qty,
                on_hand=result.on_hand,
            )
        )
        for row in result.ready:
            print(
                "  "
                + say(
                    "restock.ready",
                    order=row.order_number,
                    line_no=row.line.line_no,
                    code=row.household_code,
                    name=row.line.name,
                    quantity=row.line.qty,
                )
            )
    return 0


def deadlines(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.fulfilment import board, counts

    moment = now()
    with read_session(open_engine(args)) as session:
        rows = board(
            session,
            moment,
            village=args.village,
            item_no=args.item,
            household=args.household,
            exchange_point=args.exchange_point,
        )
        tally = counts(session, moment, exchange_point=args.exchange_point, village=args.village)
    if args.json:
        print_json(
            {"counts": tally.as_json(), "lines": in_vocabulary([row.as_json() for row in rows])}
        )
        return 0
    print(say("deadlines.counts", overdue=tally.overdue, due_today=tally.due_today))
    for row in rows:
        print(
            "  "
            + text_row(
                "deadlines.row",
                hours=int(row.time_left.total_seconds() // 3600),
                urgency=str(row.urgency),
                order=row.order_number,
                line_no=row.line.line_no,
                code=row.household_code,
                name=row.line.name,
                quantity=row.line.qty,
                ready=words("deadlines.ready") if row.ready else "",
            )
        )
    return 0


def ontime(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.fulfilment import on_time_rates
    from kiosk.core.periods import parse_month
    from rules.engine import month_key

    moment = now()
    year, month = parse_month(args.month) if args.month else month_key(moment)
    with read_session(open_engine(args)) as session:
        report = on_time_rates(session, year, month, moment)
    if args.json:
        print_json(report.as_json())
        return 0
    print(say("ontime.title", month=report.month))
    # Exchange points with nothing due that month would only be noise on the printout.
    for row in [*(row for row in report.rows if row.due or row.open), report.total]:
        print(
            "  "
            + text_row(
                "ontime.row",
                point=row.exchange_point or text_row("ontime.total"),
                on_time=row.on_time,
                due=row.due,
                rate=f"{row.rate:.0%}" if row.rate is not None else "-",
                late=row.late,
                open=row.open,
            )
        )
    return 0
