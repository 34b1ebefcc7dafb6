"""Subcommands of village administrators and the street office: declarations, disputes,
freezes, the quarterly notice, honours, cards and codes in pictures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.cli.context import (
    add_db_option,
    add_json_option,
    card_signer,
    now,
    open_engine,
    print_json,
    settings_of,
)
from kiosk.cli.texts import language, say, words
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
    declaration = subparsers.add_parser("declaration", help=say("help.declaration"))
    sub = declaration.add_subparsers(dest="declaration_command", required=True)
    p = _command(sub, "file", declaration_file, "file a declaration of a positive-list deed")
    p.add_argument("code", help="the household whose deed it is (short code or card payload)")
    p.add_argument("rule_id", help="positive-list rule, e.g. P08 or P13.1")
    p.add_argument("--qty", type=int, default=1)
    p.add_argument("--helper", help="the helping household of a mutual-help declaration")
    p.add_argument("--description", required=True)
    p.add_argument("--photo", type=Path, action="append", default=[], help="evidence (repeat)")
    p.add_argument(
        "--operator", help="the administrator filing it for the household (may not decide it)"
    )
    add_json_option(p)
    p = _command(sub, "list", declaration_list, "pending declarations, or one household's")
    p.add_argument("--village")
    p.add_argument("--household", help="every declaration of this household, with its status")
    add_json_option(p)
    p = _command(sub, "show", declaration_show, "one declaration")
    p.add_argument("ref", help="declaration id (or its first 6+ characters)")
    add_json_option(p)
    p = _command(sub, "approve", declaration_approve, "approve: write the points (and helper's)")
    p.add_argument("ref")
    p.add_argument("--operator", required=True)
    add_json_option(p)
    p = _command(sub, "reject", declaration_reject, "reject with a reason")
    p.add_argument("ref")
    p.add_argument("--reason", required=True)
    p.add_argument("--operator", required=True)
    add_json_option(p)

    dispute = subparsers.add_parser("dispute", help=say("help.dispute"))
    sub = dispute.add_subparsers(dest="dispute_command", required=True)
    p = _command(sub, "raise", dispute_raise, "record a villager's dispute of a ledger entry")
    p.add_argument("entry", help="ledger entry id (or its first 6+ characters)")
    p.add_argument("--by", required=True, help="the villager raising it")
    p.add_argument("--description", required=True)
    p.add_argument("--operator", help="the administrator recording it (may not decide it)")
    add_json_option(p)
    p = _command(sub, "list", dispute_list, "open disputes (or all with --all)")
    p.add_argument("--village")
    p.add_argument("--all", action="store_true", help="decided ones too")
    add_json_option(p)
    p = _command(sub, "uphold", dispute_uphold, "the entry stands")
    p.add_argument("ref")
    p.add_argument("--note", required=True)
    p.add_argument("--operator", required=True)
    add_json_option(p)
    p = _command(sub, "correct", dispute_correct, "reverse the entry with a correction")
    p.add_argument("ref")
    p.add_argument("--note", required=True)
    p.add_argument("--operator", required=True)
    add_json_option(p)

    p = _command(subparsers, "freezes", freezes, "households frozen today: until when and why")
    p.add_argument("--village")
    add_json_option(p)

    p = _command(subparsers, "notice", notice, say("help.notice"))
    p.add_argument("--village", required=True)
    p.add_argument("--quarter", required=True, help="e.g. 2026Q4")
    p.add_argument("--out", type=Path, help="FILE.pdf or FILE.csv")
    add_json_option(p)

    p = _command(subparsers, "overview", overview, say("help.overview"))
    p.add_argument("--quarter", help="e.g. 2026Q4 (default: the quarter under way)")
    p.add_argument("--village", help="village id or name (default: every village)")
    p.add_argument("--operator", help="show what this administrator may see")
    add_json_option(p)

    p = _command(subparsers, "export", export, say("help.export"))
    p.add_argument("--period", required=True, help="a quarter (2026Q4) or a month (2026-11)")
    p.add_argument("--village", help="village id (default: every village)")
    p.add_argument("--point", help="exchange point id: its orders, lines and their entries")
    p.add_argument(
        "--table", help="with a .csv: totals, entries, orders, lines, declarations, disputes"
    )
    p.add_argument("--operator", help="export what this administrator may see")
    p.add_argument("--out", type=Path, required=True, help="FILE.xlsx (every table) or FILE.csv")

    p = _command(subparsers, "honours", honours, "top five and above-average households")
    p.add_argument("--village", required=True)
    period = p.add_mutually_exclusive_group(required=True)
    period.add_argument("--month", help="YYYY-MM")
    period.add_argument("--year", help="YYYY")
    add_json_option(p)

    card = subparsers.add_parser("card", help="one household's card: reissue, print")
    sub = card.add_subparsers(dest="card_command", required=True)
    p = _command(sub, "reissue", card_reissue, "replace a lost card; the old one is refused")
    p.add_argument("code")
    p.add_argument("--operator", required=True)
    p.add_argument("--out", type=Path, help="also write the new card (.png or .pdf)")
    add_json_option(p)
    p = _command(sub, "print", card_print, "write one household's current card")
    p.add_argument("code")
    p.add_argument("--out", type=Path, required=True, help="FILE.png (the card) or FILE.pdf (A4)")

    p = _command(subparsers, "scan-image", scan_image, "read household/order codes from a photo")
    p.add_argument("file", type=Path)
    add_json_option(p)


# --- shared -------------------------------------------------------------------------------


def _local(at: Any) -> Any:
    from kiosk.core.clock import local

    return local(at)


def _status_text(kind: str, status: str) -> str:
    from kiosk.core.messages import text

    return text(f"{kind}.status.{status}", language())


def _village_id(session: Any, name: str | None) -> str | None:
    from kiosk.core.reference import village_by_name

    return village_by_name(session, name).id if name else None


# --- declarations ---------------------------------------------------------------------------


def _print_declaration(view: Any) -> None:
    helper = words("declaration.helper", code=view.helper_code) if view.helper_code else ""
    print(
        text_row(
            "declaration.row",
            id=view.id[:8],
            code=view.household_code,
            head=view.household_head,
            rule=view.rule_id,
            rule_text=view.rule_text,
            quantity=view.quantity,
            helper=helper,
            status=_status_text("declaration", view.status),
        )
    )
    print(f"    {_local(view.created_at):%Y-%m-%d %H:%M} {view.description}")
    if view.evidence:
        print("    " + text_row("declaration.photos", files=", ".join(view.evidence)))
    if view.status == "approved":
        at = f"{_local(view.decided_at):%Y-%m-%d %H:%M}"
        print(
            "    "
            + text_row("declaration.approved_by", points=view.points, by=view.decided_by, at=at)
        )
    elif view.status == "rejected":
        print("    " + text_row("declaration.rejected_by", by=view.decided_by, reason=view.reason))


def declaration_file(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.declarations import file_declaration
    from kiosk.core.households import resolve_household
    from kiosk.core.reference import operator_by_id

    with write_session(open_engine(args)) as session:
        household = resolve_household(session, args.code)
        helper = resolve_household(session, args.helper) if args.helper else None
        view = file_declaration(
            session,
            household=household,
            rule_id=args.rule_id,
            quantity=args.qty,
            description=args.description,
            now=now(),
            helper=helper,
            photos=args.photo,
            evidence_dir=settings_of(args).evidence_path,
            filed_by=operator_by_id(session, args.operator) if args.operator else None,
        )
    if args.json:
        print_json(view.as_json())
    else:
        print(say("declaration.filed"))
        _print_declaration(view)
    return 0


def declaration_list(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.declarations import declarations_of, list_pending
    from kiosk.core.households import resolve_household

    with read_session(open_engine(args)) as session:
        if args.household:
            views = declarations_of(session, resolve_household(session, args.household).id)
        else:
            views = list_pending(session, _village_id(session, args.village))
    if args.json:
        print_json([view.as_json() for view in views])
    else:
        if not views:
            print(say("declaration.none"))
        for view in views:
            _print_declaration(view)
    return 0


def declaration_show(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.declarations import get_declaration

    with read_session(open_engine(args)) as session:
        view = get_declaration(session, args.ref)
    if args.json:
        print_json(view.as_json())
    else:
        _print_declaration(view)
    return 0


def declaration_approve(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.declarations import approve
    from kiosk.core.reference import operator_by_id

    with write_session(open_engine(args)) as session:
        operator = operator_by_id(session, args.operator)
        view = approve(session, ref=args.ref, operator=operator, now=now())
    if args.json:
        print_json(view.as_json())
    else:
        if view.replayed:
            print(say("declaration.replayed"))
        else:
            print(say("declaration.approved"))
        _print_declaration(view)
    return 0


def declaration_reject(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.declarations import reject
    from kiosk.core.reference import operator_by_id

    with write_session(open_engine(args)) as session:
        operator = operator_by_id(session, args.operator)
        view = reject(session, ref=args.ref, reason=args.reason, operator=operator, now=now())
    if args.json:
        print_json(view.as_json())
    else:
        print(say("declaration.rejected"))
        _print_declaration(view)
    return 0


# --- disputes -------------------------------------------------------------------------------


def _print_dispute(view: Any) -> None:
    print(
        text_row(
            "dispute.row",
            id=view.id[:8],
            code=view.household_code,
            entry=view.entry_id[:8],
            kind=view.entry_kind,
            points=view.entry_points,
            rule=view.entry_rule_id or "",
            status=_status_text("dispute", view.status),
        )
    )
    print(f"    {_local(view.created_at):%Y-%m-%d %H:%M} {view.raised_by}: {view.description}")
    if view.decided_at:
        correction = (
            text_row("dispute.correction", entry=view.correction_entry_id[:8])
            if view.correction_entry_id
            else ""
        )
        print(
            f"    {view.decided_by} {_local(view.decided_at):%Y-%m-%d %H:%M}: "
            f"{view.decision_note}{correction}"
        )


def dispute_raise(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.disputes import raise_dispute
    from kiosk.core.reference import operator_by_id

    with write_session(open_engine(args)) as session:
        view = raise_dispute(
            session,
            entry_ref=args.entry,
            raised_by=args.by,
            description=args.description,
            now=now(),
            recorded_by=operator_by_id(session, args.operator) if args.operator else None,
        )
    if args.json:
        print_json(view.as_json())
    else:
        print(say("dispute.raised"))
        _print_dispute(view)
    return 0


def dispute_list(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.disputes import list_disputes

    with read_session(open_engine(args)) as session:
        views = list_disputes(session, _village_id(session, args.village), open_only=not args.all)
    if args.json:
        print_json([view.as_json() for view in views])
    else:
        if not views:
            print(say("dispute.none"))
        for view in views:
            _print_dispute(view)
    return 0


def _resolve(args: argparse.Namespace, correct: bool) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.disputes import resolve_correct, resolve_uphold
    from kiosk.core.reference import operator_by_id

    resolve = resolve_correct if correct else resolve_uphold
    with write_session(open_engine(args)) as session:
        operator = operator_by_id(session, args.operator)
        view = resolve(session, ref=args.ref, note=args.note, operator=operator, now=now())
    if args.json:
        print_json(view.as_json())
    else:
        print(say("dispute.decided"))
        _print_dispute(view)
    return 0


def dispute_uphold(args: argparse.Namespace) -> int:
    return _resolve(args, correct=False)


def dispute_correct(args: argparse.Namespace) -> int:
    return _resolve(args, correct=True)


# --- freezes, notice, honours ---------------------------------------------------------------


def freezes(args: argparse.Namespace) -> int:
    from kiosk.core.clock import local_date
    from kiosk.core.db import read_session
    from kiosk.core.notice import frozen_households

    with read_session(open_engine(args)) as session:
        found = frozen_households(session, local_date(now()), _village_id(session, args.village))
    if args.json:
        print_json([f.as_json() for f in found])
    else:
        if not found:
            print(say("freezes.none"))
        for f in found:
            print(
                f"{f.code:<8} {f.head:<6} {f.since} .. {f.until}  {f.reason}"
                f"  ({f.operator_id or '-'})"
            )
    return 0


def overview(args: argparse.Namespace) -> int:
    from kiosk.core.clock import local
    from kiosk.core.labels import village_label
    from kiosk.core.notice import Quarter, parse_quarter
    from kiosk.services.office import overview as office_overview

    moment = now()
    quarter = parse_quarter(args.quarter) if args.quarter else Quarter.containing(moment)
    found = office_overview(
        open_engine(args), quarter, moment, operator_id=args.operator, village=args.village
    )
    if args.json:
        print_json(found.as_json())
        return 0
    print(say("overview.title", quarter=quarter.key, at=f"{local(moment):%Y-%m-%d %H:%M}"))
    for v in found.villages:
        percent = "-" if v.participation_percent is None else f"{v.participation_percent}%"
        print(
            text_row(
                "overview.village",
                village=village_label(v.name),
                earning=v.earning,
                taking_part=v.taking_part,
                percent=percent,
                declarations=v.declarations.count,
                disputes=v.disputes.count,
            )
        )
        for m in v.months:
            print(
                "  "
                + text_row(
                    "overview.month",
                    month=m.month,
                    awarded=m.awarded,
                    deducted=m.deducted,
                    redeemed=m.redeemed,
                )
            )
    for p in found.points:
        percent = "-" if p.on_time_percent is None else f"{p.on_time_percent}%"
        low = ", ".join(f"{i.name} {i.on_hand}/{i.owed}" for i in p.low_stock) or "-"
        print(
            text_row(
                "overview.point",
                point=p.name,
                overdue=p.overdue,
                on_time=p.on_time,
                due=p.on_time + p.late,
                percent=percent,
                low=low,
            )
        )
    for k in found.kiosks:
        synced = "-" if k.last_sync_at is None else f"{local(k.last_sync_at):%Y-%m-%d %H:%M}"
        print(
            text_row(
                "overview.kiosk",
                kiosk=k.kiosk_id,
                synced=synced,
                skew="-" if k.clock_skew_s is None else f"{k.clock_skew_s:+.1f}",
                stale=text_row("overview.stale") if k.stale else "",
            )
        )
    alerts = ", ".join(f"{kind} {n}" for kind, n in found.alerts.items()) or "-"
    print(text_row("overview.alerts", alerts=alerts))
    return 0


def notice(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.notice import build_notice, notice_json, parse_quarter
    from kiosk.core.reference import village_by_name
    from kiosk.services.office import write_notice

    quarter = parse_quarter(args.quarter)
    suffix = args.out.suffix.lower() if args.out else None
    if args.out is not None and suffix not in (".pdf", ".csv"):
        raise BadInput("notice.out_suffix", path=args.out)
    with read_session(open_engine(args)) as session:
        built = build_notice(session, village_by_name(session, args.village), quarter, now())
    if args.out is not None:
        # The one writer the console's downloads use too: the same bytes either way.
        layout = write_notice(built, args.out)
        if layout is not None:
            pages = words("notice.pages", pages=layout.pages)
        else:
            pages = words("notice.no_pages")
        if not args.json:
            print(
                say(
                    "notice.written",
                    title=built.title,
                    count=len(built.rows),
                    pages=pages,
                    path=args.out,
                )
            )
    if args.json:
        print_json(notice_json(built))
    elif args.out is None:
        print(built.title)
        print(say("notice.average", average=built.village_average))
        for row in built.rows:
            print(
                f"{row.rank:>3} {row.code:<8} {row.masked_name:<5} {row.group:<4} "
                f"{row.earned_quarter:>5} {row.earned_year:>6} {row.balance:>6}"
            )
    return 0


def export(args: argparse.Namespace) -> int:
    from kiosk.services.office import export_file

    suffix = args.out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise BadInput("export.out_suffix", path=args.out)
    name, content = export_file(
        open_engine(args),
        args.period,
        now(),
        operator_id=args.operator,
        village=args.village,
        exchange_point=args.point,
        table=(args.table or "totals") if suffix == ".csv" else None,
    )
    args.out.write_bytes(content)
    print(say("export.written", name=name, path=args.out))
    return 0


def honours(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.notice import village_honours
    from kiosk.core.periods import parse_month, parse_year
    from kiosk.core.reference import village_by_name

    if args.month:
        year, month = parse_month(args.month)
    else:
        year, month = parse_year(args.year), None
    with read_session(open_engine(args)) as session:
        view = village_honours(
            session, village_by_name(session, args.village), year=year, month=month
        )
    if args.json:
        print_json(view.as_json())
    else:
        print(say("honours.title", village=view.village, period=view.period, average=view.average))
        print(say("honours.top"))
        for h in view.top:
            print(f"  {h.code:<8} {h.masked_name:<5} {h.earned:>5}")
        print(say("honours.above"))
        for h in view.above_average:
            print(f"  {h.code:<8} {h.masked_name:<5} {h.earned:>5}")
    return 0


# --- cards and pictures ---------------------------------------------------------------------


def _write_card(session: Any, household: Any, payload: str, out: Path) -> list[Path]:
    from kiosk.core.models import Village
    from kiosk.printables.cards import CardFace, render_card, render_sheet

    suffix = out.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise BadInput("card.out_suffix", path=out)
    if not out.parent.is_dir():
        raise BadInput("cards.out_dir", out=str(out))
    village = session.get(Village, household.village_id)
    face = CardFace(
        payload=payload,
        code=household.code,
        village=village.name if village else household.village_id,
        group=household.group_name,
        head_name=household.head_name,
        card_version=household.card_version,
    )
    if suffix == ".png":
        from kiosk.printables.cards import DPI

        render_card(face).save(out, dpi=(DPI, DPI))
        return [out]
    return render_sheet([face], out)


def card_reissue(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from kiosk.core.households import household_by_code
    from kiosk.services.cards import reissue

    signer = card_signer(args)
    if args.out is not None and args.out.suffix.lower() not in (".png", ".pdf"):
        raise BadInput("card.out_suffix", path=args.out)
    engine = open_engine(args)
    issued = reissue(engine, args.code, signer, operator_id=args.operator, now=now())
    written: list[Path] = []
    if args.out:
        with read_session(engine) as session:
            household = household_by_code(session, issued.code)
            written = _write_card(session, household, issued.payload, args.out)
    if args.json:
        print_json({**issued.__dict__, "files": [str(p) for p in written]})
    else:
        print(say("card.reissued", code=issued.code, version=issued.version))
        print(issued.payload)
        for path in written:
            print(f"  -> {path}")
    return 0


def card_print(args: argparse.Namespace) -> int:
    from kiosk.core.cards import card_payload
    from kiosk.core.db import read_session
    from kiosk.core.households import resolve_household

    signer = card_signer(args)
    with read_session(open_engine(args)) as session:
        household = resolve_household(session, args.code)
        written = _write_card(
            session, household, card_payload(session, household, signer), args.out
        )
    for path in written:
        print(say("card.written", code=household.code, version=household.card_version, path=path))
    return 0


def scan_image(args: argparse.Namespace) -> int:
    from kiosk.core.cards import identify_codes
    from kiosk.core.db import read_session
    from kiosk.printables.scan_image import decode_codes

    try:
        texts = decode_codes(args.file)
    except ValueError:
        raise BadInput("scan.unreadable", path=args.file) from None
    if not texts:
        raise BadInput("scan.none")
    with read_session(open_engine(args)) as session:
        found = identify_codes(session, texts)
    if args.json:
        print_json([code.as_json() for code in found])
    else:
        for code in found:
            if code.kind == "household":
                print(say("scan.household", code=code.household_code, name=code.masked_name))
            elif code.kind == "order":
                print(say("scan.order", order=code.order_number, code=code.household_code))
            else:
                what = (
                    code.message_en
                    if language() == "en"
                    else f"{code.message_zh} / {code.message_en}"
                )
                print(f"{say('scan.refused')}: {what}", file=sys.stderr)
    # Any refused code (a forged or replaced card) is a failure a script must notice.
    return 0 if all(code.ok for code in found) else 2
