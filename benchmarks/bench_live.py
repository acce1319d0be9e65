"""Many runs in one ``vaetui tail``, and the live cost of a growing log with a long history.

Measured through a real terminal (tmux, 80x24), like ``bench_tui.py``, from ``/proc``:

(f) ``vaetui tail`` on 1, 16 and 32 logs of 200,000 lines each (hard links of one log, so the
    disk holds it once): first screen (launch -> a verdict word on screen), VmRSS once the
    process went quiet (every history loaded), threads. Per extra run = (RSS of N runs - RSS of
    one run) / (N - 1). The baseline is the bare Textual app of ``bench_tui.py``, same run.
(g) CPU while lines are appended at 200 lines/s for 10 s to a log that already holds 0, 50,000
    or 200,000 lines of history; ``tail -f`` on a log growing at the same rate, over the same
    10 s, is the baseline. utime+stime of all threads from ``/proc/PID/stat``.

Usage::

    .venv/bin/python benchmarks/bench_live.py [--quick] [--only f,g]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from bench_tui import (
    BARE_APP,
    CLK_TCK,
    VERDICT_WORD,
    NotMeasured,
    Tmux,
    _write_paced,
    baseline_tail_cmd,
    cpu_seconds,
    status_mb,
    step_on_screen,
    tail_cmd,
    wait_for,
    wait_quiet,
)
from common import (
    PYTHON,
    SCRATCH,
    VAETUI,
    Row,
    as_installed,
    format_table,
    med,
    print_machine,
    ratio,
)
from make_log import LOG_EVERY, make_log

RUN_COUNTS = (1, 16, 32)
RUN_LINES = 200_000
BUDGET_PER_RUN_MB = 12.0
BUDGET_32_MB = 450.0
HISTORIES = (0, 50_000, 200_000)
RATE = 200.0
BUDGET_LIVE_PCT = 8.0


def threads(pid: int) -> int:
    """Threads of a process (``/proc/PID/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def _links(count: int, lines: int) -> list[Path]:
    """``count`` names of one ``lines``-line log without its footer (a run still going)."""
    src = make_log(lines)
    base = SCRATCH / f"runs-{lines}.log"
    if not base.exists():
        data = src.read_bytes()
        base.write_bytes(data[: data.rstrip(b"\n").rfind(b"\n") + 1])
    folder = SCRATCH / f"runs-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = folder / f"run{i:02d}.log"
        if not p.exists():
            os.link(base, p)
        paths.append(p)
    return paths


def _bare(tmux: Tmux, i: int) -> tuple[float, float]:
    """First screen (s) and VmHWM (MB) of the bare Textual app."""
    marker = f"bare app {i} EXCELLENT"
    t0 = time.perf_counter()
    pid = tmux.start(f"bare{i}", [PYTHON, str(BARE_APP), marker])
    took = wait_for(tmux, f"bare{i}", lambda s: marker in s, 30, t0=t0)
    hwm = status_mb(pid, "VmHWM")
    tmux.kill_session(f"bare{i}")
    return took, hwm


def many_runs(lines: int, timeout: float) -> list[Row]:
    """(f) one ``vaetui tail`` over 1, 16, 32 logs: first screen, settled RSS, threads."""
    got: dict[int, tuple[float, float, int, float]] = {}
    bare: list[tuple[float, float]] = []
    failure = ""
    tmux = Tmux("runs")
    try:
        for n in RUN_COUNTS:
            bare.append(_bare(tmux, n))
            paths = _links(n, lines)
            try:
                t0 = time.perf_counter()
                pid = tmux.start(f"vae{n}", [VAETUI, "tail", *map(str, paths)])
                first = wait_for(
                    tmux, f"vae{n}", lambda s: VERDICT_WORD.search(s) is not None, timeout, t0=t0
                )
                settled = wait_quiet(pid, timeout) + first
                got[n] = (first, status_mb(pid, "VmRSS"), threads(pid), settled)
            except NotMeasured as exc:
                failure = f"{n} runs: {exc}"
            finally:
                tmux.kill_session(f"vae{n}")
    finally:
        tmux.close()
        shutil.rmtree(SCRATCH / f"runs-{os.getpid()}", ignore_errors=True)
    bare_s = med([b[0] for b in bare])
    bare_mb = max(b[1] for b in bare)
    rows: list[Row] = []
    for n in RUN_COUNTS:
        what = f"tail, {n} run{'s' if n > 1 else ''} of {lines // 1000}k lines"
        if n not in got:
            rows.append(Row.not_measured(what, "", failure))
            continue
        first, rss, nthreads, settled = got[n]
        if n == 1 or 1 not in got:
            budget, met, extra = "-", None, ""
        else:
            per = (rss - got[1][1]) / (n - 1)
            budget = f"<= {BUDGET_PER_RUN_MB:g} MB/extra run" + (
                f", <= {BUDGET_32_MB:g} MB" if n == 32 else ""
            )
            met = per <= BUDGET_PER_RUN_MB and (n != 32 or rss <= BUDGET_32_MB)
            extra = f"; {per:.1f} MB per extra run"
        rows.append(
            Row(
                what,
                f"{rss:.0f} MB, {nthreads} threads, first screen {first:.2f} s",
                f"{bare_mb:.0f} MB, {bare_s:.2f} s (bare Textual app)",
                ratio(rss, bare_mb),
                budget,
                met,
                f"VmRSS once quiet ({settled:.1f} s after launch){extra}",
            )
        )
    return rows


def _paced_cpu(pids: dict[str, int], logs: dict[str, tuple[Path, int]], seconds: float):
    """CPU % of each pid while its log grows at ``RATE`` lines/s, all over the same seconds."""
    writers = [
        threading.Thread(target=_write_paced, args=(log, last + LOG_EVERY, RATE, seconds))
        for log, last in logs.values()
    ]
    before = {k: cpu_seconds(p) for k, p in pids.items()}
    t0 = time.perf_counter()
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    elapsed = time.perf_counter() - t0
    return {k: 100.0 * (cpu_seconds(p) - before[k]) / elapsed for k, p in pids.items()}


def _history_log(name: str, history: int) -> tuple[Path, int]:
    """A fresh log holding ``history`` lines (no footer); returns (path, its last step)."""
    dst = SCRATCH / name
    if history == 0:
        dst.write_bytes(b"")
        return dst, 0
    data = make_log(history + 3, quiet=True).read_bytes()
    dst.write_bytes(data[: data.rstrip(b"\n").rfind(b"\n") + 1])
    return dst, history * LOG_EVERY


def _live_once(history: int, seconds: float, timeout: float) -> dict[str, float]:
    """One measurement: vaetui and ``tail -f`` on logs of ``history`` lines, same seconds."""
    tmux = Tmux(f"live{history}")
    try:
        logs = {
            "vae": _history_log(f"live-vae-{os.getpid()}.log", history),
            "tail": _history_log(f"live-tail-{os.getpid()}.log", history),
        }
        pids = {
            "vae": tmux.start("vae", tail_cmd(logs["vae"][0])),
            "tail": tmux.start("tail", baseline_tail_cmd(logs["tail"][0])),
        }
        if history:
            wait_for(tmux, "vae", step_on_screen(logs["vae"][1]), timeout)
        else:  # an empty log: its name and a state on the status line
            name = logs["vae"][0].name
            wait_for(tmux, "vae", lambda s: name in s and " LIVE " in s, timeout)
        wait_quiet(pids["vae"], timeout)
        return _paced_cpu(pids, logs, seconds)
    finally:
        tmux.close()


def live_cpu(seconds: float, timeout: float, reps: int = 3) -> list[Row]:
    """(g) CPU at ``RATE`` appended lines/s after 0, 50k and 200k lines of history, each
    measured ``reps`` times (the median is the figure; min and max are in the note)."""
    rows: list[Row] = []
    for history in HISTORIES:
        what = f"tail CPU, {RATE:g} lines/s, after {history:,} lines"
        budget = f"<= {BUDGET_LIVE_PCT:g}% of a core"
        got: list[dict[str, float]] = []
        try:
            for _ in range(reps):
                got.append(_live_once(history, seconds, timeout))
        except NotMeasured as exc:
            if not got:
                rows.append(Row.not_measured(what, budget, str(exc)))
                continue
        vae, tail = [g["vae"] for g in got], [g["tail"] for g in got]
        rows.append(
            Row(
                what,
                f"{med(vae):.1f}%",
                f"{med(tail):.1f}% (tail -f)",
                ratio(med(vae), med(tail)),
                budget,
                med(vae) <= BUDGET_LIVE_PCT,
                f"utime+stime of all threads over {seconds:g} s, clock tick "
                f"{1000 / CLK_TCK:.0f} ms; min/median/max of {len(got)}: vaetui "
                f"{min(vae):.1f}/{med(vae):.1f}/{max(vae):.1f}%, tail -f "
                f"{min(tail):.1f}/{med(tail):.1f}/{max(tail):.1f}%",
            )
        )
    return rows


def run(quick: bool = False, only: str = "fg") -> list[Row]:
    """The chosen parts (``quick``: 50k-line runs, 5 s of appends)."""
    rows: list[Row] = []
    SCRATCH.mkdir(parents=True, exist_ok=True)
    if "f" in only:
        rows += many_runs(50_000 if quick else RUN_LINES, 120 if quick else 300)
    if "g" in only:
        rows += live_cpu(5.0 if quick else 10.0, 120, 2 if quick else 3)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    as_installed()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller runs, shorter appends")
    p.add_argument("--only", default="fg", help="parts: f (many runs), g (live CPU)")
    args = p.parse_args(argv)
    print_machine()
    print(format_table(run(args.quick, args.only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
