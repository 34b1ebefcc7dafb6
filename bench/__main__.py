"""`python -m bench`: run every bench module present and print one table."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from bench.table import DATA_DIR, BenchOptions, BenchRow, render

# Run order when present; any other bench_*.py module runs after these, alphabetically.
PREFERRED_ORDER = ("bench.bench_core", "bench.bench_tui", "bench.bench_sync")


def bench_modules() -> list[str]:
    package_dir = Path(__file__).resolve().parent
    found = sorted(
        f"bench.{info.name}"
        for info in pkgutil.iter_modules([str(package_dir)])
        if info.name.startswith("bench_")
    )
    first = [name for name in PREFERRED_ORDER if name in found]
    return first + [name for name in found if name not in first]


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["night"]:
        # The night load test takes minutes per size and is run on its own, by hand.
        from bench.night import main as night

        return night(arguments[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run on small data")
    parser.add_argument("--samples", type=int, default=None, help="timed repetitions per row")
    parser.add_argument("--only", action="append", default=[], help="run only bench_NAME")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="cache directory")
    args = parser.parse_args(arguments)
    samples = args.samples or (50 if args.quick else 1000)
    options = BenchOptions(quick=args.quick, samples=samples, data_dir=args.data_dir)

    rows: list[BenchRow] = []
    failed: list[str] = []
    for name in bench_modules():
        if args.only and name.removeprefix("bench.bench_") not in args.only:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(name)
            rows.extend(module.run(options))
        except Exception:
            # One broken module must not hide the others' numbers.
            traceback.print_exc()
            failed.append(name)
    print(render(rows))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
