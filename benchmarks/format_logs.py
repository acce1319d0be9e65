"""Write (once) the logs the per-format and wide-line benchmarks read, cached in /tmp.

Every format vaetui reads from text gets a log of the same healthy run (``vaetui.simulate``):
``kv`` (``step 10 epoch 0 loss=...``), ``logging`` (timestamped ``INFO`` lines), ``jsonl``
(``json.dumps`` per record), ``tqdm`` (``\\r`` bar refreshes on one physical line) and ``csv``
(a Lightning ``CSVLogger`` style file: a header, then ``str(float)`` cells). Wide logs carry
the usual losses plus ``N`` extra metrics per line, for the memory benchmark. Files are
written to a temporary name and renamed, so an interrupted run never leaves half a log.

Usage::

    .venv/bin/python benchmarks/format_logs.py FORMAT RECORDS    # prints the path
    .venv/bin/python benchmarks/format_logs.py wide METRICS LINES
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from make_log import CACHE_DIR, LOG_EVERY

from vaetui.simulate import log_chunks
from vaetui.simulate.curves import LOGGED_NAME, METRICS, generate_records

FORMATS = ("kv", "logging", "jsonl", "tqdm", "csv")


def _write(path: Path, pieces: Iterable[str]) -> Path:
    """Write ``pieces`` to ``path`` through a temporary file (atomic for readers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            buf: list[str] = []
            for piece in pieces:
                buf.append(piece)
                if len(buf) >= 8192:
                    fh.write("".join(buf))
                    buf.clear()
            fh.write("".join(buf))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _csv_rows(records: int) -> Iterator[str]:
    names = [LOGGED_NAME.get(k, k) for k in METRICS]
    yield ",".join(["step", "epoch", *names]) + "\n"
    for rec in generate_records("healthy", records * LOG_EVERY, 0, LOG_EVERY):
        cells = [str(rec["step"]), str(rec["epoch"]), *(str(rec[k]) for k in METRICS)]
        yield ",".join(cells) + "\n"


def format_log(fmt: str, records: int, cache_dir: Path = CACHE_DIR) -> Path:
    """A healthy log of ``records`` records in ``fmt`` (one of ``FORMATS``), cached."""
    path = cache_dir / f"fmt-{fmt}-{records}.log"
    if path.exists():
        return path
    if fmt == "csv":
        return _write(path, _csv_rows(records))
    return _write(path, log_chunks("healthy", records * LOG_EVERY, fmt, 0, LOG_EVERY))


def wide_log(metrics: int, lines: int, cache_dir: Path = CACHE_DIR) -> Path:
    """``lines`` ``key=value`` lines of ``metrics`` values each (three losses, the rest extra).

    The extra metrics are named ``m0``, ``m1`` ... (``m7``); their values
    come from a fixed pool, so writing a gigabyte takes seconds, not minutes.
    """
    path = cache_dir / f"wide-{metrics}-{lines}.log"
    if path.exists():
        return path
    rnd = random.Random(metrics)
    pool = [f"{rnd.lognormvariate(-2, 1):.5g}" for _ in range(4096)]
    keys = [f"m{j}=" for j in range(max(metrics - 3, 0))]
    bodies = [
        " ".join(k + pool[(i * 131 + j * 17) % len(pool)] for j, k in enumerate(keys))
        for i in range(64)
    ]

    def pieces() -> Iterator[str]:
        for i in range(1, lines + 1):
            t = i / lines
            loss = 0.2 - 0.05 * t + 0.002 * ((i * 7919) % 13) / 13
            yield (
                f"step {i * LOG_EVERY} loss={loss:.5g} rec_loss={0.01 - 0.003 * t:.5g} "
                f"kl_loss={500 + 20 * t:.5g} {bodies[i % 64]}\n"
            )

    return _write(path, pieces())


def main(argv: list[str]) -> int:
    """Command line: make (or find) one log and print its path."""
    if len(argv) == 3 and argv[0] == "wide":
        print(wide_log(int(argv[1]), int(argv[2])))
    elif len(argv) == 2 and argv[0] in FORMATS:
        print(format_log(argv[0], int(argv[1])))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
