"""`kiosk evaluation`: a village administrator records the monthly red and black lists
(村级评议红榜/黑榜) and reads them back; the points they carry are the engine's, each once."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli.context import add_db_option, add_json_option, now, open_engine, print_json
from kiosk.cli.texts import row, say


def register(subparsers: Any) -> None:
    evaluation = subparsers.add_parser("evaluation", help=say("help.evaluation"))
    sub = evaluation.add_subparsers(dest="evaluation_command", required=True)
    enter = sub.add_parser(
        "enter", help=say("help.evaluation_enter"), description=say("help.evaluation_enter")
    )
    enter.add_argument("--village", required=True, help="name or id, e.g. 和平")
    enter.add_argument("--month", required=True, help="YYYY-MM")
    enter.add_argument("--red", nargs="*", default=[], metavar="CODE", help="household codes")
    enter.add_argument("--black", nargs="*", default=[], metavar="CODE", help="household codes")
    enter.add_argument("--operator", required=True)
    add_db_option(enter)
    add_json_option(enter)
    enter.set_defaults(handler=evaluation_enter)
    show = sub.add_parser(
        "show", help=say("help.evaluation_show"), description=say("help.evaluation_show")
    )
    show.add_argument("--village", required=True)
    show.add_argument("--month", required=True, help="YYYY-MM")
    add_db_option(show)
    add_json_option(show)
    show.set_defaults(handler=evaluation_show)


def evaluation_enter(args: argparse.Namespace) -> int:
    from kiosk.services.evaluations import enter_evaluation

    view = enter_evaluation(
        open_engine(args),
        village=args.village,
        month=args.month,
        red=args.red,
        black=args.black,
        operator_id=args.operator,
        now=now(),
    )
    _show(view, as_json=args.json)
    return 0


def evaluation_show(args: argparse.Namespace) -> int:
    from kiosk.services.evaluations import show_evaluation

    view = show_evaluation(open_engine(args, create=False), village=args.village, month=args.month)
    _show(view, as_json=args.json)
    return 0


def _show(view: Any, *, as_json: bool) -> None:
    if as_json:
        print_json(view.as_json())
        return
    none = row("evaluation.none")
    print(row("evaluation.head", village=view.village, month=view.month))
    print(row("evaluation.red", codes=" ".join(view.red) or none))
    print(row("evaluation.black", codes=" ".join(view.black) or none))
    for entry in view.entries:
        again = "" if entry.written else row("evaluation.again")
        print(
            row(
                "evaluation.entry",
                code=entry.household_code,
                rule=entry.rule_id,
                points=entry.points,
                again=again,
            )
        )
