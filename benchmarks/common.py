"""Shared pieces of the benchmarks: result rows, the table, process timing, the machine.

The machine the benchmarks run on is shared and noisy, so no figure stands alone: every
benchmark measures a baseline in the same run and each row carries both numbers and their
ratio. Rows that could not be measured say why instead of holding a number, so a half-built
feature shows up as a row to fix rather than as a crash of the whole run.
"""

from __future__ import annotations

import compileall
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
VAETUI = str(VENV_BIN / "vaetui")
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
SCRATCH = Path("/tmp/bench-helper")
TIME_BIN = "/usr/bin/time"


@dataclass
class Row:
    """One line of the results table.

    ``met`` is None when there is no budget for the row or it could not be measured.
    """

    what: str
    vaetui: str
    baseline: str
    ratio: str
    budget: str
    met: bool | None
    note: str = ""

    @classmethod
    def not_measured(cls, what: str, budget: str, reason: str) -> Row:
        """A row that says why there is no figure."""
        return cls(what, "not measured", "", "", budget, None, reason)


@dataclass
class Run:
    """One finished child process: wall seconds, its own peak RSS, exit code, last output line."""

    wall: float
    maxrss_mb: float
    returncode: int
    last_line: str = ""
    #: User + system CPU seconds of the child and what it waited for (robust to sharing).
    cpu: float = 0.0


def as_installed() -> None:
    """Measure vaetui as an installed copy runs: its bytecode compiled and cached.

    ``pip install`` compiles a package's modules once; an editable checkout compiles them on
    first import, unless ``PYTHONDONTWRITEBYTECODE`` is set (some shells and CI images set
    it), when every run compiles every module again (about 150 ms of each start-up that no
    installed copy pays). So the modules are compiled here, and the programs measured, which
    inherit this environment, may use and keep their bytecode. The baselines get the same.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(REPO / "vaetui"), quiet=1)


def run_process(cmd: Sequence[str], timeout: float = 1800.0) -> Run:
    """Run ``cmd`` with its output sent to a scratch file; time it and read its own peak RSS.

    The output goes to a real file, not ``/dev/null``: GNU grep notices a ``/dev/null``
    stdout and stops at the first match, which would make the I/O floor look like 60 GB/s.

    The peak RSS comes from ``/usr/bin/time -f %M`` when it exists: a child forked from this
    Python process would otherwise start with the parent's pages counted (grep would "use"
    28 MB). Without it, ``os.wait4`` gives the usage of exactly this child (not the running
    maximum over all children that ``RUSAGE_CHILDREN`` reports). The wall clock is ours, so it
    includes ``time``'s negligible start-up.
    """
    report = None
    argv = list(cmd)
    if Path(TIME_BIN).exists():
        report = SCRATCH / f"time-{os.getpid()}.txt"
        argv = [TIME_BIN, "-f", "%M", "-o", str(report), *argv]
    SCRATCH.mkdir(parents=True, exist_ok=True)
    out_path = SCRATCH / f"stdout-{os.getpid()}.txt"
    out = open(out_path, "wb")  # noqa: SIM115 (closed below)
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    finally:
        out.close()
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)  # time and the command it runs
            pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            raise TimeoutError(f"{cmd[0]} took more than {timeout:.0f} s")
        time.sleep(0.002)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    maxrss_kb = float(usage.ru_maxrss)
    if report is not None:
        try:
            maxrss_kb = float(report.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
        report.unlink(missing_ok=True)
    try:
        lines = out_path.read_bytes()[-400:].decode(errors="replace").strip().splitlines()
    except OSError:
        lines = []
    out_path.unlink(missing_ok=True)
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, maxrss_kb / 1024.0, proc.returncode, lines[-1] if lines else "", cpu)


def med(values: Sequence[float]) -> float:
    """Median (the figure quoted: one slow or one lucky run must not move it)."""
    return statistics.median(values)


def spread(values: Sequence[float], fmt: str = "{:.3g}") -> str:
    """``min/median/max`` of a series, for the notes."""
    return "/".join(fmt.format(v) for v in (min(values), med(values), max(values)))


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``1.23x`` (three significant digits), or ``-`` when ``b`` is zero.

    A zero baseline is real: an idle ``tail -f`` uses no measurable CPU at all.
    """
    if b == 0:
        return "-"
    return f"{a / b:.3g}x"


def machine() -> dict[str, str]:
    """Cores, CPU model, memory, Python and OS: printed above every table."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        from vaetui.core import native

        compiled = "on" if native.available() else "off (not built, or VAETUI_NO_NATIVE set)"
    except ImportError:
        compiled = "unknown"
    return {
        "compiled": compiled,
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "memory": mem,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def format_table(rows: Sequence[Row]) -> str:
    """The results as a Markdown table (pasteable into docs/performance.md)."""
    head = ["what", "vaetui", "baseline (same run)", "ratio", "budget", "met?"]

    def met(r: Row) -> str:
        return {True: "yes", False: "NO", None: "-"}[r.met]

    body = [[r.what, r.vaetui, r.baseline, r.ratio, r.budget, met(r)] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(head, widths)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(b, widths)) + " |" for b in body]
    notes = [f"- {r.what}: {r.note}" for r in rows if r.note]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines)


def print_machine() -> None:
    """One line saying where the figures come from."""
    m = machine()
    print(
        f"machine: {m['nproc']} cores, {m['cpu']}, {m['memory']}, Python {m['python']}, "
        f"{m['os']}, {m['date']}; compiled readers (vaetui/core/_native.c) {m['compiled']}"
    )
