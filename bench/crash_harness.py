"""Crash harness: a child redeems and awards in a loop, the parent SIGKILLs it at random moments.

After every kill the database must open, pass `kiosk check`, and hold every operation the
child reported as confirmed exactly once. Run by hand:

    .venv/bin/python -m bench.crash_harness --kills 1000

A quick variant runs in the test suite (tests/stress/test_crash_harness.py).
"""

from __future__ import annotations

import argparse
import os
import random
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

CHILD_OPERATIONS = ("award", "redeem", "award-helped")


@dataclass
class Outcome:
    kills: int = 0
    confirmed: int = 0
    unconfirmed_present: int = 0
    problems: list[str] = field(default_factory=list)


def prepare_database(path: Path, households_per_village: int = 5) -> str:
    """A demo database for the harness; every household starts with a healthy balance."""
    from kiosk.core.clock import now
    from kiosk.core.db import open_database, write_session
    from kiosk.core.seed import seed_demo

    url = f"sqlite:///{path}"
    engine = open_database(url)
    with write_session(engine) as session:
        seed_demo(session, now=now(), households_per_village=households_per_village)
    engine.dispose()
    return url


def child(url: str, seed: int) -> None:
    """Loop forever: one operation per transaction, announced before and after commit."""
    from kiosk.core.awards import award
    from kiosk.core.clock import now
    from kiosk.core.db import open_database, write_session
    from kiosk.core.errors import DomainError
    from kiosk.core.households import list_households
    from kiosk.core.ids import new_id
    from kiosk.core.redemption import RedeemLine, redeem
    from kiosk.core.reference import operator_by_id

    rng = random.Random(seed)
    engine = open_database(url)
    with write_session(engine) as session:
        households = [h for h in list_households(session, "heping") if h.takes_part]
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    while True:
        operation = rng.choice(CHILD_OPERATIONS)
        op_id = new_id()
        out.write(f"begin {operation} {op_id}\n")
        out.flush()
        try:
            with write_session(engine) as session:
                household = session.merge(rng.choice(households))
                if operation == "redeem":
                    redeem(
                        session,
                        household=household,
                        lines=[RedeemLine(1, 1)],  # 牙刷, 1 point: the balance never runs out
                        operator=operator_by_id(session, "shop-heping"),
                        now=now(),
                        order_id=op_id,
                    )
                else:
                    helper = None
                    if operation == "award-helped":
                        helper = session.merge(
                            rng.choice([h for h in households if h.id != household.id])
                        )
                    award(
                        session,
                        household=household,
                        rule_id="P08",
                        quantity=1,
                        operator=operator_by_id(session, "admin-heping"),
                        now=now(),
                        helper=helper,
                        note=op_id,
                    )
        except DomainError as error:
            out.write(f"refused {op_id} {error.key}\n")
            out.flush()
            continue
        out.write(f"done {operation} {op_id}\n")
        out.flush()


def _read_lines(process: subprocess.Popen[str], seconds: float) -> Iterator[str]:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if not selector.select(remaining):
            break
        line = process.stdout.readline()
        if not line:
            break
        yield line.rstrip("\n")
    selector.close()


def _count_present(url: str, operation: str, op_id: str) -> int:
    from kiosk.core.db import make_engine, read_session
    from kiosk.core.models import LedgerEntry, RedemptionOrder

    engine = make_engine(url)
    try:
        with read_session(engine) as session:
            if operation == "redeem":
                orders = session.exec(select(func.count()).where(RedemptionOrder.id == op_id)).one()
                entries = session.exec(
                    select(func.count()).where(LedgerEntry.order_id == op_id)
                ).one()
                return int(orders) if orders == entries else -1
            entries = session.exec(select(LedgerEntry).where(LedgerEntry.note == op_id)).all()
            if operation == "award-helped" and len(entries) == 1:
                # Both halves of a mutual-help award land together or not at all.
                pair = session.exec(
                    select(func.count()).where(LedgerEntry.group_id == entries[0].group_id)
                ).one()
                return 1 if pair == 2 else -1
            return len(entries)
    finally:
        engine.dispose()


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
    for op_id, operation in confirmed.items():
        present = _count_present(url, operation, op_id)
        if present != 1:
            outcome.problems.append(f"confirmed {operation} {op_id} present {present} times")
    for op_id, operation in unconfirmed.items():
        present = _count_present(url, operation, op_id)
        if present not in (0, 1):
            outcome.problems.append(f"unconfirmed {operation} {op_id} present {present} times")
        outcome.unconfirmed_present += max(present, 0)


def run(url: str, kills: int, *, max_wait: float = 0.25, seed: int = 1) -> Outcome:
    """Start, kill and verify `kills` times; confirmed operations accumulate across kills."""
    rng = random.Random(seed)
    outcome = Outcome()
    confirmed: dict[str, str] = {}
    for round_number in range(kills):
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.crash_harness", "child", url, str(seed + round_number)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        in_flight: dict[str, str] = {}
        ready = False
        for line in _read_lines(process, 30):
            if line == "ready":
                ready = True
                break
        if not ready:
            process.kill()
            outcome.problems.append(f"child {round_number} never became ready")
            break
        # Let it work for a random moment, reading what it confirms, then kill it mid-stride.
        for line in _read_lines(process, rng.uniform(0.0, max_wait)):
            kind, *rest = line.split()
            if kind == "begin":
                in_flight[rest[1]] = rest[0]
            elif kind == "done":
                confirmed[rest[1]] = in_flight.pop(rest[1], rest[0])
            elif kind == "refused":
                in_flight.pop(rest[0], None)
        os.kill(process.pid, signal.SIGKILL)
        # Lines already in the pipe were written before the kill: they still count.
        assert process.stdout is not None
        for line in process.stdout.read().splitlines():
            kind, *rest = line.split()
            if kind == "begin":
                in_flight[rest[1]] = rest[0]
            elif kind == "done":
                confirmed[rest[1]] = in_flight.pop(rest[1], rest[0])
            elif kind == "refused":
                in_flight.pop(rest[0], None)
        process.wait()
        outcome.kills += 1
        verify(url, confirmed, in_flight, outcome)
        if outcome.problems:
            break
    outcome.confirmed = len(confirmed)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="mode")
    child_parser = sub.add_parser("child")
    child_parser.add_argument("url")
    child_parser.add_argument("seed", type=int)
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--db", type=Path, default=Path("bench/data/crash.db"))
    args = parser.parse_args(argv)
    if args.mode == "child":
        child(args.url, args.seed)
        return 0
    for suffix in ("", "-wal", "-shm"):
        Path(f"{args.db}{suffix}").unlink(missing_ok=True)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    url = prepare_database(args.db)
    started = time.monotonic()
    outcome = run(url, args.kills)
    elapsed = time.monotonic() - started
    print(f"{'kills':<28}{outcome.kills:>10}")
    print(f"{'confirmed operations':<28}{outcome.confirmed:>10}")
    print(f"{'unconfirmed but committed':<28}{outcome.unconfirmed_present:>10}")
    print(f"{'lost or doubled':<28}{len(outcome.problems):>10}")
    print(f"{'seconds':<28}{elapsed:>10.1f}")
    for problem in outcome.problems[:20]:
        print("  ✗", problem)
    return 0 if not outcome.problems else 1


if __name__ == "__main__":
    sys.exit(main())
