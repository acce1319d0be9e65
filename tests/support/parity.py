"""Fast path against slow path: one run's picture read both ways, and a tolerant comparison."""

from __future__ import annotations

import json
import math

import pytest

from vaetui.core.formats import fastkv
from vaetui.core.run import Run


def run_picture(
    data: bytes,
    fast: bool,
    monkeypatch: pytest.MonkeyPatch,
    block: int = 64 << 10,
    chunk: int = 1 << 20,
) -> dict:
    """The JSON picture of ``data`` fed in ``chunk``-byte reads, the columnar fast path on for
    blocks from ``block`` bytes (``fast``) or off, every line then going the per-line way."""
    monkeypatch.setattr(fastkv, "MIN_BLOCK_BYTES", block if fast else 1 << 62)
    if not fast:  # small blocks are not batched either
        monkeypatch.setattr(fastkv, "MIN_SMALL_BLOCK_LINES", 1 << 62)
    run = Run("train.log")
    for i in range(0, len(data), chunk):
        run.feed(data[i : i + chunk])
    run.finish()
    return json.loads(json.dumps(run.snapshot().to_json()))


def close(a: object, b: object) -> bool:
    """Equal, floats to 1e-9 relative: the spike EMA of a column is computed in closed form,
    record by record as a recursion, and with values from 1e-45 to 1e12 mixed the two differ
    in the last bits (realistic logs agree exactly)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-9) or (a != a and b != b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    return a == b
