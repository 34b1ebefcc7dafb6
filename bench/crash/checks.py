"""What the harness checks after each kill: the database opens, passes `kiosk check` and holds
every confirmed operation exactly once; the outcome counted over all rounds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import col, select

if TYPE_CHECKING:
    pass


@dataclass
class Outcome:
    kills: int = 0
    confirmed: int = 0
    unconfirmed_present: int = 0
    problems: list[str] = field(default_factory=list)
    # --sync only
    syncs_done: int = 0
    chunks_acked: int = 0  # push replies the child heard (each ends an acknowledged chunk)
    kills_during_sync: int = 0
    kills_after_push_began: int = 0  # at least one chunk acknowledged in the killed sync
    sync_failures: Counter[str] = field(default_factory=Counter)
    central_rows: int = 0  # the kiosk's rows on the central after the final clean sync
    # Kills after which the central held part of a kiosk transaction (healed by the next sync).
    half_pushed: int = 0
    half_pushed_example: str = ""


class Presence:
    """How many times each operation is in a database, read in three queries (one query per
    operation made every round quadratic: thousands of confirmed operations by the end)."""

    def __init__(self, url: str) -> None:
        from kiosk.core.db import make_engine, read_session
        from kiosk.core.models import LedgerEntry, RedemptionOrder

        engine = make_engine(url)
        try:
            with read_session(engine) as session:
                self.orders = Counter(session.exec(select(RedemptionOrder.id)).all())
                self.order_entries = Counter(
                    session.exec(
                        select(LedgerEntry.order_id).where(col(LedgerEntry.order_id).is_not(None))
                    ).all()
                )
                noted = session.exec(
                    select(LedgerEntry.note, LedgerEntry.group_id).where(
                        col(LedgerEntry.note).is_not(None)
                    )
                ).all()
                self.groups = Counter(
                    session.exec(
                        select(LedgerEntry.group_id).where(col(LedgerEntry.group_id).is_not(None))
                    ).all()
                )
        finally:
            engine.dispose()
        self.notes: dict[str, list[str | None]] = {}
        for note, group_id in noted:
            self.notes.setdefault(str(note), []).append(group_id)

    def count(self, operation: str, op_id: str) -> int:
        """How many times `op_id` is there; -1 when only part of it is."""
        if operation == "redeem":
            orders, entries = self.orders[op_id], self.order_entries[op_id]
            return orders if orders == entries else -1
        groups = self.notes.get(op_id, [])
        if operation == "award-helped" and len(groups) == 1:
            # Both halves of a mutual-help award land together or not at all.
            return 1 if groups[0] is not None and self.groups[groups[0]] == 2 else -1
        return len(groups)


def verify(
    url: str, confirmed: dict[str, str], unconfirmed: dict[str, str], outcome: Outcome
) -> None:
    """The database opens, its invariants hold, confirmed operations are there exactly once."""
    from kiosk.core.db import open_database, read_session
    from kiosk.core.invariants import check_ledger

    engine = open_database(url)
    with read_session(engine) as session:
        report = check_ledger(session)
    engine.dispose()
    outcome.problems += [f"after kill {outcome.kills}: {p}" for p in report.problems]
    presence = Presence(url)
    for op_id, operation in confirmed.items():
        present = presence.count(operation, op_id)
        if present != 1:
            outcome.problems.append(f"confirmed {operation} {op_id} present {present} times")
    for op_id, operation in unconfirmed.items():
        present = presence.count(operation, op_id)
        if present not in (0, 1):
            outcome.problems.append(f"unconfirmed {operation} {op_id} present {present} times")
        outcome.unconfirmed_present += max(present, 0)
