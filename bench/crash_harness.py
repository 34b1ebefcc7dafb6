"""Crash harness: a child redeems and awards in a loop, the parent SIGKILLs it at random moments.

After every kill the database must open, pass `kiosk check`, and hold every operation the
child reported as confirmed exactly once. Run by hand:

    .venv/bin/python -m bench.crash_harness --kills 1000

With `--sync` a central store runs on loopback (uvicorn in a thread of this process, an
SQLite central unless `--postgres`) and the child also runs the nightly sync
(`sync.client.run_sync` over `HttpCentral`) in a second thread, so kills land mid-push,
mid-pull and mid-operation. After every kill the central must hold exactly the kiosk's
first `acked_seq` rows, equal to the kiosk's own, and pass `kiosk check` (a failure there is
also counted as "central held half a txn": a chunk that ended inside a transaction); at the
end one clean sync must bring every kiosk row and every confirmed operation to the central
exactly once. The child's own syncs may fail only as "unreachable".

    .venv/bin/python -m bench.crash_harness --sync --kills 1000
    .venv/bin/python -m bench.crash_harness --sync --postgres --kills 200

A quick variant of each runs in the test suite (tests/stress/test_crash_harness.py).

Its parts live in bench/crash/: workload (the child), launcher, checks, rounds, central.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.crash.central import sync_world, throwaway_postgres
from bench.crash.checks import Outcome
from bench.crash.launcher import zygote
from bench.crash.rounds import run
from bench.crash.workload import prepare_database, run_child

if TYPE_CHECKING:
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="mode")
    child_parser = sub.add_parser("child")
    child_parser.add_argument("url")
    child_parser.add_argument("seed", type=int)
    sync_parser = sub.add_parser("sync-child")
    sync_parser.add_argument("url")
    sync_parser.add_argument("seed", type=int)
    sync_parser.add_argument("central")
    sync_parser.add_argument("kiosk_id")
    zygote_parser = sub.add_parser("zygote")
    zygote_parser.add_argument("socket")
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--db", type=Path, default=Path("bench/data/crash.db"))
    parser.add_argument("--sync", action="store_true", help="sync with a central while working")
    parser.add_argument("--postgres", action="store_true", help="the central on PostgreSQL")
    parser.add_argument(
        "--max-wait",
        type=float,
        help="at most this many seconds between ready and the kill (default 0.25; 1.5 with "
        "--sync, where a sync needs a moment to get to its pushes)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--fresh", action="store_true", help="a new interpreter per child instead of a fork"
    )
    args = parser.parse_args(argv)
    if args.mode in ("child", "sync-child"):
        return run_child(argv if argv is not None else sys.argv[1:])
    if args.mode == "zygote":
        zygote(args.socket)
        return 0

    def show(outcome: Outcome) -> None:
        if outcome.kills % 50 == 0:
            print(f"  {outcome.kills} kills ...", file=sys.stderr, flush=True)

    max_wait = args.max_wait if args.max_wait is not None else (1.5 if args.sync else 0.25)
    started = time.monotonic()
    if args.sync:
        with contextlib.ExitStack() as stack:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crash-sync-")))
            central_url = stack.enter_context(throwaway_postgres()) if args.postgres else None
            url, target = stack.enter_context(sync_world(scratch, central_url=central_url))
            outcome = run(
                url,
                args.kills,
                max_wait=max_wait,
                seed=args.seed,
                sync=target,
                fresh=args.fresh,
                progress=show,
            )
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        args.db.parent.mkdir(parents=True, exist_ok=True)
        url = prepare_database(args.db)
        outcome = run(
            url, args.kills, max_wait=max_wait, seed=args.seed, fresh=args.fresh, progress=show
        )
    elapsed = time.monotonic() - started
    print(f"{'kills':<28}{outcome.kills:>10}")
    print(f"{'confirmed operations':<28}{outcome.confirmed:>10}")
    print(f"{'unconfirmed but committed':<28}{outcome.unconfirmed_present:>10}")
    if args.sync:
        print(f"{'syncs finished':<28}{outcome.syncs_done:>10}")
        print(f"{'chunks acknowledged':<28}{outcome.chunks_acked:>10}")
        print(f"{'kills during a sync':<28}{outcome.kills_during_sync:>10}")
        print(f"{'  of which after a push':<28}{outcome.kills_after_push_began:>10}")
        for key, count in sorted(outcome.sync_failures.items()):
            print(f"{'sync failed: ' + key:<28}{count:>10}")
        print(f"{'kiosk rows on the central':<28}{outcome.central_rows:>10}")
        print(f"{'central held half a txn':<28}{outcome.half_pushed:>10}")
        if outcome.half_pushed_example:
            print(f"  e.g. {outcome.half_pushed_example}")
    print(f"{'problems (lost, doubled...)':<28}{len(outcome.problems):>10}")
    print(f"{'seconds':<28}{elapsed:>10.1f}")
    for problem in outcome.problems[:20]:
        print("  ✗", problem)
    return 0 if not outcome.problems else 1


if __name__ == "__main__":
    sys.exit(main())
