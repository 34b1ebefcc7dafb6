"""`kiosk sync` on a kiosk, and `kiosk central ...` at the street office's central store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kiosk.cli.context import (
    add_db_option,
    add_json_option,
    database_url,
    now,
    open_engine,
    print_json,
    settings_of,
)
from kiosk.cli.texts import problem, say
from kiosk.cli.texts import row as text_row
from kiosk.core.errors import BadInput, DomainError


def register(subparsers: Any) -> None:
    sync = subparsers.add_parser(
        "sync",
        help=say("help.sync"),
        description="Push this kiosk's new records to the central store and pull its "
        "village's changes. Exits non-zero on failure so the systemd timer retries.",
    )
    add_db_option(sync)
    sync.add_argument("--central", help="central URL (settings central_url, env KIOSK_CENTRAL_URL)")
    sync.add_argument("--kiosk-id", help="this kiosk's id (settings kiosk_id, env KIOSK_ID)")
    sync.add_argument(
        "--insecure", action="store_true", help="allow plain http to a non-loopback address"
    )
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--export", type=Path, metavar="FILE", help="write a signed bundle instead")
    mode.add_argument(
        "--import",
        dest="import_file",
        type=Path,
        metavar="FILE",
        help="take the central's reply bundle",
    )
    add_json_option(sync)
    sync.set_defaults(handler=run_sync)

    central = subparsers.add_parser("central", help=say("help.central"))
    central_sub = central.add_subparsers(dest="central_command", required=True, metavar="ACTION")

    def command(name: str, handler: Any, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = central_sub.add_parser(
            name, help=help_text, description=help_text
        )
        add_db_option(parser)
        parser.set_defaults(handler=handler)
        return parser

    p = command(
        "init", central_init, "make this database the central store (reference data, card key)"
    )
    p.add_argument("--card-key", type=Path, help="card-signing key file (env KIOSK_CARD_KEY)")

    p = command("serve", central_serve, "run the sync API (behind nginx for TLS)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700)
    p.add_argument(
        "--insecure", action="store_true", help="listen on a non-loopback address in plain HTTP"
    )
    p.add_argument(
        "--public-url",
        help="where phones reach the central, for the sign-in slips' links "
        "(default: the address each kiosk's request came to)",
    )

    p = command("add-kiosk", add_kiosk, "register a kiosk and print its secret once")
    p.add_argument("kiosk_id", metavar="ID")
    p.add_argument("--village", required=True)
    p.add_argument("--exchange-point", help="default: the village's first")
    add_json_option(p)

    p = command("revoke-kiosk", revoke_kiosk, "stop a kiosk syncing, at once")
    p.add_argument("kiosk_id", metavar="ID")

    p = command("overdrafts", overdrafts, "households overdrawn by offline redemptions")
    add_json_option(p)

    p = command("alerts", alerts, "open alerts (overdrafts, conflicts, refused pushes, clocks)")
    p.add_argument("--kind", help="only this kind, e.g. overdraft")
    p.add_argument("--all", action="store_true", help="acknowledged ones too")
    add_json_option(p)

    p = command("acknowledge", acknowledge, "record that an alert was looked at, and what was done")
    p.add_argument("alert_id", metavar="ALERT_ID")
    p.add_argument("--operator", required=True, help="a village or street administrator")
    p.add_argument("--note", required=True, help="what was done, e.g. 已核实，已扣回")
    add_json_option(p)

    p = command(
        "prune-photos",
        prune_photos,
        "forget phones' photos never sent with a declaration, a week after they were taken",
    )
    add_json_option(p)

    p = command("status", status, "each kiosk's last sync, entries behind, clock skew")
    add_json_option(p)

    p = command("import", central_import, "apply a kiosk's export bundle, write the reply")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--reply", type=Path, metavar="FILE", help="default: FILE.reply")
    add_json_option(p)


# --- kiosk side ---------------------------------------------------------------------------------


def _required(value: str, name: str, env: str) -> str:
    """A setting sync cannot go without, or BadInput naming it and its variable."""
    if not value:
        raise BadInput("sync.not_configured", what=name, env=env)
    return value


def central_link(args: argparse.Namespace) -> Any:
    """The central over HTTP, signed in as this kiosk (--central, --kiosk-id, --insecure or
    the settings); BadInput naming what is not configured."""
    from sync.client import HttpCentral

    settings = settings_of(args)
    kiosk_id = _required(args.kiosk_id or settings.kiosk_id, "kiosk_id", "KIOSK_ID")
    secret = _required(settings.sync_secret, "sync_secret", "KIOSK_SYNC_SECRET")
    url = _required(args.central or settings.central_url, "central_url", "KIOSK_CENTRAL_URL")
    return HttpCentral(url, kiosk_id, secret, insecure=args.insecure, timeout=15.0)


def _progress(phase: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // total if total else width
    label = text_row("sync.push" if phase == "push" else "sync.pull")
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}  ")
    sys.stderr.flush()


def run_sync(args: argparse.Namespace) -> int:
    from kiosk.cli import EXIT_FAILURE
    from kiosk.core.db import open_database
    from sync.client import HttpCentral, SyncFailed
    from sync.client import run_sync as sync_now

    settings = settings_of(args)
    kiosk_id = _required(args.kiosk_id or settings.kiosk_id, "kiosk_id", "KIOSK_ID")
    secret = _required(settings.sync_secret, "sync_secret", "KIOSK_SYNC_SECRET")
    engine = open_database(settings.db_url)
    if args.export:
        from sync.bundles import export_bundle

        data = export_bundle(engine, kiosk_id=kiosk_id, secret=secret, now=now())
        args.export.write_bytes(data)
        print(say("sync.exported", path=args.export, size=len(data)))
        return 0
    if args.import_file:
        from sync.bundles import import_reply

        result = import_reply(
            engine,
            _read(args.import_file),
            kiosk_id=kiosk_id,
            secret=secret,
            now=now(),
            path=str(args.import_file),
        )
        if args.json:
            print_json(result)
        else:
            print(
                f"sync {kiosk_id}: imported reply, acked {result['acked_seq']}, "
                f"pulled {result['pulled']}, alerts {len(result['alerts']) + len(result['warnings'])}"
            )
        return 0
    url = _required(args.central or settings.central_url, "central_url", "KIOSK_CENTRAL_URL")
    progress = _progress if sys.stderr.isatty() and not args.json else None
    try:
        with HttpCentral(url, kiosk_id, secret, insecure=args.insecure) as link:
            report = sync_now(
                engine,
                link,
                kiosk_id=kiosk_id,
                now=now(),
                progress=progress,
                evidence_dir=settings.evidence_path,
            )
    except SyncFailed as failure:
        if progress:
            sys.stderr.write("\n")
        print(problem("cli.failed", failure), file=sys.stderr)
        return EXIT_FAILURE
    if progress:
        sys.stderr.write("\n")
    for warning in report.warnings + report.alerts:
        _print_alert(warning)
    if args.json:
        print_json(report.as_json())
    else:
        print(report.summary())
    return 0


def _print_alert(alert: dict[str, Any]) -> None:
    if "key" in alert:
        warning = DomainError(alert["key"], **alert.get("params", {}))
        print(problem("sync.warning", warning), file=sys.stderr)
    else:
        print(
            say("sync.overdraft", code=alert.get("household"), balance=alert.get("balance")),
            file=sys.stderr,
        )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise BadInput("sync.bundle_format", path=str(path)) from None


# --- central side ---------------------------------------------------------------------------------


def _central_engine(args: argparse.Namespace) -> Any:
    from kiosk.core.db import read_session
    from kiosk.core.ledger import CENTRAL_ORIGIN, meta_get

    engine = open_engine(args)
    with read_session(engine) as session:
        origin = meta_get(session, "origin")
    if origin not in (None, CENTRAL_ORIGIN):
        raise BadInput("sync.not_central", origin=origin)
    return engine


def central_init(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from sync.central import init_central

    url = database_url(args)
    key_path = args.card_key or settings_of(args).card_key_path
    with write_session(open_engine(args)) as session:
        result = init_central(session, now(), signing_key_path=key_path)
    print(say("central.ready", url=url))
    if result.seeded:
        print("  " + say("central.seeded"))
    if key_path:
        print("  " + say("seed.key", path=key_path))
    return 0


def central_serve(args: argparse.Namespace) -> int:
    from kiosk.services.office import Desk
    from sync.client import check_central_url, is_loopback_url
    from sync.server import serve

    if not args.insecure and not is_loopback_url(f"http://{_bracket(args.host)}/"):
        raise BadInput("sync.serve_public", host=args.host)
    engine = _central_engine(args)
    public_url = check_central_url(args.public_url, insecure=False) if args.public_url else None
    settings = settings_of(args)
    serve(
        engine,
        args.host,
        args.port,
        public_url=public_url,
        evidence_dir=settings.evidence_path,
        evidence_cap_mb=settings.evidence_cap_mb,
        desk=Desk(card_key=settings.card_key_path),
    )
    return 0


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def add_kiosk(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from sync.credentials import add_kiosk as add

    with write_session(_central_engine(args)) as session:
        issued = add(
            session,
            args.kiosk_id,
            village=args.village,
            exchange_point=args.exchange_point,
            now=now(),
        )
    if args.json:
        print_json(issued.as_json())
    else:
        print(
            say(
                "central.kiosk_added",
                kiosk=issued.id,
                village=issued.village_id,
                point=issued.exchange_point_id,
            )
        )
        print(say("central.secret", secret=issued.secret))
    return 0


def revoke_kiosk(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from sync.credentials import revoke_kiosk as revoke

    with write_session(_central_engine(args)) as session:
        revoke(session, args.kiosk_id, now())
    print(say("central.revoked", kiosk=args.kiosk_id))
    return 0


def alerts(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from sync.central import list_alerts

    with read_session(_central_engine(args)) as session:
        rows = list_alerts(session, args.kind, open_only=not args.all)
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        print(
            text_row(
                "alert.row",
                id=row["id"],
                kind=row["kind"],
                subject=row["household"] or row["kiosk"] or "-",
                at=row["created_at"][:16],
                detail=row["detail"][:60],
            )
        )
        if row["acknowledged_by"]:
            print(
                "    "
                + text_row(
                    "alert.acknowledged",
                    by=row["acknowledged_by"],
                    at=row["acknowledged_at"][:16],
                    note=row["acknowledgement"],
                )
            )
    if not rows:
        print(say("alert.none"))
    return 0


def acknowledge(args: argparse.Namespace) -> int:
    from kiosk.core.db import write_session
    from kiosk.core.reference import operator_by_id
    from sync.alerts import acknowledge_alert, alert_json

    with write_session(_central_engine(args)) as session:
        operator = operator_by_id(session, args.operator)
        alert = acknowledge_alert(session, args.alert_id, operator, args.note, now())
        shown = alert_json(session, alert)
    if args.json:
        print_json(shown)
    else:
        print(say("alert.done", id=shown["id"], by=operator.id))
    return 0


def prune_photos(args: argparse.Namespace) -> int:
    from sync.evidence import prune_unsent

    engine = _central_engine(args)
    pruned = prune_unsent(engine, settings_of(args).evidence_path, now())
    if args.json:
        print_json({"photos": pruned.photos, "bytes": pruned.bytes})
    else:
        print(say("central.pruned", photos=pruned.photos, mb=round(pruned.bytes / 1e6, 1)))
    return 0


def overdrafts(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from sync.central import list_alerts

    with read_session(_central_engine(args)) as session:
        rows = list_alerts(session, "overdraft")
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(
                text_row(
                    "overdraft.row",
                    code=row["household"],
                    year=row["points_year"],
                    at_alert=row["balance_at_alert"],
                    balance=row["balance"],
                    kiosk=row["kiosk"] or "-",
                    at=row["created_at"],
                )
            )
        if not rows:
            print(say("overdraft.none"))
    return 0


def status(args: argparse.Namespace) -> int:
    from kiosk.core.db import read_session
    from sync.central import kiosk_status

    with read_session(_central_engine(args)) as session:
        rows = kiosk_status(session, now())
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(
                f"{row['id']:<10} {row['village_id']:<12} last sync {row['last_sync_at'] or '-':<33} "
                f"behind {row['entries_behind']:>5}  skew {row['clock_skew_s'] if row['clock_skew_s'] is not None else '-'} s"
                + ("  REVOKED" if row["revoked"] else "")
            )
    return 0


def central_import(args: argparse.Namespace) -> int:
    from sync.bundles import import_at_central

    engine = _central_engine(args)
    reply, summary = import_at_central(engine, _read(args.file), now=now(), path=str(args.file))
    reply_path = args.reply or args.file.with_name(args.file.name + ".reply")
    reply_path.write_bytes(reply)
    summary["reply"] = str(reply_path)
    if args.json:
        print_json(summary)
    else:
        print(
            f"import {summary['kiosk_id']}: pushed {summary['pushed']}, acked {summary['acked_seq']}, "
            f"alerts {len(summary['alerts'])}; reply: {reply_path}"
        )
    return 0
