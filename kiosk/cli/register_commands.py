"""`kiosk household import|add|edit|participation|leave`: the register of households, kept at the
street office's central store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.cli.context import add_db_option, add_json_option, now, open_engine, print_json
from kiosk.core.messages import fill

# (Chinese, English) pairs of what these commands print.
TEXTS: dict[str, tuple[str, str]] = {
    "import.help": (
        "从街道办花名册（.xlsx 或 .csv）导入农户",
        "import households from the office's roster (.xlsx or .csv)",
    ),
    "import.problem": ("第 {row} 行 {column}：{message}", "row {row} {column}: {message}"),
    "import.file_problem": ("文件：{message}", "file: {message}"),
    "import.refused": (
        "共 {count} 处问题，未写入任何内容",
        "{count} problems: nothing was written",
    ),
    "import.summary": (
        "新增 {added} 户，修改 {changed} 户，未变 {unchanged} 户",
        "{added} added, {changed} changed, {unchanged} unchanged",
    ),
    "import.dry": ("（试运行，未写入）", "(dry run, nothing written)"),
    "add.help": ("登记一户新农户", "register a new household"),
    "edit.help": ("修改户主、组或成员", "change a household's head, group or members"),
    "participation.help": (
        "登记参与：自愿参与、退出、长期外出、返乡",
        "record taking part: opt in, opt out, long-term absent, back home",
    ),
    "leave.help": ("注销一户（迁出、并户）", "take a household off the register (moved, merged)"),
    "household.done": ("{code} {head}（{village} {group}）", "{code} {head} ({village} {group})"),
    "household.changed": ("已修改：{fields}", "changed: {fields}"),
    "household.left": ("{code} 已注销：{reason}", "{code} left the register: {reason}"),
}


def say(key: str, /, **params: object) -> str:
    pair = TEXTS[key]
    return f"{fill(pair, 'zh', params)} / {fill(pair, 'en', params)}"


def _subcommands(parser: argparse.ArgumentParser) -> Any:
    """The sub-parsers of a command another module registered (here: `household`)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError(parser.prog)


def _command(parent: Any, name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text)
    add_db_option(parser)
    add_json_option(parser)
    parser.add_argument("--operator", required=True, help="the administrator making the change")
    parser.set_defaults(handler=handler)
    return parser


def register(subparsers: Any) -> None:
    household = _subcommands(subparsers.choices["household"])
    p = _command(household, "import", household_import, say("import.help"))
    p.add_argument("file", type=Path, help="FILE.xlsx or FILE.csv")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    p = _command(household, "add", household_add, say("add.help"))
    p.add_argument("--village", required=True, help="village name or id, e.g. 和平")
    p.add_argument("--group", required=True, help="group, e.g. 3组")
    p.add_argument("--head", required=True, help="head of household (户主)")
    p.add_argument("--member", action="append", default=[], help="another member (repeat)")
    p.add_argument("--resident", action="store_true", help="非本村常住: lives here, not native")
    p.add_argument("--absent", action="store_true", help="长期外出: away most of the year")

    p = _command(household, "edit", household_edit, say("edit.help"))
    p.add_argument("code", help="household code, e.g. HP0042")
    p.add_argument("--head", help="the new head (户主)")
    p.add_argument("--group", help="the new group, e.g. 3组")
    p.add_argument("--members", help="all other members, separated by 、 or ，")

    p = _command(household, "participation", household_participation, say("participation.help"))
    p.add_argument("code", help="household code, e.g. HP0042")
    change = p.add_mutually_exclusive_group(required=True)
    for flag in ("opt-in", "opt-out", "absent", "present"):
        change.add_argument(
            f"--{flag}", dest="change", action="store_const", const=flag.replace("-", "_")
        )

    p = _command(household, "leave", household_leave, say("leave.help"))
    p.add_argument("code", help="household code, e.g. HP0042")
    p.add_argument("--reason", required=True, help="why: moved away, merged into HP0007...")


def household_import(args: argparse.Namespace) -> int:
    from kiosk.services.register import import_roster_file

    report = import_roster_file(
        open_engine(args), args.file, operator_id=args.operator, now=now(), dry_run=args.dry_run
    )
    if args.json:
        print_json(report.as_json())
    else:
        for problem in report.errors:
            key = "import.file_problem" if problem.row == 0 else "import.problem"
            where = {"row": problem.row, "column": problem.column}
            print(
                " / ".join(
                    fill(TEXTS[key], language, {**where, "message": problem.message(language)})
                    for language in ("zh", "en")
                )
            )
        if report.errors:
            print(say("import.refused", count=len(report.errors)))
        else:
            print(
                say(
                    "import.summary",
                    added=len(report.added),
                    changed=len(report.changed),
                    unchanged=report.unchanged,
                )
            )
            if args.dry_run:
                print(say("import.dry"))
    return 2 if report.errors else 0


def _show(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.json:
        print_json(result)
        return
    print(
        say(
            "household.done",
            code=result["code"],
            head=result["head"],
            village=result["village_id"],
            group=result["group"],
        )
    )
    if result.get("changed"):
        print(say("household.changed", fields=", ".join(result["changed"])))


def household_add(args: argparse.Namespace) -> None:
    from kiosk.core.models import Residency
    from kiosk.services.register import add

    result = add(
        open_engine(args),
        village=args.village,
        group=args.group,
        head=args.head,
        members=args.member,
        residency=Residency.RESIDENT if args.resident else Residency.NATIVE,
        absent=args.absent,
        operator_id=args.operator,
        now=now(),
    )
    _show(args, result)


def household_edit(args: argparse.Namespace) -> None:
    from kiosk.core.roster import split_members
    from kiosk.services.register import edit

    members = split_members(args.members) if args.members is not None else None
    result = edit(
        open_engine(args),
        args.code,
        head=args.head,
        group=args.group,
        members=[m for m in members if m] if members is not None else None,
        operator_id=args.operator,
        now=now(),
    )
    _show(args, result)


def household_participation(args: argparse.Namespace) -> None:
    from kiosk.services.register import participation

    result = participation(
        open_engine(args), args.code, args.change, operator_id=args.operator, now=now()
    )
    _show(args, result)


def household_leave(args: argparse.Namespace) -> None:
    from kiosk.services.register import leave

    result = leave(
        open_engine(args), args.code, reason=args.reason, operator_id=args.operator, now=now()
    )
    if args.json:
        print_json(result)
    else:
        print(say("household.left", code=result["code"], reason=result["left_reason"]))
