"""Rounds of the harness: start a child, kill it at a random moment, check what survived."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.crash.central import SyncTarget, final_sync, verify_central_prefix
from bench.crash.checks import Outcome, verify
from bench.crash.launcher import Launcher, read_lines
from bench.crash.workload import RETRYABLE_SYNC_FAILURES, SECRET_ENV

if TYPE_CHECKING:
    pass


@dataclass
class _Round:
    """What one child said before it was killed."""

    in_flight: dict[str, str] = field(default_factory=dict)
    syncing: bool = False
    pushed_in_sync: bool = False


def _take(line: str, state: _Round, confirmed: dict[str, str], outcome: Outcome) -> None:
    kind, *rest = line.split()
    if kind == "begin":
        state.in_flight[rest[1]] = rest[0]
    elif kind == "done":
        confirmed[rest[1]] = state.in_flight.pop(rest[1], rest[0])
    elif kind == "refused":
        state.in_flight.pop(rest[0], None)
    elif kind == "sync-begin":
        state.syncing, state.pushed_in_sync = True, False
    elif kind == "pushed":
        state.pushed_in_sync = True
        outcome.chunks_acked += 1
    elif kind == "sync-done":
        state.syncing = False
        outcome.syncs_done += 1
    elif kind == "sync-failed":
        state.syncing = False
        outcome.sync_failures[rest[0]] += 1
        if rest[0] not in RETRYABLE_SYNC_FAILURES:
            outcome.problems.append(f"a sync before kill {outcome.kills + 1} failed: {rest[0]}")


def run(
    url: str,
    kills: int,
    *,
    max_wait: float = 0.25,
    seed: int = 1,
    sync: SyncTarget | None = None,
    fresh: bool = False,
    progress: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Start, kill and verify `kills` times; confirmed operations accumulate across kills.

    With `sync` the child also syncs with that central, which is checked after every kill
    and, at the end, after one clean sync run here.
    """
    rng = random.Random(seed)
    outcome = Outcome()
    confirmed: dict[str, str] = {}
    env = dict(os.environ)
    if sync is not None:
        env[SECRET_ENV] = sync.secret
    with Launcher(fresh=fresh, env=env) as launcher:
        for round_number in range(kills):
            if sync is None:
                args = ["child", url, str(seed + round_number)]
            else:
                args = ["sync-child", url, str(seed + round_number), sync.http_url, sync.kiosk_id]
            child_process = launcher.start(args)
            state = _Round()
            ready = False
            for line in read_lines(child_process.stream, 30):
                if line == "ready":
                    ready = True
                    break
                _take(line, state, confirmed, outcome)  # the sync thread may start first
            if not ready:
                child_process.kill()
                outcome.problems.append(f"child {round_number} never became ready")
                break
            # Let it work for a random moment, reading what it confirms, then kill it
            # mid-stride.
            for line in read_lines(child_process.stream, rng.uniform(0.0, max_wait)):
                _take(line, state, confirmed, outcome)
            for line in child_process.kill():
                _take(line, state, confirmed, outcome)
            outcome.kills += 1
            outcome.kills_during_sync += state.syncing
            outcome.kills_after_push_began += state.syncing and state.pushed_in_sync
            verify(url, confirmed, state.in_flight, outcome)
            if sync is not None:
                verify_central_prefix(url, sync, outcome)
            if progress is not None:
                progress(outcome)
            if outcome.problems:
                break
    outcome.confirmed = len(confirmed)
    if sync is not None and not outcome.problems:
        final_sync(url, sync, confirmed, outcome)
    return outcome
