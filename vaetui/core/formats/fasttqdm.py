"""tqdm bars, batched: ``\\r`` refreshes as rows, the bar glyphs dropped, runs as columns.

A redirected tqdm bar is one physical line holding thousands of ``\\r`` refreshes. Each
refresh is a record (``n/total`` is its step, the postfix its metrics). The bar's glyphs change
from refresh to refresh, so they are cut out (``50%|█████     |`` -> ``50%||``) before the
refreshes are grouped by shape (see :mod:`~vaetui.core.formats.fastkv`) and read a column at
a time. The text parser learns and checks each shape; refreshes that do not fit (a bar at
``0/N``, a banner glued to a killed bar) keep the per-segment path.
"""

from __future__ import annotations

import numpy as np

from vaetui.core.formats.base import iter_segments
from vaetui.core.formats.fastkv import Batch, FastPath
from vaetui.core.lines import TextBlock


def strip_bar(seg: str) -> str:
    """``seg`` without the glyphs between its first ``%|`` and the next ``|``, right-stripped."""
    i = seg.find("%|")
    if i < 0:
        return seg.rstrip()
    j = seg.find("|", i + 2)
    return seg.rstrip() if j < 0 else seg[: i + 2] + seg[j:].rstrip()


def split_refreshes(
    fast: FastPath, block: TextBlock
) -> list[Batch | tuple[int, str]] | None:
    """Batches of same-shape refreshes and ``(line, segment)`` leftovers, in file order.

    A batch's ``lines`` are physical line numbers. None when no shape repeats enough.
    """
    segments = list(iter_segments(block))
    virtual = TextBlock("\n".join(strip_bar(seg) for _line, seg in segments) + "\n", 1)
    pieces = fast.split(virtual)
    if pieces is None:
        return None
    physical = np.fromiter((line for line, _seg in segments), dtype=np.int64, count=len(segments))
    out: list[Batch | tuple[int, str]] = []
    for piece in pieces:
        if isinstance(piece, Batch):
            rows = piece.lines - 1
            if np.any(piece.steps == 0):  # a bar at 0/N adds to the previous record
                out.extend(segments[i] for i in rows.tolist())
                continue
            out.append(
                Batch(piece.steps, physical[rows], piece.epochs, piece.names, piece.values)
            )
        else:
            out.append(segments[piece[0] - 1])
    return out
