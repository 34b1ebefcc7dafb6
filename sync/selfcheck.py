"""A kiosk's own unsynced rows put through the central's admission checks, so `kiosk check`
and `kiosk doctor` find tampering or a bug before a sync is refused for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kiosk.core.db import read_session
from kiosk.core.errors import BadInput, Refused
from kiosk.core.invariants import CheckReport, check_ledger
from kiosk.core.ledger import meta_get, pushes_to_central
from sync.admission import admit
from sync.client import ACKED_KEY, push_payloads
from sync.plausible import check_rows
from sync.protocol import ORDER_LINES, RECORD_TABLES, decode_tables


def check_own_rows(engine: Engine, now: datetime) -> list[str]:
    """The kiosk's rows the central has not acknowledged, cut into pushes as the sync cuts
    them, each checked as the central would: one line per push it would refuse (naming
    table, row and reason); empty when every row would be taken in. The central and a
    demo database push nothing: nothing to check."""
    with read_session(engine) as session:
        origin = meta_get(session, "origin")
        acked = int(meta_get(session, ACKED_KEY) or 0)
        pushes = pushes_to_central(session)
    if not origin or not pushes:
        return []
    problems: list[str] = []
    for payload, _last in push_payloads(engine, origin, acked):
        try:
            rows = decode_tables(payload["rows"], (*RECORD_TABLES, ORDER_LINES))
            check_rows(rows, now)
            with Session(engine) as session:
                admit(session, rows, origin=origin)
        except (BadInput, Refused) as refusal:
            problems.append(f"seq {payload['first_seq']}-{payload['last_seq']}: {refusal}")
    return problems


def check_database(engine: Engine, now: datetime) -> CheckReport:
    """`kiosk check` and the doctor's ledger check: the ledger's invariants over the whole
    database, then (on a kiosk) each push of its unsynced rows the central would refuse,
    since such a push stops every later sync of the shop until someone repairs it."""
    with read_session(engine) as session:
        report = check_ledger(session)
    report.problems += [
        f"unsynced rows the central would refuse: {p}" for p in check_own_rows(engine, now)
    ]
    return report
