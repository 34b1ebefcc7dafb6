"""Subcommands of the points core: seeding, look-ups, awards, redemptions, freezes, closes."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import date
from typing import Any

from kiosk.cli.context import (
    add_db_option,
    add_json_option,
    card_signer,
    database_url,
    in_vocabulary,
    now,
    open_engine,
    print_json,
    settings_of,
)
from kiosk.cli.texts import BadArgument, say, words
from kiosk.cli.texts import row as text_row
from kiosk.core.errors import BadInput


def _command(subparsers: Any, name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help_text, description=help_text
    )
    add_db_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def register(subparsers: Any) -> None:
    p = _command(subparsers, "seed-demo", seed_demo, "fill an empty database with demo data")
    p.add_argument("--households-per-village", type=int, default=20)

    p = _command(subparsers, "migrate", migrate, "bring the database schema up to date")

    # A group of actions, so that the register's commands can add theirs beside `list`.
    operator = subparsers.add_parser("operator", help="operators: list")
    operator_sub = operator.add_subparsers(dest="operator_command", required=True)
    p = _command(operator_sub, "list", operator_list, "list operators")
    add_json_option(p)

    p = _command(subparsers, "rules", rules_list, "the positive and negative lists (list)")
    p.add_argument("action", choices=["list"])
    p.add_argument("--village", help="the rule set in force for this village (default: street)")
    add_json_option(p)

    p = _command(subparsers, "catalog", catalog_list, "the exchange catalogue (list)")
    p.add_argument("action", choices=["list"])
    p.add_argument("--exchange-point", help="show stock at this exchange point")
    add_json_option(p)

    household = subparsers.add_parser("household", help="households: list, show, payload")
    household_sub = household.add_subparsers(dest="household_command", required=True)
    p = _command(household_sub, "list", household_list, "list households")
    p.add_argument("--village")
    add_json_option(p)
    p = _command(household_sub, "show", household_show, "one household, its balance and entries")
    p.add_argument("code", help="short code (HP0001) or the scanned payload")
    add_json_option(p)
    p = _command(household_sub, "payload", household_payload, "print the signed card payload")
    p.add_argument("code")

    p = _command(subparsers, "award", award, "award or deduct points by a rule of either list")
    p.add_argument("code")
    p.add_argument("rule_id")
    p.add_argument("--qty", type=int, default=1)
    p.add_argument("--helper", help="the helping household of a mutual-help declaration")
    p.add_argument("--operator", required=True)
    p.add_argument("--note")
    add_json_option(p)

    p = _command(subparsers, "redeem", redeem, "redeem points for catalogue items NO[:QTY]")
    p.add_argument("code")
    p.add_argument("items", nargs="+", metavar="NO[:QTY]")
    p.add_argument("--operator", required=True)
    p.add_argument("--hand-over", action="store_true", help="all lines handed over at once")
    p.add_argument("--exchange-point")
    p.add_argument(
        "--order-id",
        help="the order's id (a UUID) made once by the caller: run again with the same id, "
        "the command reports the first order and redeems nothing more",
    )
    add_json_option(p)

    p = _command(subparsers, "freeze", freeze, "stop a household redeeming until a date")
    p.add_argument("code")
    p.add_argument("--until", required=True, help="last day of the freeze, YYYY-MM-DD")
    p.add_argument("--from", dest="starts", help="first day (default today)")
    p.add_argument("--reason", required=True)
    p.add_argument("--operator", required=True)

    p = _command(subparsers, "unfreeze", unfreeze, "lift a household's redemption freeze")
    p.add_argument("code")
    p.add_argument("--reason", required=True)
    p.add_argument("--operator", required=True)

    p = _command(subparsers, "close-month", close_month, "monthly top-5 bonuses")
    p.add_argument("month", nargs="?", help="YYYY-MM")
    p.add_argument("--previous", action="store_true", help="the month before today")
    add_json_option(p)

    p = _command(subparsers, "close-year", close_year, "yearly top-5 bonuses and the annual reset")
    p.add_argument("year", nargs="?", help="YYYY")
    p.add_argument("--previous", action="store_true", help="the year before today")
    add_json_option(p)

    p = _command(subparsers, "check", check, "prove the ledger's invariants")
    add_json_option(p)


# --- handlers -----------------------------------------------------------------------------


def seed_demo(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.seed import seed_demo as seed

    if not 1 <= args.households_per_village <= 100_000:
        raise BadInput("qty.range", low=1, high=100_000, qty=args.households_per_village)
    url = database_url(args)
    engine = open_engine(args)
    key_path = settings_of(args).card_key_path
    with write_session(engine) as session:
        result = seed(
            session,
            now=now(),
            households_per_village=args.households_per_village,
            signing_key_path=key_path,
            url=url,
        )
    print(say("seed.done", url=url))
    print(
        "  "
        + say(
            "seed.counts",
            villages=result.villages,
            households=result.households,
            entries=result.entries,
        )
    )
    if key_path:
        print("  " + say("seed.key", path=key_path))
    print("  " + say("seed.operators"))
    for operator in result.operators:
        print(
            f"    {operator.id:<20} {operator.name:<6} {operator.role:<14} "
            f"{operator.village or '-':<6} PIN {operator.pin}"
        )
    return 0


def migrate(args: argparse.Namespace) -> int:
    open_engine(args)
    print(say("migrate.done"))
    return 0


def operator_list(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from kiosk.core.db import read_session
    from kiosk.core.models import Operator, Village

    with read_session(open_engine(args)) as session:
        villages = {v.id: v.name for v in session.exec(select(Village))}
        rows = [
            {
                "id": o.id,
                "name": o.name,
                "role": o.role,
                "village": villages.get(o.village_id or ""),
                "exchange_point": o.exchange_point_id,
                "active": o.active,
            }
            for o in session.exec(select(Operator).order_by(col(Operator.id)))
        ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['id']:<20} {row['name']:<6} {row['role']:<14} {row['village'] or '-'}")
    return 0


def rules_list(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.reference import ruleset_for, village_by_name

    with read_session(open_engine(args)) as session:
        village_id = village_by_name(session, args.village).id if args.village else ""
        ruleset = ruleset_for(session, village_id, now())
    rows = [
        {
            "id": rule.id,
            "list": str(rule.list),
            "category": rule.category,
            "matter": rule.matter,
            "behaviour": rule.behaviour,
            "text": rule.text,
            "points": rule.points,
            "cadence": str(rule.cadence),
            "per": rule.per,
            "unit": rule.unit,
            "warnings": rule.warnings,
            "awardable": rule.awardable_by_hand,
            "ruleset": ruleset.key,
        }
        for rule in ruleset.rules
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['id']:<6} {row['points']:>5}  {row['cadence']:<16} {row['text']}")
    return 0


def catalog_list(args: argparse.Namespace) -> int:
    from catalog.items import DueClass
    from catalog.search import pinyin_initials
    from kiosk.core.clock import local_date
    from kiosk.core.db import read_session
    from kiosk.core.reference import catalog_items, catalog_prices_on, stock_levels
    from kiosk.settings import kiosk_exchange_point

    with read_session(open_engine(args)) as session:
        point = args.exchange_point or kiosk_exchange_point(session, settings_of(args))
        stock = stock_levels(session, point) if point else {}
        prices = catalog_prices_on(session, local_date(now()))
        rows = [
            {
                "item_no": item.no,
                "name": item.name,
                "points": prices[item.no],
                "due_class": item.due_class,
                "due_days": DueClass(item.due_class).days,
                "initials": pinyin_initials(item.name),
                "stock": stock.get(item.no, 0) if point else None,
            }
            for item in catalog_items(session)
        ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            on_hand = row["stock"] if row["stock"] is not None else "-"
            print(
                text_row(
                    "catalog.row",
                    item_no=row["item_no"],
                    name=row["name"],
                    points=row["points"],
                    days=row["due_days"],
                    stock=on_hand,
                )
            )
    return 0


def household_list(args: argparse.Namespace) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from kiosk.core.db import read_session
    from kiosk.core.households import list_households
    from kiosk.core.models import LedgerEntry, Village
    from kiosk.core.reference import village_by_name
    from rules.engine import points_year

    year = points_year(now())
    with read_session(open_engine(args)) as session:
        village_id = village_by_name(session, args.village).id if args.village else None
        villages = {v.id: v.name for v in session.exec(select(Village))}
        balances = dict(
            session.exec(
                select(LedgerEntry.household_id, func.sum(LedgerEntry.points))
                .where(LedgerEntry.points_year == year)
                .group_by(LedgerEntry.household_id)
            ).all()
        )
        rows = [
            {
                "id": h.id,
                "code": h.code,
                "village": villages[h.village_id],
                "group": h.group_name,
                "head": h.head_name,
                "balance": int(balances.get(h.id) or 0),
                "takes_part": h.takes_part,
            }
            for h in list_households(session, village_id)
        ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(
                f"{row['code']:<8} {row['village']:<4} {row['group']:<4} {row['head']:<6} "
                f"{row['balance']:>6}"
            )
    return 0


def household_show(args: argparse.Namespace) -> int:
    from kiosk.core.clock import local
    from kiosk.core.households import look_up

    summary = look_up(open_engine(args), args.code, now())
    if args.json:
        print_json(summary.as_json())
    else:
        print(
            say(
                "household.title",
                code=summary.code,
                village=summary.village,
                group=summary.group,
                head=summary.head,
            )
        )
        print(say("household.balance", year=summary.points_year, balance=summary.balance))
        if summary.frozen:
            print(
                "  "
                + say("household.frozen", until=summary.frozen.until, reason=summary.frozen.reason)
            )
        for entry in summary.entries[-10:]:
            print(
                f"  {local(entry.created_at):%Y-%m-%d} {entry.kind:<10} {entry.points:>+5} "
                f"{entry.rule_id or ''} {entry.note or ''}"
            )
    return 0


def household_payload(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.households import resolve_household

    signer = card_signer(args)
    with read_session(open_engine(args)) as session:
        household = resolve_household(session, args.code)
        print(signer.payload(household.code, household.card_version))
    return 0


def _operator_and_household(session: Any, operator_id: str, code: str) -> tuple[Any, Any]:
    from kiosk.core.households import resolve_household
    from kiosk.core.reference import operator_by_id

    return operator_by_id(session, operator_id), resolve_household(session, code)


def award(args: argparse.Namespace) -> int:
    from kiosk.core.awards import award as award_points
    from kiosk.core.db import write_session
    from kiosk.core.households import resolve_household

    with write_session(open_engine(args)) as session:
        operator, household = _operator_and_household(session, args.operator, args.code)
        helper = resolve_household(session, args.helper) if args.helper else None
        result = award_points(
            session,
            household=household,
            rule_id=args.rule_id,
            quantity=args.qty,
            operator=operator,
            now=now(),
            helper=helper,
            note=args.note,
        )
        codes = {household.id: household.code}
        if helper:
            codes[helper.id] = helper.code
    entries = [
        {
            "id": entry.id,
            "household": codes[household.id] if i == 0 else result.helper_code,
            "points": entry.points,
            "kind": entry.kind,
            "quantity": entry.quantity,
            "remainder": entry.remainder,
            "note": entry.note,
        }
        for i, entry in enumerate(result.entries)
    ]
    if args.json:
        print_json(
            {"rule": result.rule_id, "rule_version": result.rule_version, "entries": entries}
        )
    else:
        for entry in entries:
            print(f"{entry['household']} {entry['kind']} {entry['points']:+d} ({result.rule_id})")
    return 0


def redeem(args: argparse.Namespace) -> int:
    """Redeem and queue the receipt in one transaction, exactly as the app does."""
    from kiosk.core.db import write_session
    from kiosk.core.redemption import RedeemLine, parse_item_specs
    from kiosk.services.redemption import redeem_and_queue_receipt

    order_id = _order_id(args.order_id) if args.order_id is not None else None
    specs = parse_item_specs(args.items)
    settings = settings_of(args)
    with write_session(open_engine(args)) as session:
        operator, household = _operator_and_household(session, args.operator, args.code)
        result = redeem_and_queue_receipt(
            session,
            household=household,
            lines=[RedeemLine(no, qty, hand_over=args.hand_over) for no, qty in specs],
            operator=operator,
            now=now(),
            exchange_point_id=args.exchange_point or settings.exchange_point,
            order_id=order_id,
            columns=settings.columns,
            encoding=settings.encoding,
        )
    if args.json:
        print_json(in_vocabulary({**result.as_json(), "replayed": result.replayed}))
    else:
        _print_order(result)
    return 0


def _order_id(text: str) -> str:
    """An idempotency key as the ledger's ids are written (a UUID, lower case)."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise BadArgument("redeem.order_id", value=text) from None


def _print_order(result: Any) -> None:
    from kiosk.core.clock import local

    if result.replayed:
        print(say("redeem.replayed", order=result.number))
    print(
        say(
            "redeem.order",
            order=result.number,
            total=result.total,
            before=result.balance_before,
            after=result.balance_after,
        )
    )
    for line in result.lines:
        if line.handed_at:
            state = words("line.handed")
        else:
            state = words("line.due", due=f"{local(line.due_at):%Y-%m-%d %H:%M}")
        print(
            "  "
            + say(
                "redeem.line",
                line_no=line.line_no,
                item_no=line.no,
                name=line.name,
                quantity=line.qty,
                points=line.points,
                state=state,
            )
        )


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput("date.invalid", value=text, expected="YYYY-MM-DD") from None


def freeze(args: argparse.Namespace) -> int:
    from kiosk.core.awards import freeze as freeze_household
    from kiosk.core.db import write_session

    until = _parse_date(args.until)
    starts = _parse_date(args.starts) if args.starts else None
    with write_session(open_engine(args)) as session:
        operator, household = _operator_and_household(session, args.operator, args.code)
        record = freeze_household(
            session,
            household=household,
            until=until,
            reason=args.reason,
            operator=operator,
            now=now(),
            starts_on=starts,
        )
    print(
        say(
            "freeze.done",
            code=household.code,
            starts=record.starts_on,
            ends=record.ends_on,
            reason=record.reason,
        )
    )
    return 0


def unfreeze(args: argparse.Namespace) -> int:
    from kiosk.core.awards import lift_freeze
    from kiosk.core.db import write_session

    with write_session(open_engine(args)) as session:
        operator, household = _operator_and_household(session, args.operator, args.code)
        record = lift_freeze(
            session, household=household, reason=args.reason, operator=operator, now=now()
        )
    if record is None:
        print(say("freeze.none", code=household.code))
    else:
        print(say("freeze.lifted", code=household.code))
    return 0


def close_month(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.periods import close_month as close
    from kiosk.core.periods import parse_month
    from rules.engine import local

    moment = now()
    if args.previous:
        today = local(moment)
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    elif args.month:
        year, month = parse_month(args.month)
    else:
        raise BadInput("date.invalid", value="", expected="YYYY-MM")
    with write_session(open_engine(args)) as session:
        result = close(session, year, month, moment)
    _print_close(args, result)
    return 0


def close_year(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.periods import close_year as close
    from kiosk.core.periods import parse_year
    from rules.engine import local

    moment = now()
    if args.previous:
        year = local(moment).year - 1
    elif args.year:
        year = parse_year(args.year)
    else:
        raise BadInput("date.invalid", value="", expected="YYYY")
    with write_session(open_engine(args)) as session:
        result = close(session, year, moment)
    _print_close(args, result)
    return 0


def _print_close(args: argparse.Namespace, result: Any) -> None:
    if args.json:
        print_json(result.as_json())
        return
    written = sum(1 for bonus in result.bonuses if bonus.written)
    print(
        say(
            "close.done",
            period=result.period,
            written=written,
            already=len(result.bonuses) - written,
            households=result.expired_households,
            points=result.expired_points,
        )
    )


def check(args: argparse.Namespace) -> int:
    from sync.selfcheck import check_database

    report = check_database(open_engine(args, create=False), now())
    if args.json:
        print_json(report.as_json())
    else:
        counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
        print(say("check.ok" if report.ok else "check.broken", counts=counts))
        for problem in report.problems:
            print(f"  ✗ {problem}", file=sys.stderr)
        for note in report.notes:
            print(f"  · {note}")
    return 0 if report.ok else 1
