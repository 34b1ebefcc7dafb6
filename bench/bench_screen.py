"""Seconds from starting the kiosk screen (cage, foot, `kiosk demo`) to a readable sign-in.

What a shopkeeper waits for after switching the mini-PC on, less the boot: cage headless
(pixman, as tests/deploy/test_screen.py runs it) as nobody, screenshots taken with grim
back to back while it starts, then read by Tesseract afterwards, so the reading's own
seconds do not count; the time is that of the first screenshot on which 操作员登录 is read.
Floor: the same cage and foot running `echo 操作员登录` instead of the app, i.e. what the
compositor and the terminal cost before the app draws anything.

Needs root (cage as nobody), cage, Xwayland, foot, grim, Tesseract with chi_sim; without
them it returns no rows.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.table import BenchOptions, BenchRow, percentile

if TYPE_CHECKING:
    from tests.deploy.headless import UserSession

PHRASE = "操作员登录"
DEADLINE = 120.0
TARGET_SECONDS = 3.0  # the target: sign-in readable within 3 s of the unit starting


def _time_to_phrase(session: UserSession, command: list[str], name: str) -> float | None:
    from tests.deploy.headless import FOOT_INI, Screen, ocr

    log = session.base / f"{name}.log"
    frames: list[tuple[float, Path]] = []
    start = time.monotonic()
    screen = Screen(session, ["cage", "--", "foot", f"--config={FOOT_INI}", *command], log)
    try:
        while time.monotonic() - start < DEADLINE:
            shot = screen.screenshot(f"bench-{name}-{len(frames):03d}.png")
            if shot is not None:
                frames.append((time.monotonic() - start, shot))
                # Read every tenth frame now, only to know when to stop taking them.
                if len(frames) % 10 == 0 and ocr(shot).find(PHRASE) is not None:
                    break
    finally:
        screen.close()
    try:
        # The first frame that reads: frames before it show less (the screen only fills).
        low, high = 0, len(frames) - 1
        if high < 0 or ocr(frames[high][1]).find(PHRASE) is None:
            return None
        while low < high:
            middle = (low + high) // 2
            if ocr(frames[middle][1]).find(PHRASE) is not None:
                high = middle
            else:
                low = middle + 1
        return frames[low][0]
    finally:
        for _, shot in frames:
            shot.unlink(missing_ok=True)  # build/screens keeps the test's, not hundreds


def run(options: BenchOptions) -> list[BenchRow]:
    from tests.deploy.headless import SCREEN_PROGRAMS, kiosk_command, missing, user_session

    if os.geteuid() != 0 or missing(*SCREEN_PROGRAMS):
        print("bench_screen: needs root and " + " ".join(SCREEN_PROGRAMS), file=sys.stderr)
        return []
    with user_session() as probe:
        kiosk = kiosk_command(probe)
    if kiosk is None:
        return []
    repetitions = 1 if options.quick else 5
    app: list[float] = []
    floor: list[float] = []
    first: float | None = None
    with user_session() as session:
        command = [*kiosk, "demo", "--dir", str(session.home / "demo")]
        # The first start also makes and seeds the demo database (scrypt PIN hashes...);
        # a kiosk starts on its existing database, so the row times the starts after it.
        first = _time_to_phrase(session, command, "first")
        for i in range(repetitions):
            echo = _time_to_phrase(session, ["sh", "-c", f"echo {PHRASE}; sleep 600"], f"f{i}")
            seconds = _time_to_phrase(session, command, f"app{i}")
            if echo is not None:
                floor.append(echo)
            if seconds is not None:
                app.append(seconds)
    if not app:
        return []
    return [
        BenchRow(
            name="kiosk screen: start to sign-in read by OCR",
            p50=percentile(app, 0.5),
            p95=percentile(app, 0.95),
            unit="s",
            floor_name="cage+foot to echoed text",
            floor=percentile(floor, 0.95) if floor else None,
            floor_p50=percentile(floor, 0.5) if floor else None,
            target_p95=TARGET_SECONDS,
            note=f"headless pixman, {len(app)} starts on the demo database",
            extra={"samples": float(len(app)), "first_start_with_seeding_s": first or 0.0},
        )
    ]
