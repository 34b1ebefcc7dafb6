"""Subcommands for keeping the delivery promises: orders, handover, cancel, restock, deadlines, ontime."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli.context import (
    add_db_option,
    add_json_option,
    now,
    open_engine,
    print_json,
    settings_of,
)

STATUSES = ("pending", "overdue", "handed", "cancelled")
STATUS_TEXT = {
    "pending": "待交付 pending",
    "overdue": "已逾期 overdue",
    "handed": "已交付 handed",
    "cancelled": "已取消 cancelled",
}


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
        late = " 逾期 late" if line.late else ""
        state = f"{STATUS_TEXT['handed']} {_local(line.handed_at)}{late}"
    elif line.status == "cancelled":
        state = f"{STATUS_TEXT['cancelled']} ({line.cancel_reason})"
    else:
        state = f"{STATUS_TEXT[line.status]}, 应于 due {_local(line.due_at)}"
    return f"  {line.line_no}. {line.name} x{line.qty} {line.points}分  {state}"


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
        print_json([record.as_json() for record in records])
        return 0
    for record in records:
        print(f"{record.number}  {record.household_code}  {_local(record.created_at)}")
        for line in record.lines:
            print(_line_text(line))
    if not records:
        print("没有符合条件的兑换单 / no matching orders")
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
        print_json(payload)
    else:
        print(
            f"兑换单 order {result.order.number} ({result.order.household_code}) 交付 handed over:"
        )
        for line in result.handed:
            print(_line_text(line))
        if result.order.open_lines:
            left = ", ".join(str(line.line_no) for line in result.order.open_lines)
            print(f"  仍待交付 still pending: {left}")
        if printed is None:
            print("交付单已排队，等待打印 / slip queued for the printer")
        elif printed.ok:
            print("交付单已打印 / slip printed")
        else:
            print(f"交付单未打印，已保留在队列 / slip kept in the queue: {printed.error}")
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
        print_json(result.as_json())
    else:
        print(
            f"已取消 cancelled {result.order_number} #{result.line.line_no} {result.line.name}: "
            f"退回 refunded {result.refunded} 分, {result.household_code} 余额 balance "
            f"{result.balance_after}"
        )
    return 0


def restock(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.fulfilment import exchange_point_for
    from kiosk.core.fulfilment import restock as record_restock
    from kiosk.core.reference import operator_by_id

    with write_session(open_engine(args)) as session:
        operator = operator_by_id(session, args.operator)
        point = exchange_point_for(session, operator, args.exchange_point)
        result = record_restock(session, point, args.item_no, args.qty, operator, now())
    if args.json:
        print_json(result.as_json())
    else:
        print(
            f"{result.exchange_point_id}: {result.name} +{result.qty}, "
            f"库存 on hand {result.on_hand}"
        )
        for row in result.ready:
            print(
                f"  可交付 ready to hand over: {row.order_number} #{row.line.line_no} "
                f"{row.household_code} {row.line.name} x{row.line.qty}"
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
        print_json({"counts": tally.as_json(), "lines": [row.as_json() for row in rows]})
        return 0
    print(f"逾期 overdue {tally.overdue}  今日到期 due today {tally.due_today}")
    for row in rows:
        hours = int(row.time_left.total_seconds() // 3600)
        ready = "  可交付 ready" if row.ready else ""
        print(
            f"  {hours:>+5}h {row.urgency:<8} {row.order_number} #{row.line.line_no} "
            f"{row.household_code} {row.line.name} x{row.line.qty}{ready}"
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
    print(f"{report.month} 按时兑现率 on-time rate (按时/到期 on time / due)")
    # Exchange points with nothing due that month would only be noise on the printout.
    for row in [*(row for row in report.rows if row.due or row.open), report.total]:
        name = row.exchange_point or "合计 total"
        rate = f"{row.rate:.0%}" if row.rate is not None else "-"
        print(
            f"  {name:<10} {row.on_time}/{row.due} {rate:>5}  逾期 late {row.late}"
            f"  未到期 open {row.open}"
        )
    return 0
