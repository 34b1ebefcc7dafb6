"""`kiosk phone`: print a household's phone sign-in slip, list and revoke its bound phones.

All three ask the central (a phone signs in there, so there is nothing to do offline): when
the central cannot be reached, one line says so and nothing is printed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.cli.context import add_db_option, add_json_option, now, open_engine, print_json
from kiosk.cli.texts import say


def register(subparsers: Any) -> None:
    phone = subparsers.add_parser("phone", help=say("help.phone"))
    actions = phone.add_subparsers(dest="phone_command", required=True, metavar="ACTION")

    def command(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, help=help_text, description=help_text
        )
        add_db_option(parser)
        parser.add_argument("--central", help="central URL (settings central_url)")
        parser.add_argument("--kiosk-id", help="this kiosk's id (settings kiosk_id)")
        parser.add_argument(
            "--insecure", action="store_true", help="allow plain http to a non-loopback address"
        )
        parser.add_argument("household", metavar="CODE", help="household code or card scan")
        parser.set_defaults(handler=handler)
        return parser

    p = command(
        "slip",
        slip,
        "print a phone sign-in slip (QR code and 6-digit code; once, within 24 h)",
    )
    p.add_argument("--printer", help="printer URI (env KIOSK_PRINTER; default: only queue it)")
    p = command("list", list_phones, "the household's phones signed in")
    add_json_option(p)
    p = command("revoke", revoke, "sign one of the household's phones out, at once")
    p.add_argument("phone_id", metavar="PHONE", help="the phone's id from `kiosk phone list`")


def _household(args: argparse.Namespace) -> Any:
    from kiosk.core.db import read_session
    from kiosk.core.households import resolve_household

    with read_session(open_engine(args)) as session:
        return resolve_household(session, args.household)


def _offline(error: Exception) -> int:
    from kiosk.cli import EXIT_FAILURE

    print(
        say("phone.offline", error=getattr(error, "params", {}).get("error", "")), file=sys.stderr
    )
    return EXIT_FAILURE


def slip(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from kiosk.cli.context import settings_of
    from kiosk.cli.sync_commands import central_link
    from kiosk.core.clock import as_utc
    from kiosk.core.db import read_session, write_session
    from kiosk.core.masking import mask_name
    from kiosk.core.models import ExchangePoint
    from kiosk.core.receipt import PhoneSignInSlip
    from kiosk.printing.phone_slip import queue_phone_slip
    from kiosk.printing.printers import open_printer
    from kiosk.printing.queue import print_pending
    from kiosk.settings import kiosk_exchange_point
    from sync.client import SyncFailed

    settings = settings_of(args)
    household = _household(args)
    moment = now()
    try:
        with central_link(args) as link:
            issued = link.phone_slip(household.id)
    except SyncFailed as failure:
        return _offline(failure)
    from datetime import datetime

    parts = urlsplit(issued["url"])
    engine = open_engine(args)
    with write_session(engine) as session:
        point_id = kiosk_exchange_point(session, settings)
        point = session.get(ExchangePoint, point_id) if point_id else None
        queue_phone_slip(
            session,
            PhoneSignInSlip(
                exchange_point=point.name if point else "-",
                printed_at=moment,
                household_code=household.code,
                masked_name=mask_name(household.head_name),
                url=issued["url"],
                signin_url=f"{parts.scheme}://{parts.netloc}/signin",
                code=str(issued["code"]),
                expires_at=as_utc(datetime.fromisoformat(issued["expires_at"])),
            ),
            now=moment,
            columns=settings.columns,
            encoding=settings.encoding,
        )
    uri = args.printer or (None if settings.printer == "dummy" else settings.printer)
    if uri is None:
        print(say("phone.slip_queued", code=household.code))
        return 0
    with read_session(engine) as session:
        printed = print_pending(session, open_printer(uri), moment)
    if not printed.ok:
        print(say("phone.slip_kept", code=household.code, error=printed.error))
        return 1
    print(say("phone.slip_printed", code=household.code))
    return 0


def list_phones(args: argparse.Namespace) -> int:
    from kiosk.cli.sync_commands import central_link
    from sync.client import SyncFailed

    household = _household(args)
    try:
        with central_link(args) as link:
            found = link.phones(household.id)
    except SyncFailed as failure:
        return _offline(failure)
    if args.json:
        print_json(found)
        return 0
    for phone in found:
        print(say("phone.row", label=phone["label"], id=phone["id"], since=phone["created_at"]))
    if not found:
        print(say("phone.none", code=household.code))
    return 0


def revoke(args: argparse.Namespace) -> int:
    from kiosk.cli.sync_commands import central_link
    from sync.client import SyncFailed

    household = _household(args)
    try:
        with central_link(args) as link:
            link.revoke_phone(household.id, args.phone_id)
    except SyncFailed as failure:
        return _offline(failure)
    print(say("phone.revoked", code=household.code, id=args.phone_id))
    return 0
