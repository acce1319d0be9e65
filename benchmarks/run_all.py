"""Run every benchmark and print one table: what | vaetui | baseline | ratio | budget | met?

This is ``make bench``. The budgets are SPEC.md's "Performance budgets"; each figure stands
beside a baseline measured in the same run on the same (shared, noisy) machine, which is
described above the table, so a reader can tell a slow machine from a slow vaetui. The full run
reads the 2,000,000-line (~315 MB) log the budgets are stated for (about 1.5 minutes at
~100 MB/s, longer with a slower parser); ``--quick`` uses 200,000-line logs and fewer
repetitions, for a look in about a minute.
Figures are measurements, never pass/fail tests: the exit status is 0 whatever they say.

Usage::

    .venv/bin/python benchmarks/run_all.py [--quick] [--save FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import accuracy
import bench_backfill
import bench_formats
import bench_live
import bench_tui
from common import Row, as_installed, format_table, machine

QUICK_LINES = 200_000


ALL_PARTS = "backfill,formats,tui,live"


def run(quick: bool = False, parts: str = ALL_PARTS) -> list[Row]:
    """All rows: backfill, every format and wide lines, the TUI parts, many runs and live CPU."""
    rows: list[Row] = []
    if "backfill" in parts:
        if quick:
            rows += bench_backfill.run(QUICK_LINES, reps=3)
        else:
            rows += bench_backfill.run(bench_backfill.DEFAULT_LINES, reps=3, max_seconds=900)
    if "formats" in parts:
        records, wide = (QUICK_LINES, 20_000) if quick else (1_000_000, 100_000)
        rows += bench_formats.run(records, wide, reps=3 if quick else 5)
    if "tui" in parts:
        rows += bench_tui.run(quick)
    if "live" in parts:
        rows += bench_live.run(quick)
    return rows


def report(rows: list[Row], quick: bool, took: float) -> str:
    """The machine, the mode and the table, as printed and as saved."""
    m = machine()
    mode = "quick (200k-line logs)" if quick else "full (2M-line log)"
    head = [
        f"machine: {m['nproc']} cores, {m['cpu']}, {m['memory']} RAM, Python {m['python']}, "
        f"{m['os']}",
        f"run: {m['date']}, {mode}, {took / 60:.1f} min; compiled readers "
        f"(vaetui/core/_native.c) {m['compiled']}",
        "",
    ]
    return "\n".join(head) + format_table(rows)


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    as_installed()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller logs, fewer repetitions")
    p.add_argument(
        "--only",
        default=f"{ALL_PARTS},accuracy",
        help=f"comma list of: {ALL_PARTS}, accuracy (default all)",
    )
    p.add_argument("--save", type=Path, help="also write the report to this file")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    rows = run(args.quick, args.only)
    text = report(rows, args.quick, time.perf_counter() - t0)
    if "accuracy" in args.only:
        results, took = accuracy.run(args.quick)
        text += "\n\nVerdict accuracy (benchmarks/accuracy.py)\n" + accuracy.report(results, took)
    print(text)
    if args.save:
        args.save.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
