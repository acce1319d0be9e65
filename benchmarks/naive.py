"""The naive parser of each format: what the obvious implementation of reading it costs.

Each is the baseline its format's backfill is measured against, run as its own process:
per line (or per ``\\r`` record) the standard library's tool for the format, and ``float()`` on
every value. They only count what they read; they judge nothing.

Usage::

    .venv/bin/python benchmarks/naive.py FORMAT PATH
"""

from __future__ import annotations

import csv
import json
import re
import sys

KV_PAIR = re.compile(r"(\w+)=(\S+)")
LOGGING_PAIR = re.compile(r"(\w+): (\S+)")
TQDM_PAIR = re.compile(r"(\w+)=([^,\]\s]+)")


def _floats(pairs) -> int:
    n = 0
    for _key, value in pairs:
        try:
            float(value)
        except ValueError:
            continue
        n += 1
    return n


def kv(path: str) -> int:
    """Per line, ``re.findall`` the ``key=value`` pairs and ``float()`` each value."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return sum(_floats(KV_PAIR.findall(line)) for line in f)


def logging_lines(path: str) -> int:
    """Per line, ``re.findall`` the ``key: value`` pairs and ``float()`` each value."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return sum(_floats(LOGGING_PAIR.findall(line)) for line in f)


def jsonl(path: str) -> int:
    """Per line, ``json.loads`` and ``float()`` each number."""
    n = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            for value in obj.values():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    float(value)
                    n += 1
    return n


def tqdm(path: str) -> int:
    """Split the text on ``\\r``; per record, ``re.findall`` the postfix pairs, ``float()``."""
    n = 0
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for line in f:
            for record in line.split("\r"):
                n += _floats(TQDM_PAIR.findall(record))
    return n


def csv_rows(path: str) -> int:
    """``csv.reader`` over the file and ``float()`` on every cell."""
    n = 0
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.reader(f):
            n += _floats(enumerate(row))
    return n


PARSERS = {"kv": kv, "logging": logging_lines, "jsonl": jsonl, "tqdm": tqdm, "csv": csv_rows}

if __name__ == "__main__":
    print(PARSERS[sys.argv[1]](sys.argv[2]))
