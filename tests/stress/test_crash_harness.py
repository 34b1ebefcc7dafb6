"""The quick variant of the crash harness: SIGKILL a redeeming child a few times, lose nothing."""

from __future__ import annotations

from pathlib import Path

from bench.crash_harness import prepare_database, run


def test_kills_lose_and_double_nothing(tmp_path: Path) -> None:
    url = prepare_database(tmp_path / "crash.db", households_per_village=3)
    outcome = run(url, kills=6, max_wait=0.3, seed=7)
    assert outcome.problems == []
    assert outcome.kills == 6
    # The child must have got work done between kills, or the test proves nothing.
    assert outcome.confirmed > 0
