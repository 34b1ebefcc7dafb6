"""How many hypothesis examples each stress test runs.

The defaults keep tests/stress to a couple of minutes on two cores. STRESS_EXAMPLES=N (by
hand) runs N examples in every hypothesis test here instead; the Pilot-driven one runs
N // 10, the app being slow to start.
"""

from __future__ import annotations

import os


def examples(default: int, *, slow: bool = False) -> int:
    """The example count: `default`, or what STRESS_EXAMPLES asks for."""
    asked = os.environ.get("STRESS_EXAMPLES")
    if not asked:
        return default
    return max(1, int(asked) // 10) if slow else max(1, int(asked))
