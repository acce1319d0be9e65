"""Write (once) the large ``key=value`` training log the benchmarks read.

The performance budgets in SPEC.md are stated for a 2,000,000-line (~336 MB) log of the shape a
real video-VAE trainer prints. Generating it with the project's own simulator takes a while, so
the file is cached under ``/tmp/bench-helper/`` (never inside the repository) and reused by
every later run; it is written to a temporary name and renamed, so an interrupted run never
leaves a truncated log behind that a later run would mistake for the real thing.

Usage::

    .venv/bin/python benchmarks/make_log.py [--lines N] [--dir DIR]

prints the path of the log.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from vaetui.simulate import log_chunks

#: Where scratch logs live; large files never go into the repository.
CACHE_DIR = Path("/tmp/bench-helper")
#: The size the SPEC's budgets are stated for.
DEFAULT_LINES = 2_000_000
#: The simulator logs every 10th step.
LOG_EVERY = 10
#: Banner lines before the first step and the footer after the last one (``kv`` format).
_HEADER_LINES, _FOOTER_LINES = 2, 1


def log_path(lines: int = DEFAULT_LINES, cache_dir: Path = CACHE_DIR) -> Path:
    """The cache file name for a healthy ``kv`` log of ``lines`` lines."""
    return cache_dir / f"kv-healthy-{lines}.log"


def make_log(lines: int = DEFAULT_LINES, cache_dir: Path = CACHE_DIR, quiet: bool = False) -> Path:
    """Return the path of a healthy ``kv`` log with exactly ``lines`` lines, writing it if needed.

    Args:
        lines: Total lines (banner and footer included); at least 4.
        cache_dir: Directory for the cache; created if missing.
        quiet: Say nothing on stderr while generating.

    Returns:
        The path of the (possibly cached) log.
    """
    if lines < _HEADER_LINES + _FOOTER_LINES + 1:
        raise ValueError("a log needs at least 4 lines")
    path = log_path(lines, cache_dir)
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    records = lines - _HEADER_LINES - _FOOTER_LINES
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    t0 = time.perf_counter()
    if not quiet:
        print(f"generating {path} ({lines:,} lines, once; cached afterwards)…", file=sys.stderr)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            buf: list[str] = []
            for chunk in log_chunks("healthy", records * LOG_EVERY, "kv", 0, LOG_EVERY):
                buf.append(chunk)
                if len(buf) >= 8192:
                    fh.write("".join(buf))
                    buf.clear()
            fh.write("".join(buf))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if not quiet:
        size = path.stat().st_size / 1e6
        took = time.perf_counter() - t0
        print(f"wrote {size:.0f} MB in {took:.0f} s", file=sys.stderr)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: make (or find) the log and print its path."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=DEFAULT_LINES, help="lines in the log")
    p.add_argument("--dir", type=Path, default=CACHE_DIR, help="cache directory")
    args = p.parse_args(argv)
    print(make_log(args.lines, args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
