"""Flat memory in a long tail: RSS of ``vaetui tail`` after "5 minutes" and after "1 hour".

A user keeps the TUI open all day on a log growing at about 20 lines/s. What grows with the
lines read is the history of each metric, so the run is compressed in time: the log grows at
``--rate`` lines/s (default 200, ten times the real pace), and the RSS is read from
``/proc/PID/status`` when as many lines were appended as 20 lines/s gives in 5 minutes (6,000)
and in 1 hour (72,000). The 5-minute figure is the same-run baseline; the budget is the 1-hour
figure within a few MB of it. Growth that depends on time rather than on lines (timers,
redraws) is measured at 10x fewer seconds than a real hour and is reported as a slope per
minute of the last stretch, so it can be extrapolated: ``--rate 20 --hour-lines 24000`` runs
20 real minutes.

``vaetui tail`` runs in an 80x24 pane of a private tmux server (see ``bench_tui.py``).

Usage::

    .venv/bin/python benchmarks/bench_memory.py [--rate 200] [--hour-lines 72000]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from bench_tui import NotMeasured, Tmux, kv_line, small_log, status_mb, tail_cmd, wait_for
from common import Row, as_installed, format_table, print_machine
from make_log import LOG_EVERY

#: Lines 20 lines/s gives in 5 minutes.
FIVE_MINUTES = 20 * 300
#: "Within a few MB."
BUDGET_MB = 5.0


def _append(
    log: Path,
    first_step: int,
    rate: float,
    total: int,
    marks: dict[int, float],
    pid: int,
    done: threading.Event,
) -> None:
    """Append ``total`` lines at ``rate``; note the RSS each time a count in ``marks`` passes."""
    due = time.monotonic()
    with open(log, "a", encoding="utf-8") as fh:
        for i in range(1, total + 1):
            fh.write(kv_line(first_step + i * LOG_EVERY))
            fh.flush()
            if i in marks:
                time.sleep(2.0)  # let the reader catch up and redraw before reading the RSS
                due += 2.0
                marks[i] = status_mb(pid, "VmRSS")
            due += 1.0 / rate
            time.sleep(max(0.0, due - time.monotonic()))
    done.set()


def measure(rate: float, hour_lines: int) -> list[Row]:
    """RSS after the 5-minute and the 1-hour line counts, in one process."""
    what = f"tail RSS after {hour_lines:,} lines vs {FIVE_MINUTES:,} (at {rate:g} lines/s)"
    budget = f"<= +{BUDGET_MB:g} MB"
    log, last = small_log("memory.log", lines=103)
    tmux = Tmux("memory")
    try:
        pid = tmux.start("vae", tail_cmd(log))
        wait_for(tmux, "vae", lambda s: "step" in s, 30)
        time.sleep(1.0)
        quarter = hour_lines // 4
        marks: dict[int, float] = {FIVE_MINUTES: 0.0, 3 * quarter: 0.0, hour_lines: 0.0}
        done = threading.Event()
        writer = threading.Thread(
            target=_append, args=(log, last, rate, hour_lines, marks, pid, done), daemon=True
        )
        t0 = time.monotonic()
        writer.start()
        times: dict[int, float] = {}
        while not done.wait(1.0):
            for n, v in marks.items():
                if v and n not in times:
                    times[n] = time.monotonic() - t0
            if tmux.dead("vae"):
                raise NotMeasured("vaetui tail exited")
        times.setdefault(hour_lines, time.monotonic() - t0)
    except NotMeasured as exc:
        return [Row.not_measured(what, budget, str(exc))]
    finally:
        tmux.close()
    five, late, hour = marks[FIVE_MINUTES], marks[3 * quarter], marks[hour_lines]
    minutes = max((times[hour_lines] - times.get(3 * quarter, 0.0)) / 60.0, 1e-9)
    slope = (hour - late) / minutes
    return [
        Row(
            what,
            f"{hour:.1f} MB",
            f"{five:.1f} MB (after {FIVE_MINUTES:,} lines)",
            f"+{hour - five:.1f} MB",
            budget,
            hour - five <= BUDGET_MB,
            f"last quarter: {slope:+.2f} MB per minute of this run",
        )
    ]


def main() -> int:
    as_installed()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="lines per second")
    parser.add_argument("--hour-lines", type=int, default=20 * 3600, help="lines of 'an hour'")
    args = parser.parse_args()
    print_machine()
    rows = measure(args.rate, args.hour_lines)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
