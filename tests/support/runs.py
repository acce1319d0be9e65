"""Helpers for tests that drive the core ``Run`` directly."""

from __future__ import annotations

from vaetui.core.options import RunOptions
from vaetui.core.run import Run


def fed_in_pieces(
    data: bytes, cuts: list[int], name: str = "pieces.log", options: RunOptions | None = None
) -> Run:
    """A run fed ``data`` cut at ``cuts`` (any order, out-of-range cuts ignored), finished."""
    run = Run(name, options or RunOptions())
    start = 0
    for cut in sorted(set(cuts)):
        if start < cut < len(data):
            run.feed(data[start:cut])
            start = cut
    run.feed(data[start:])
    run.finish()
    return run
