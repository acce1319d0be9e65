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

#: A bar's glyphs (``%|█████     |``), in the UTF-8 bytes of the text.
_BAR = re.compile(rb"%\|[^|\r\n]*\|")


def split_refreshes(fast: FastPath, block: TextBlock) -> list[Batch | tuple[int, str]] | None:
    """Batches of same-shape refreshes and ``(line, segment)`` leftovers, in file order.

    A batch's ``lines`` are physical line numbers. None when no shape repeats enough. The
    work is done on the block's UTF-8 bytes; only leftovers are decoded.
    """
    raw = block.raw if block.raw is not None else block.text.encode("utf-8")
    segments: list[bytes] = []
    physical: list[int] = []
    for number, line in enumerate(raw.split(b"\n"), block.first_line):
        # Right-stripped: the spaces that pad a refresh over a longer one are not its shape.
        parts = [p for p in map(_rstrip, line.split(b"\r")) if p]
        segments += parts
        physical += [number] * len(parts)
    virtual = _BAR.sub(b"%||", b"\n".join(segments)) + b"\n"
    pieces = fast.split(TextBlock(None, 1, virtual, len(segments)))
    if pieces is None:
        return None
    lines = np.array(physical, dtype=np.int64)
    out: list[Batch | tuple[int, str]] = []
    for piece in pieces:
        if not isinstance(piece, Batch):
            i = piece[0] - 1
            out.append((physical[i], segments[i].decode("utf-8", errors="replace")))
            continue
        rows = piece.lines - 1
        if np.any(piece.steps == 0):  # a bar at 0/N adds to the previous record
            out.extend(
                (physical[i], segments[i].decode("utf-8", errors="replace")) for i in rows.tolist()
            )
            continue
        out.append(Batch(piece.steps, lines[rows], piece.epochs, piece.names, piece.values))
    return out


def _rstrip(segment: bytes) -> bytes:
    """A segment without the whitespace ``str.rstrip`` would take off (ASCII, and any other)."""
    stripped = segment.rstrip()
    if stripped[-1:] < b"\x80":  # ends in ASCII: nothing more to strip
        return stripped
    return (
        stripped.decode("utf-8", errors="surrogateescape")
        .rstrip()
        .encode("utf-8", errors="surrogateescape")
    )
