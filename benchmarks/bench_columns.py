"""The number readers of the fast paths against each other, on the same lines, in one run.

``vaetui.core.formats.columns`` reads the numeric tokens of many lines of one shape. This takes
~40 MB (about 280k lines) from the middle of each cached format log (``format_logs.py``), turns
the format's punctuation into spaces as the fast paths do, and times each candidate reader on
the same bytes: MB per CPU second, best of ``--reps``. Memory is the other half of the choice:
the resident memory a fresh process gains by importing the reader and reading the lines once.

Usage::

    .venv/bin/python benchmarks/bench_columns.py [--reps 3] [--formats kv,csv,jsonl]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from format_logs import format_log

from vaetui.core.formats.columns import read_columns
from vaetui.core.formats.fastcsv import CSV_DELIMITERS
from vaetui.core.formats.fastjson import JSON_DELIMITERS
from vaetui.core.formats.fastkv import _DELIMITERS

DELIMITERS = {"kv": _DELIMITERS, "logging": _DELIMITERS, "csv": CSV_DELIMITERS}
DELIMITERS["jsonl"] = JSON_DELIMITERS
SLICE = 40 << 20


def lines_of(fmt: str) -> tuple[bytes, list[int], int]:
    """Lines of the log's most common shape from its middle, translated, and their numbers."""
    path = format_log(fmt, 1_000_000)
    with path.open("rb") as f:
        f.seek(path.stat().st_size // 2)
        raw = f.read(SLICE)
    lines = raw[raw.index(b"\n") + 1 : raw.rindex(b"\n")].split(b"\n")
    shapes = [ln.translate(None, b"0123456789.+-") for ln in lines]
    common = max(set(shapes), key=shapes.count)
    keep = [ln for ln, s in zip(lines, shapes) if s == common]
    data = b"\n".join(keep).translate(DELIMITERS[fmt]) + b"\n"
    tokens = data[: data.index(b"\n")].split()
    cols = [i for i, t in enumerate(tokens) if _is_number(t)]
    return data, cols, len(keep)


def _is_number(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


CANDIDATES = {
    "numpy.loadtxt": lambda d, c, n: read_columns(d, n, c, "numpy"),
    "polars.read_csv": lambda d, c, n: read_columns(d, n, c, "polars"),
}


def best_mbps(fn, data: bytes, cols: list[int], count: int, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        t0 = time.process_time()
        table = fn(data, cols, count)
        best = min(best, time.process_time() - t0)
        assert table is not None and table.shape == (count, len(cols))
    return len(data) / 1e6 / best


def added_rss_mb(fmt: str, reader: str) -> float:
    """Resident memory (MiB) a fresh process holds after one read with ``reader``, over what
    it held with the lines ready (the reader's import, code pages and kept buffers)."""
    code = (
        "import sys; sys.path.insert(0, 'benchmarks');"
        "from bench_columns import lines_of, rss_kib;"
        "from vaetui.core.formats.columns import read_columns;"
        f"d, c, n = lines_of({fmt!r}); before = rss_kib(); read_columns(d, n, c, {reader!r});"
        "print(rss_kib() - before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024


def rss_kib() -> int:
    """This process's resident set now (VmRSS, KiB)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--formats", default="kv,logging,jsonl,csv")
    args = ap.parse_args()
    print(f"Python {sys.version.split()[0]}, MB per CPU second, best of {args.reps}")
    print("| format | lines | " + " | ".join(CANDIDATES) + " | RSS added, numpy / polars |")
    print("|---|---|" + "---|" * len(CANDIDATES) + "---|")
    for fmt in args.formats.split(","):
        data, cols, count = lines_of(fmt)
        speeds = [best_mbps(fn, data, cols, count, args.reps) for fn in CANDIDATES.values()]
        rss = [added_rss_mb(fmt, r) for r in ("numpy", "polars")]
        cells = " | ".join(f"{s:.0f}" for s in speeds)
        print(f"| {fmt} | {count:,} | {cells} | {rss[0]:.0f} / {rss[1]:.0f} MiB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
