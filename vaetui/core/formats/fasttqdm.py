"""tqdm bars, batched: ``\\r`` refreshes as rows, the bar glyphs dropped, runs as columns.

A redirected tqdm bar is one physical line holding thousands of ``\\r`` refreshes. Each
refresh is a record (``n/total`` is its step, the postfix its metrics). The bar's glyphs change
from refresh to refresh, so they are cut out (``50%|█████     |`` -> ``50%||``) before the
refreshes are grouped by shape (see :mod:`~vaetui.core.formats.fastkv`) and read a column at
a time. The text parser learns and checks each shape; refreshes that do not fit (a bar at
``0/N``, a banner glued to a killed bar) keep the per-segment path.
"""

from __future__ import annotations

import re

import numpy as np

from vaetui.core.formats.fastkv import Batch, FastPath
from vaetui.core.lines import TextBlock

#: A bar's glyphs (``%|█████     |``).
_BAR = re.compile(r"%\|[^|\r\n]*\|")


def split_refreshes(fast: FastPath, block: TextBlock) -> list[Batch | tuple[int, str]] | None:
    """Batches of same-shape refreshes and ``(line, segment)`` leftovers, in file order.

    A batch's ``lines`` are physical line numbers. None when no shape repeats enough.
    """
    segments: list[str] = []
    physical: list[int] = []
    for number, line in enumerate(block.text.split("\n"), block.first_line):
        # Right-stripped: the spaces that pad a refresh over a longer one are not its shape.
        parts = list(filter(None, map(str.rstrip, line.split("\r"))))
        segments += parts
        physical += [number] * len(parts)
    virtual = TextBlock(_BAR.sub("%||", "\n".join(segments)) + "\n", 1)
    pieces = fast.split(virtual)
    if pieces is None:
        return None
    lines = np.array(physical, dtype=np.int64)
    out: list[Batch | tuple[int, str]] = []
    for piece in pieces:
        if not isinstance(piece, Batch):
            out.append((physical[piece[0] - 1], segments[piece[0] - 1]))
            continue
        rows = piece.lines - 1
        if np.any(piece.steps == 0):  # a bar at 0/N adds to the previous record
            out.extend((physical[i], segments[i]) for i in rows.tolist())
            continue
        out.append(Batch(piece.steps, lines[rows], piece.epochs, piece.names, piece.values))
    return out
