"""`kiosk phone`: print a household's phone sign-in slip, list and revoke its bound phones.

All three ask the central (a phone signs in there, so there is nothing to do offline): when
the central cannot be reached, one line says so and nothing is printed. At the street office's
console, whose database is the central's, `slip` makes the slip in that database directly.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
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
    engine = open_engine(args)
    if _is_central(engine):
        issued = _office_slip(engine, args, household.id, moment)
    else:
        try:
            with central_link(args) as link:
                issued = link.phone_slip(household.id)
        except SyncFailed as failure:
            return _offline(failure)
    parts = urlsplit(issued["url"])
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


def _is_central(engine: Any) -> bool:
    from kiosk.core.db import read_session
    from kiosk.core.ledger import CENTRAL_ORIGIN, meta_get

    with read_session(engine) as session:
        return meta_get(session, "origin") == CENTRAL_ORIGIN


def _office_slip(
    engine: Any, args: argparse.Namespace, household_id: str, moment: datetime
) -> dict[str, Any]:
    """At the street office's console the database is the central's: the slip is made there,
    its link on the address phones reach the central at (--central or central_url)."""
    from kiosk.cli.context import settings_of
    from kiosk.core.db import write_session
    from kiosk.core.errors import BadInput
    from sync.client import check_central_url
    from sync.phones import issue_slip

    base = args.central or settings_of(args).central_url
    if not base:
        raise BadInput("sync.not_configured", what="central_url", env="KIOSK_CENTRAL_URL")
    base = check_central_url(base, insecure=args.insecure)
    with write_session(engine) as session:
        issued = issue_slip(session, household_id, issued_by="office", village_id=None, now=moment)
    return {
        "url": issued.url(base),
        "code": issued.code,
        "expires_at": issued.expires_at.isoformat(),
    }


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
