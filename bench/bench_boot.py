"""Seconds to a readable sign-in on the booted Debian 12 container `make boot-test` leaves.

Two rows: from `systemctl start kiosk.service` (the kiosk stopped before) and from the
container's boot (systemd-nspawn started), each to the first screenshot of the unit's
headless output on which Tesseract reads 操作员登录. Screenshots are taken back to back
inside the container and read afterwards, so the reading's seconds do not count.

Needs build/boot/machine as `make boot-test` installed it (kiosk.service with its headless
test drop-in); without it, or without root and systemd-nspawn, it returns no rows.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from bench.table import BenchOptions, BenchRow, percentile

PHRASE = "操作员登录"
DEADLINE = 120.0
TARGET_SECONDS = 3.0  # the target for the unit start


def _first_readable(frames: list[tuple[float, Path]]) -> float | None:
    from tests.deploy.headless import ocr

    try:
        if not frames or ocr(frames[-1][1]).find(PHRASE) is None:
            return None
        low, high = 0, len(frames) - 1
        while low < high:  # the screen only fills: the first frame that reads
            middle = (low + high) // 2
            if ocr(frames[middle][1]).find(PHRASE) is not None:
                high = middle
            else:
                low = middle + 1
        return frames[low][0]
    finally:
        for _, frame in frames:
            frame.unlink(missing_ok=True)


def _frames_until_read(machine: object, start: float, name: str) -> float | None:
    """Screenshots from inside the container until one reads; seconds since `start`."""
    from tests.deploy.headless import ocr
    from tests.deploy.test_boot import BOOT, MACHINE_DIR, Machine

    assert isinstance(machine, Machine)
    frames: list[tuple[float, Path]] = []
    uid = ""
    while time.monotonic() - start < DEADLINE:
        uid = uid or machine.run("id -u kiosk").stdout.strip()
        shot = f"/var/tmp/bench-{name}.png"
        taken = machine.run(
            f"runuser -u kiosk -- env XDG_RUNTIME_DIR=/run/user/{uid} "
            f"WAYLAND_DISPLAY=wayland-0 grim {shot} 2>/dev/null",
            timeout=60,
        )
        at = time.monotonic() - start
        source = MACHINE_DIR / shot.lstrip("/")
        if taken.returncode != 0 or not source.exists():
            continue
        kept = BOOT / f"bench-{name}-{len(frames):03d}.png"
        shutil.move(source, kept)
        frames.append((at, kept))
        if len(frames) % 10 == 0 and ocr(kept).find(PHRASE) is not None:
            break
    return _first_readable(frames)


def run(options: BenchOptions) -> list[BenchRow]:
    from tests.deploy.headless import missing
    from tests.deploy.test_boot import MACHINE_DIR, Machine

    installed = (MACHINE_DIR / "opt/tangxiang-kiosk/bin/kiosk").exists() and (
        MACHINE_DIR / "etc/systemd/system/kiosk.service.d/test-headless.conf"
    ).exists()
    if os.geteuid() != 0 or missing("systemd-nspawn", "nsenter", "tesseract") or not installed:
        print("bench_boot: run `make boot-test` first (as root)", file=sys.stderr)
        return []
    repetitions = 1 if options.quick else 3
    from_boot: list[float] = []
    from_start: list[float] = []
    for i in range(repetitions):
        machine = Machine(MACHINE_DIR)
        started = time.monotonic()
        machine.boot()
        try:
            seconds = _frames_until_read(machine, started, f"boot{i}")
            if seconds is not None:
                from_boot.append(seconds)
            machine.run("systemctl stop kiosk.service", check=True)
            started = time.monotonic()
            machine.run("systemctl start --no-block kiosk.service", check=True)
            seconds = _frames_until_read(machine, started, f"start{i}")
            if seconds is not None:
                from_start.append(seconds)
        finally:
            machine.shutdown()
    rows: list[BenchRow] = []
    if from_start:
        rows.append(
            BenchRow(
                name="kiosk.service start to sign-in read by OCR",
                p50=percentile(from_start, 0.5),
                p95=percentile(from_start, 0.95),
                unit="s",
                target_p95=TARGET_SECONDS,
                note=f"Debian 12 container, headless, {len(from_start)} starts, incl. migrate",
            )
        )
    if from_boot:
        rows.append(
            BenchRow(
                name="container boot to sign-in read by OCR",
                p50=percentile(from_boot, 0.5),
                p95=percentile(from_boot, 0.95),
                unit="s",
                note=f"systemd-nspawn -b, {len(from_boot)} boots",
            )
        )
    return rows
