"""Backfill: how fast ``vaetui check --json`` reads a whole large log, and how much memory.

The budget (SPEC "Performance budgets") is >= 100 MB/s and <= 150 MB peak RSS on the
2,000,000-line ``key=value`` log. A MB/s figure alone says little on a shared 2-core machine,
so two baselines run in the same process, interleaved with vaetui run by run:

- ``grep -c step``: the I/O and line-scanning floor, what reading the bytes costs at all;
- a plain per-line Python regex parser (``naive_parse`` below): what the obvious
  implementation gets, the thing vaetui's chunked, vectorised parsing has to beat.

Each command is a separate process, timed from outside (start-up included) with its own peak
RSS from ``os.wait4``. MB is 10^6 bytes.

Usage::

    .venv/bin/python benchmarks/bench_backfill.py [--lines N] [--reps R]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from common import (
    PYTHON,
    VAETUI,
    Row,
    as_installed,
    format_table,
    med,
    print_machine,
    ratio,
    run_process,
)
from make_log import DEFAULT_LINES, make_log

#: ``key=value`` pairs as the plain parser sees them.
PAIR = re.compile(r"(\w+)=(\S+)")

BUDGET_MBPS = 100.0
BUDGET_RSS_MB = 150.0


def naive_parse(path: str) -> tuple[int, int]:
    """The baseline parser: per line, ``re.findall`` the pairs and ``float()`` each value.

    Returns (lines, numbers parsed); non-numeric values (the config banner) are skipped.
    """
    lines = numbers = 0
    total = 0.0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            lines += 1
            for _key, value in PAIR.findall(line):
                try:
                    total += float(value)
                except ValueError:
                    continue
                numbers += 1
    return lines, numbers


def run(lines: int = DEFAULT_LINES, reps: int = 3, max_seconds: float = 900.0) -> list[Row]:
    """Measure vaetui and both baselines on a ``lines``-line log; return the table rows.

    The commands run in turn (vaetui, grep, regex, vaetui start-up, vaetui, ...) so drift of
    the machine's speed hits all of them alike. After the first round, further rounds are
    skipped once the benchmark has used ``max_seconds`` (a slow parser takes minutes).
    """
    log = make_log(lines)
    size_mb = log.stat().st_size / 1e6
    commands = {
        "vaetui": [VAETUI, "check", "--json", str(log)],
        "grep": ["grep", "-c", "step", str(log)],
        "regex": [PYTHON, str(Path(__file__).resolve()), "--naive", str(log)],
        # Start-up alone (imports, arguments): to tell parsing speed from fixed cost.
        "startup": [VAETUI, "check", "--json", str(make_log(2003, quiet=True))],
    }
    run_process(["cat", str(log)])  # warm the page cache: all three read from memory
    walls: dict[str, list[float]] = {k: [] for k in commands}
    rss: dict[str, list[float]] = {k: [] for k in commands}
    codes: dict[str, int] = {}
    said: dict[str, str] = {}
    t0 = time.perf_counter()
    for i in range(reps):
        if i and time.perf_counter() - t0 > max_seconds:
            break
        for name, cmd in commands.items():
            r = run_process(cmd)
            walls[name].append(r.wall)
            rss[name].append(r.maxrss_mb)
            codes[name] = r.returncode
            said[name] = r.last_line
    mbps = {k: size_mb / med(v) for k, v in walls.items()}
    parse_s = med(walls["vaetui"]) - med(walls["startup"])
    parse_mbps = size_mb / parse_s if parse_s > 0 else float("inf")
    peak = {k: max(v) for k, v in rss.items()}
    n = len(walls["vaetui"])
    base_note = (
        f"{lines:,}-line log, {size_mb:.0f} MB, median of {n}; wall s min/med/max: "
        + ", ".join(f"{k} {min(v):.2f}/{med(v):.2f}/{max(v):.2f}" for k, v in walls.items())
        + f"; vaetui start-up (2,003-line log) {med(walls['startup']):.2f} s is included, "
        f"without it {parse_mbps:.0f} MB/s"
    )
    rows: list[Row] = []
    if codes["vaetui"] not in (0, 1, 2):
        rows.append(
            Row.not_measured(
                "backfill (check --json)",
                f">= {BUDGET_MBPS:.0f} MB/s",
                f"vaetui check exited {codes['vaetui']}: {said['vaetui'][:160]}",
            )
        )
        return rows
    rows.append(
        Row(
            "backfill MB/s vs grep -c (I/O floor)",
            f"{mbps['vaetui']:.1f} MB/s",
            f"{mbps['grep']:.0f} MB/s",
            ratio(mbps["vaetui"], mbps["grep"]),
            f">= {BUDGET_MBPS:.0f} MB/s",
            mbps["vaetui"] >= BUDGET_MBPS,
            base_note,
        )
    )
    rows.append(
        Row(
            "backfill MB/s vs per-line regex",
            f"{mbps['vaetui']:.1f} MB/s",
            f"{mbps['regex']:.1f} MB/s",
            ratio(mbps["vaetui"], mbps["regex"]),
            f">= {BUDGET_MBPS:.0f} MB/s",
            mbps["vaetui"] >= BUDGET_MBPS,
        )
    )
    rows.append(
        Row(
            "backfill peak RSS vs per-line regex",
            f"{peak['vaetui']:.0f} MB",
            f"{peak['regex']:.0f} MB",
            ratio(peak["vaetui"], peak["regex"]),
            f"<= {BUDGET_RSS_MB:.0f} MB",
            peak["vaetui"] <= BUDGET_RSS_MB,
            f"largest of {n} runs (each: "
            + ", ".join(f"{x:.0f}" for x in rss["vaetui"])
            + f" MB); grep -c peaks at {peak['grep']:.1f} MB; MB here = MiB (KiB/1024)",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line; ``--naive PATH`` is the baseline parser run as its own process."""
    as_installed()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=DEFAULT_LINES, help="log size in lines")
    p.add_argument("--reps", type=int, default=3, help="rounds of the three commands")
    p.add_argument("--naive", metavar="PATH", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.naive:
        naive_parse(args.naive)
        return 0
    print_machine()
    print(format_table(run(args.lines, args.reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
