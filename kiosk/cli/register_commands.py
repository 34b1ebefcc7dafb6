"""`kiosk household import|add|edit|participation|leave` and `kiosk operator add|pin|disable`: the
register of households and operators, kept at the street office's central store; and the first
street administrator of `kiosk central init`."""

from __future__ import annotations

import argparse
import functools
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.cli.context import add_db_option, add_json_option, now, open_engine, print_json
from kiosk.cli.texts import speak
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
    "operator.add.help": (
        "添加操作员，并打印一次性密码",
        "add an operator and print its one-time PIN",
    ),
    "operator.pin.help": ("重新发放一次性密码", "issue a new one-time PIN"),
    "operator.disable.help": ("停用操作员（同步后各兑换点生效）", "stop an operator signing in"),
    "operator.done": ("{id} {name}（{role}）", "{id} {name} ({role})"),
    "operator.pin": (
        "一次性密码：{pin}（只显示这一次；首次在兑换点登录时须改为自己的密码）",
        "one-time PIN: {pin} (shown this once; it must be changed at the first sign-in on a kiosk)",
    ),
    "operator.disabled": (
        "{id} 已停用，各兑换点同步后生效",
        "{id} disabled from each kiosk's next sync",
    ),
    "point.help": ("兑换点：添加、列表", "exchange points: add, list"),
    "point.add.help": ("为村增设兑换点", "add an exchange point to a village"),
    "point.list.help": ("列出兑换点", "list exchange points"),
    "point.done": ("{id} {name}（{village}）", "{id} {name} ({village})"),
    "item.done": (
        "第{no}号 {name}：{points} 分（{due_class}）",
        "item {no} {name}: {points} points ({due_class})",
    ),
    "item.retired": ("第{no}号 {name} 停止兑换", "item {no} {name} retired"),
    "item.priced": (
        "第{no}号 {name}：{from} 起 {points} 分（此前 {before} 分），各兑换点同步后生效；之前的订单不变",
        "item {no} {name}: {points} points from {from} (was {before}), on each kiosk after its "
        "sync; earlier orders keep their price",
    ),
    "rules.proposed": (
        "已提交规则申请 {id}，待街道管理员批准：kiosk rules approve {id}",
        "rule set proposed as {id}, for a street administrator to approve: kiosk rules approve {id}",
    ),
    "rules.problem": (
        "规则文件第 {row} 行 {column}：{message}",
        "rule file line {row} {column}: {message}",
    ),
    "rules.refused": ("共 {count} 处问题，未保存", "{count} problems: nothing stored"),
    "rules.approved": (
        "已批准：{ruleset}，{effective_from} 起生效，各兑换机同步后使用",
        "approved: {ruleset}, in force from {effective_from}, on each kiosk after its sync",
    ),
    "rules.in_force": (
        "{village}：{ruleset}（{effective_from} 起）",
        "{village}: {ruleset} (from {effective_from})",
    ),
    "rules.proposal": (
        "申请 {id}：{set}，{village}，{effective_from} 起，{state}",
        "proposal {id}: {set}, {village}, from {effective_from}, {state}",
    ),
    "rules.state_approved": ("已批准", "approved"),
    "rules.state_pending": ("待批准", "pending"),
    "admin.id.help": ("第一位街道管理员的编号", "id of the first street administrator"),
    "admin.name.help": ("第一位街道管理员的姓名", "name of the first street administrator"),
    "admin.done": ("街道管理员 {id} {name}", "street administrator {id} {name}"),
}


def say(key: str, /, **params: object) -> str:
    return speak(TEXTS[key], **params)  # in the command's language, as every CLI text


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

    operator = _subcommands(subparsers.choices["operator"])  # core's, with `operator list`
    p = _command(operator, "add", operator_add, say("operator.add.help"))
    p.add_argument("--id", required=True, dest="new_id", help="login id, e.g. shop-heping-2")
    p.add_argument("--name", required=True, help="the person's name")
    p.add_argument("--role", required=True, choices=["shopkeeper", "village_admin", "street_admin"])
    p.add_argument("--village", help="village name or id (shopkeepers, village administrators)")
    p.add_argument("--exchange-point", help="the exchange point a shopkeeper serves")
    p = _command(operator, "pin", operator_pin, say("operator.pin.help"))
    p.add_argument("target", metavar="ID")
    p = _command(operator, "disable", operator_disable, say("operator.disable.help"))
    p.add_argument("target", metavar="ID")

    points = subparsers.add_parser("exchange-point", help=say("point.help"))
    point = points.add_subparsers(dest="point_command", required=True, metavar="ACTION")
    p = _command(point, "add", point_add, say("point.add.help"))
    p.add_argument("--village", required=True, help="village name or id, e.g. 和平")
    p.add_argument("--name", required=True, help="e.g. 和平村第二便民商店")
    p.add_argument("--id", dest="point_id", help="e.g. heping-shop-2 (default: the next free)")
    p = point.add_parser("list", help=say("point.list.help"), description=say("point.list.help"))
    add_db_option(p)
    add_json_option(p)
    p.add_argument("--village", help="only this village")
    p.set_defaults(handler=point_list)

    # `kiosk catalog list` (core's) gains `add` and `retire NO`.
    catalog = subparsers.choices["catalog"]
    action = next(a for a in catalog._actions if a.dest == "action")
    action.choices = [*(action.choices or ()), "add", "retire", "price"]
    catalog.add_argument(
        "no", nargs="?", type=int, metavar="NO", help="retire, price: the item number"
    )
    catalog.add_argument(
        "new_points", nargs="?", type=int, metavar="POINTS", help="price: its new price"
    )
    catalog.add_argument(
        "--from",
        dest="price_from",
        type=date.fromisoformat,
        help="price: the first day of the new price (YYYY-MM-DD, tomorrow at the earliest)",
    )
    catalog.add_argument("--name", help="add: the item's name")
    catalog.add_argument("--points", type=int, help="add: its price in points")
    catalog.add_argument(
        "--due-class", choices=("daily", "appliance"), help="add: daily (2 days), appliance (7)"
    )
    catalog.add_argument("--operator", help="add, retire, price: the street administrator")
    catalog.set_defaults(handler=functools.partial(catalog_command, catalog.get_default("handler")))

    # `kiosk rules list` (core's: the rules in force) gains the village rule sets.
    rules = subparsers.choices["rules"]
    action = next(a for a in rules._actions if a.dest == "action")
    action.choices = [*(action.choices or ()), "propose", "approve", "sets"]
    rules.add_argument("target", nargs="?", help="propose: the TOML file; approve: the proposal id")
    rules.add_argument(
        "--from", dest="effective_from", type=date.fromisoformat, help="propose: YYYY-MM-DD"
    )
    rules.add_argument("--at", type=date.fromisoformat, help="sets: on this day (default today)")
    rules.add_argument("--operator", help="propose, approve: the administrator")
    rules.set_defaults(handler=functools.partial(rules_command, rules.get_default("handler")))

    # `kiosk central init` (sync's module) gains the first street administrator.
    init = _subcommands(subparsers.choices["central"]).choices["init"]
    add_first_admin_options(init)
    init.set_defaults(
        handler=functools.partial(central_init_with_admin, init.get_default("handler"))
    )


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


def _show_operator(args: argparse.Namespace, result: dict[str, Any]) -> None:
    if args.json:
        print_json(result)
        return
    print(say("operator.done", id=result["id"], name=result["name"], role=result["role"]))
    if "pin" in result:
        print(say("operator.pin", pin=result["pin"]))


def operator_add(args: argparse.Namespace) -> None:
    from kiosk.services.register import add_operator

    result = add_operator(
        open_engine(args),
        new_id=args.new_id,
        name=args.name,
        role=args.role,
        village=args.village,
        exchange_point=args.exchange_point,
        operator_id=args.operator,
        now=now(),
    )
    _show_operator(args, result)


def operator_pin(args: argparse.Namespace) -> None:
    from kiosk.services.register import reissue_pin

    _show_operator(
        args, reissue_pin(open_engine(args), args.target, operator_id=args.operator, now=now())
    )


def operator_disable(args: argparse.Namespace) -> None:
    from kiosk.services.register import disable_operator

    result = disable_operator(open_engine(args), args.target, operator_id=args.operator, now=now())
    if args.json:
        print_json(result)
    else:
        print(say("operator.disabled", id=result["id"]))


# --- `kiosk central init --admin-id ID --admin-name NAME` ------------------------------------


def add_first_admin_options(parser: argparse.ArgumentParser) -> None:
    """The options `kiosk central init` takes for the first street administrator."""
    parser.add_argument("--admin-id", help=say("admin.id.help"))
    parser.add_argument("--admin-name", help=say("admin.name.help"))
    add_json_option(parser)


def central_init_with_admin(init: Any, args: argparse.Namespace) -> int:
    """`kiosk central init`, then (if asked) the first street administrator and its one-time
    PIN, printed once; with --json one object with `admin_pin`."""
    import contextlib
    import io

    from kiosk.cli.context import database_url
    from kiosk.core.db import write_session
    from kiosk.core.errors import BadInput
    from kiosk.core.register import first_admin

    wanted = args.admin_id is not None or args.admin_name is not None
    if wanted and not (args.admin_id and args.admin_name):
        raise BadInput("operator.needs_admin")
    said = io.StringIO()
    with contextlib.redirect_stdout(said) if args.json else contextlib.nullcontext():
        code: int = init(args) or 0
    if code != 0:
        return code
    admin: dict[str, str] = {}
    if wanted:
        # Init is idempotent: if this is refused, run it again with a better id or name.
        with write_session(open_engine(args)) as session:
            pin = first_admin(session, admin_id=args.admin_id, name=args.admin_name, now=now())
        admin = {"admin_id": args.admin_id, "admin_name": args.admin_name, "admin_pin": pin}
    if args.json:
        print_json({"url": database_url(args), **admin})
    elif admin:
        print(say("admin.done", id=admin["admin_id"], name=admin["admin_name"]))
        print(say("operator.pin", pin=admin["admin_pin"]))
    return 0


def point_add(args: argparse.Namespace) -> None:
    from kiosk.services.register import add_exchange_point

    result = add_exchange_point(
        open_engine(args),
        village=args.village,
        name=args.name,
        point_id=args.point_id,
        operator_id=args.operator,
        now=now(),
    )
    if args.json:
        print_json(result)
    else:
        print(say("point.done", id=result["id"], name=result["name"], village=result["village_id"]))


def point_list(args: argparse.Namespace) -> None:
    from kiosk.services.register import list_exchange_points

    points = list_exchange_points(open_engine(args, create=False), args.village)
    if args.json:
        print_json(points)
        return
    for found in points:
        print(f"{found['id']}\t{found['village_id']}\t{found['name']}")


def catalog_command(listing: Any, args: argparse.Namespace) -> int:
    """`kiosk catalog list|add|retire|price`: listing stays core's, changes the register's."""
    from kiosk.core.errors import BadInput
    from kiosk.services.register import add_catalog_item, retire_catalog_item, set_catalog_price

    if args.action == "list":
        code: int = listing(args) or 0
        return code
    if not args.operator:
        raise BadInput("catalog.needs", what="--operator")
    if args.action == "add":
        missing = [
            flag
            for flag, value in (
                ("--name", args.name),
                ("--points", args.points),
                ("--due-class", args.due_class),
            )
            if value is None
        ]
        if missing:
            raise BadInput("catalog.needs", what=" ".join(missing))
        result = add_catalog_item(
            open_engine(args),
            name=args.name,
            points=args.points,
            due_class=args.due_class,
            operator_id=args.operator,
            now=now(),
        )
        key = "item.done"
    elif args.action == "price":
        if args.no is None or args.new_points is None or args.price_from is None:
            raise BadInput("catalog.needs", what="NO POINTS --from YYYY-MM-DD")
        priced = set_catalog_price(
            open_engine(args),
            args.no,
            args.new_points,
            effective_from=args.price_from,
            operator_id=args.operator,
            now=now(),
        )
        if args.json:
            print_json(priced)
        else:
            print(say("item.priced", **priced))
        return 0
    else:
        if args.no is None:
            raise BadInput("catalog.needs", what="NO")
        result = retire_catalog_item(
            open_engine(args), args.no, operator_id=args.operator, now=now()
        )
        key = "item.retired"
    if args.json:
        print_json(result)
    else:
        print(
            say(
                key,
                no=result["item_no"],
                name=result["name"],
                points=result["points"],
                due_class=result["due_class"],
            )
        )
    return 0


def rules_command(listing: Any, args: argparse.Namespace) -> int:
    """`kiosk rules list|propose|approve|sets`: the listing stays core's."""
    from kiosk.core.errors import BadInput

    if args.action == "list":
        code: int = listing(args) or 0
        return code
    if args.action == "sets":
        return _rules_sets(args)
    if not args.operator or not args.target:
        raise BadInput(
            "catalog.needs", what="--operator, " + ("FILE" if args.action == "propose" else "ID")
        )
    if args.action == "approve":
        from kiosk.services.register import approve_ruleset

        result = approve_ruleset(
            open_engine(args), args.target, operator_id=args.operator, now=now()
        )
        if args.json:
            print_json(result)
        else:
            print(
                say(
                    "rules.approved",
                    ruleset=result["ruleset"],
                    effective_from=result["effective_from"],
                )
            )
        return 0
    from kiosk.services.register import propose_ruleset

    if args.effective_from is None:
        raise BadInput("catalog.needs", what="--from YYYY-MM-DD")
    report = propose_ruleset(
        open_engine(args),
        Path(args.target),
        village=args.village,
        effective_from=args.effective_from,
        operator_id=args.operator,
        now=now(),
    )
    if args.json:
        print_json(report.as_json())
    elif report.errors:
        for problem in report.errors:
            where = {"row": problem.row, "column": problem.column}
            print(
                " / ".join(
                    fill(
                        TEXTS["rules.problem"],
                        language,
                        {**where, "message": problem.message(language)},
                    )
                    for language in ("zh", "en")
                )
            )
        print(say("rules.refused", count=len(report.errors)))
    else:
        print(say("rules.proposed", id=report.id))
    return 2 if report.errors else 0


def _rules_sets(args: argparse.Namespace) -> int:
    from kiosk.core.clock import local_date
    from kiosk.services.register import rulesets_overview

    at = args.at or local_date(now())
    overview = rulesets_overview(open_engine(args, create=False), village=args.village, at=at)
    if args.json:
        print_json(overview)
        return 0
    for row in overview["in_force"]:
        print(
            say(
                "rules.in_force",
                village=row["village"],
                ruleset=row["ruleset"],
                effective_from=row["effective_from"],
            )
        )
    for proposal in overview["proposals"]:
        state = "rules.state_approved" if proposal["approved_by"] else "rules.state_pending"
        params = {**proposal, "village": proposal["village_id"] or "-"}
        print(
            " / ".join(
                fill(
                    TEXTS["rules.proposal"], lang, {**params, "state": fill(TEXTS[state], lang, {})}
                )
                for lang in ("zh", "en")
            )
        )
    return 0
