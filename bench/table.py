"""The benchmark row every bench module returns, its percentiles and the one printed table."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Where generated data lives (gitignored); bench modules keep their caches here too.
DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class BenchOptions:
    """What `python -m bench` passes to every bench module's `run(options)`."""

    quick: bool = False
    """A smoke run: small data, few samples; numbers are meaningless, the code path is not."""
    samples: int = 1000
    """How many timed repetitions a latency row should take (fewer when `quick`)."""
    data_dir: Path = DATA_DIR
    """Cache directory for generated databases and fixtures."""


@dataclass(frozen=True)
class BenchRow:
    """One line of the table: a measurement, the floor it is compared with, and its target.

    Latency rows fill `p50` and `p95`; single-valued rows (cold start, memory, throughput)
    leave `p50` as None and put their value in `p95`. The floor is measured in the same run
    on the same machine, so `ratio` compares across machines where raw numbers cannot.
    """

    name: str
    p50: float | None
    p95: float
    unit: str  # "ms", "s", "MB", "entries/s" ...
    floor_name: str | None = None
    floor: float | None = None  # the floor's own p95 (or value), same unit as the row
    target_p95: float | None = None  # absolute target on p95/value in `unit`
    target_ratio: float | None = None  # the row may be at most this many times its floor
    higher_is_better: bool = False  # throughput rows: the ratio is floor / value
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)  # anything else worth printing
    floor_p50: float | None = None  # the floor's median, when it was sampled like the row

    @property
    def ratio(self) -> float | None:
        """How many times worse than the floor (1.0 = as fast as the floor).

        Medians when both are known: on a loaded machine a p95 measures the scheduler more
        than the code, and a long operation is preempted more often than its short floor.
        """
        if self.p50 is not None and self.floor_p50 is not None and self.floor_p50 > 0:
            mine, floor = self.p50, self.floor_p50
        elif self.floor is not None and self.floor > 0 and self.p95 > 0:
            mine, floor = self.p95, self.floor
        else:
            return None
        return floor / mine if self.higher_is_better else mine / floor

    @property
    def passed(self) -> bool | None:
        """True when every target set on the row is met, None when the row has no target."""
        checks: list[bool] = []
        if self.target_p95 is not None:
            if self.higher_is_better:
                checks.append(self.p95 >= self.target_p95)
            else:
                checks.append(self.p95 < self.target_p95)
        if self.target_ratio is not None:
            ratio = self.ratio
            checks.append(ratio is not None and ratio <= self.target_ratio)
        return all(checks) if checks else None

    def target_text(self) -> str:
        parts: list[str] = []
        if self.target_p95 is not None:
            op = ">=" if self.higher_is_better else "<"
            parts.append(f"{op} {_number(self.target_p95)} {self.unit}")
        if self.target_ratio is not None:
            parts.append(f"<= {_number(self.target_ratio)}x floor")
        return "; ".join(parts)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction 0..1) of a non-empty sequence."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def p50_p95(samples: Sequence[float]) -> tuple[float, float]:
    return percentile(samples, 0.50), percentile(samples, 0.95)


def time_ms(action: Callable[[int], object], repetitions: int, *, warmup: int = 5) -> list[float]:
    """Wall-clock milliseconds of `action(i)` for i in range(repetitions), after a warm-up."""
    for i in range(warmup):
        action(-1 - i)  # negative indices tell the action it is warming up
    samples: list[float] = []
    for i in range(repetitions):
        start = time.perf_counter_ns()
        action(i)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def time_pair_ms(
    action: Callable[[int], object],
    floor: Callable[[int], object],
    repetitions: int,
    *,
    warmup: int = 5,
) -> tuple[list[float], list[float]]:
    """Samples of `action(i)` and of its `floor(i)`, interleaved so both see the same machine.

    The order alternates (A B, B A, ...) so neither always runs on a cache the other warmed.
    """
    for i in range(warmup):
        action(-1 - i)
        floor(-1 - i)
    mine: list[float] = []
    floors: list[float] = []
    for i in range(repetitions):
        pair = (
            ((action, mine), (floor, floors)) if i % 2 == 0 else ((floor, floors), (action, mine))
        )
        for run, samples in pair:
            start = time.perf_counter_ns()
            run(i)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return mine, floors


@dataclass(frozen=True)
class PairTimes:
    """Wall-clock and CPU milliseconds of an action and of its floor, sampled interleaved."""

    wall: list[float]
    cpu: list[float]
    floor_wall: list[float]
    floor_cpu: list[float]


def time_pair_cpu_ms(
    action: Callable[[int], object],
    floor: Callable[[int], object],
    repetitions: int,
    *,
    warmup: int = 5,
) -> PairTimes:
    """`time_pair_ms` that also records this process's CPU time (`time.process_time_ns`).

    CPU time leaves out the time spent waiting for the disk (an fsync that waits 0.05 ms in
    one run and 3 ms in the next), so a ratio of CPU times says what the code costs even
    when the disk's noise swamps the wall-clock ratio. It includes the system time of the
    syscalls themselves (write, fsync), which both sides pay alike.
    """
    for i in range(warmup):
        action(-1 - i)
        floor(-1 - i)
    times = PairTimes([], [], [], [])
    for i in range(repetitions):
        sides = (
            ((action, times.wall, times.cpu), (floor, times.floor_wall, times.floor_cpu))
            if i % 2 == 0
            else ((floor, times.floor_wall, times.floor_cpu), (action, times.wall, times.cpu))
        )
        for run, wall, cpu in sides:
            start_cpu = time.process_time_ns()
            start = time.perf_counter_ns()
            run(i)
            wall.append((time.perf_counter_ns() - start) / 1e6)
            cpu.append((time.process_time_ns() - start_cpu) / 1e6)
    return times


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


HEADERS = (
    "benchmark",
    "p50",
    "p95/value",
    "unit",
    "floor",
    "floor p50",
    "floor p95",
    "ratio",
    "target",
    "ok",
)


def render(rows: Iterable[BenchRow]) -> str:
    """The one table `python -m bench` prints (plain text, aligned, pipe-separated)."""
    body: list[tuple[str, ...]] = []
    for row in rows:
        ratio = row.ratio
        passed = row.passed
        body.append(
            (
                row.name + (f" ({row.note})" if row.note else ""),
                _number(row.p50),
                _number(row.p95),
                row.unit,
                row.floor_name or "-",
                _number(row.floor_p50),
                _number(row.floor),
                "-" if ratio is None else f"{ratio:.2f}x",
                row.target_text() or "-",
                "-" if passed is None else ("yes" if passed else "NO"),
            )
        )
    widths = [
        max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(HEADERS)
    ]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    for r in body:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    return "\n".join(lines)
