"""Backfill in every text format, each against its own naive parser; memory by metrics per line.

``vaetui check --json`` reads a whole log of one healthy run written as ``kv``, ``logging``,
``jsonl``, ``tqdm`` and ``csv`` (``format_logs.py``); the same-run baseline for each is that
format's naive parser (``naive.py``: the standard library's tool for the format, ``float()`` on
every value). Commands run in turn, round after round, as separate processes; each figure is
the median. Throughput is MB (10^6 bytes) per CPU second (user + system, so a busy neighbour
on this shared machine slows both sides less than the wall clock would), with each program's
own start-up (measured in the same run: ``vaetui check`` on a 2,003-line log, ``python -c
pass``) subtracted. Wall-clock figures are in the notes, and so is vaetui's figure without
its compiled readers (``VAETUI_NO_NATIVE=1``, as where ``vaetui/core/_native.c`` was not built).

Memory: peak RSS (``/usr/bin/time``) of ``vaetui check --json`` on ``key=value`` logs with 8,
200 and 1,000 metrics per line; the baseline is the 8-metric log, same run.

Usage::

    .venv/bin/python benchmarks/bench_formats.py [--records N] [--reps R] [--only backfill,rss]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from common import (
    PYTHON,
    VAETUI,
    Row,
    Run,
    as_installed,
    format_table,
    med,
    print_machine,
    ratio,
    run_process,
)
from format_logs import FORMATS, format_log, wide_log
from make_log import make_log

HERE = Path(__file__).resolve().parent
BUDGET_MBPS = {"kv": 250.0}
BUDGET_MBPS_OTHER = 150.0
BUDGET_RATIO = 2.0
BUDGET_WIDE_MB = 200.0
WIDE_METRICS = (8, 200, 1000)


def _rounds(commands: dict[str, list[str]], reps: int, max_seconds: float) -> dict[str, list]:
    """Run every command once per round, ``reps`` rounds (fewer past ``max_seconds``)."""
    runs: dict[str, list] = {k: [] for k in commands}
    t0 = time.perf_counter()
    for i in range(reps):
        if i and time.perf_counter() - t0 > max_seconds:
            break
        for name, cmd in commands.items():
            try:
                runs[name].append(run_process(cmd, timeout=max_seconds))
            except TimeoutError:
                runs[name].append(Run(max_seconds, 0.0, -9, f"took more than {max_seconds:.0f} s"))
    return runs


def _spread(xs: list[float]) -> str:
    return f"{min(xs):.2f}/{med(xs):.2f}/{max(xs):.2f}"


def backfill(records: int, reps: int, max_seconds: float = 600.0) -> list[Row]:
    """One row per format: vaetui MB/s against the format's naive parser, same run."""
    logs = {fmt: format_log(fmt, records) for fmt in FORMATS}
    commands: dict[str, list[str]] = {
        "startup": [VAETUI, "check", "--json", str(make_log(2003, quiet=True))],
        "python": [PYTHON, "-c", "pass"],
    }
    for fmt, log in logs.items():
        commands[f"vaetui-{fmt}"] = [VAETUI, "check", "--json", str(log)]
        commands[f"naive-{fmt}"] = [PYTHON, str(HERE / "naive.py"), fmt, str(log)]
        # The same vaetui without its compiled readers, as where they were not built.
        commands[f"python-{fmt}"] = [
            "env",
            "VAETUI_NO_NATIVE=1",
            VAETUI,
            "check",
            "--json",
            str(log),
        ]
    for log in logs.values():
        run_process(["cat", str(log)])  # page cache: every command reads from memory
    runs = _rounds(commands, reps, max_seconds)
    cpu = {k: [r.cpu for r in v] for k, v in runs.items()}
    wall = {k: [r.wall for r in v] for k, v in runs.items()}
    rows: list[Row] = []
    for fmt, log in logs.items():
        size = log.stat().st_size / 1e6
        what = f"backfill, {fmt}, {records:,} records"
        floor = BUDGET_MBPS.get(fmt, BUDGET_MBPS_OTHER)
        budget = f">= {floor:.0f} MB/s, >= {BUDGET_RATIO:g}x"
        bad = [r for r in runs[f"vaetui-{fmt}"] if r.returncode not in (0, 1, 2)]
        if bad:
            rows.append(
                Row.not_measured(what, budget, f"exit {bad[0].returncode}: {bad[0].last_line}")
            )
            continue
        v = size / max(med(cpu[f"vaetui-{fmt}"]) - med(cpu["startup"]), 1e-6)
        b = size / max(med(cpu[f"naive-{fmt}"]) - med(cpu["python"]), 1e-6)
        p = size / max(med(cpu[f"python-{fmt}"]) - med(cpu["startup"]), 1e-6)
        note = (
            f"{size:.0f} MB, median of {len(cpu[f'vaetui-{fmt}'])}; CPU s min/med/max vaetui "
            f"{_spread(cpu[f'vaetui-{fmt}'])}, naive {_spread(cpu[f'naive-{fmt}'])}; wall s "
            f"vaetui {_spread(wall[f'vaetui-{fmt}'])}, naive {_spread(wall[f'naive-{fmt}'])}; "
            f"start-up CPU s vaetui {med(cpu['startup']):.2f}, python {med(cpu['python']):.2f}"
            f" (subtracted); wall MB/s with start-up {size / med(wall[f'vaetui-{fmt}']):.0f}"
            f"; without the compiled readers {p:.0f} MB/s (CPU s {_spread(cpu[f'python-{fmt}'])})"
        )
        rows.append(
            Row(
                what,
                f"{v:.0f} MB/s",
                f"{b:.0f} MB/s ({naive_name(fmt)})",
                ratio(v, b),
                budget,
                v >= floor and v >= BUDGET_RATIO * b,
                note,
            )
        )
    return rows


def naive_name(fmt: str) -> str:
    """How each baseline reads its format (for the table)."""
    return {
        "kv": "per-line regex",
        "logging": "per-line regex",
        "jsonl": "json.loads per line",
        "tqdm": "regex per \\r record",
        "csv": "csv.reader + float",
    }[fmt]


def wide_rss(lines: int, reps: int) -> list[Row]:
    """Peak RSS of ``check`` on logs of 8, 200 and 1,000 metrics per line, same run."""
    logs = {m: wide_log(m, lines) for m in WIDE_METRICS}
    commands = {m: [VAETUI, "check", "--json", str(p)] for m, p in logs.items()}
    runs = _rounds({str(m): c for m, c in commands.items()}, reps, 600.0)
    peak = {int(k): max(r.maxrss_mb for r in v) for k, v in runs.items()}
    base = peak[WIDE_METRICS[0]]
    rows = []
    for m in WIDE_METRICS[1:]:
        each = runs[str(m)]
        bad = [r for r in each if r.returncode not in (0, 1, 2)]
        what = f"peak RSS, {m:,} metrics/line, {lines:,} lines"
        budget = f"<= {BUDGET_WIDE_MB:.0f} MB" if m == 1000 else "-"
        if bad:
            rows.append(
                Row.not_measured(what, budget, f"exit {bad[0].returncode}: {bad[0].last_line}")
            )
            continue
        size = logs[m].stat().st_size / 1e6
        rows.append(
            Row(
                what,
                f"{peak[m]:.0f} MB",
                f"{base:.0f} MB ({WIDE_METRICS[0]} metrics/line)",
                ratio(peak[m], base),
                budget,
                (peak[m] <= BUDGET_WIDE_MB) if m == 1000 else None,
                f"largest of {len(each)} runs, {size:.0f} MB log, MB = MiB; per extra metric "
                f"{(peak[m] - base) / (m - WIDE_METRICS[0]) * 1024:.0f} KiB; wall s "
                f"{_spread([r.wall for r in each])}",
            )
        )
    return rows


def run(records: int, wide_lines: int, reps: int, parts: str = "backfill,rss") -> list[Row]:
    """The chosen parts' rows."""
    rows: list[Row] = []
    if "backfill" in parts:
        rows += backfill(records, reps)
    if "rss" in parts:
        rows += wide_rss(wide_lines, max(1, reps - 2))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    as_installed()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=1_000_000, help="records per format log")
    p.add_argument("--wide-lines", type=int, default=100_000, help="lines of the wide logs")
    p.add_argument("--reps", type=int, default=3, help="rounds")
    p.add_argument("--only", default="backfill,rss", help="backfill, rss or both")
    args = p.parse_args(argv)
    print_machine()
    print(format_table(run(args.records, args.wide_lines, args.reps, args.only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
