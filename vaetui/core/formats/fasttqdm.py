"""tqdm bars, batched: ``\\r`` refreshes as rows, the bar glyphs dropped, runs as columns.

A redirected tqdm bar is one physical line holding thousands of ``\\r`` refreshes. Each
refresh is a record (``n/total`` is its step, the postfix its metrics). The bar's glyphs change
from refresh to refresh, so they are cut out (``50%|█████     |`` -> ``50%||``) before the
refreshes are grouped by shape (see :mod:`~vaetui.core.formats.fastkv`) and read a column at
a time. The text parser learns and checks each shape; refreshes that do not fit (a bar at
``0/N``, a banner glued to a killed bar) keep the per-segment path.

The refreshes are framed over the whole block (:func:`frame_refreshes`) in one pass by the
compiled reader (``vaetui.core.native``), or with numpy: where the terminators are, which
physical line each refresh is on, the spaces that pad it and the glyphs of its bar, all cut
out in one copy of the block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from vaetui.core import native
from vaetui.core.formats.fastkv import Batch, FastPath
from vaetui.core.lines import TextBlock

#: A bar's glyphs (``%|█████     |``), in the UTF-8 bytes of the text.
_BAR = re.compile(rb"%\|[^|\r\n]*\|")
#: The bytes ``bytes.rstrip()`` takes off a segment (``\\r`` and ``\\n`` end segments).
_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[9, 11, 12, 32]] = True
#: Rounds of one padding byte each taken off every refresh at once; longer padding is
#: taken off segment by segment.
_PAD_ROUNDS = 16


@dataclass(frozen=True)
class Frames:
    """A block's non-blank segments (refreshes), right-stripped, in file order.

    ``virtual`` holds them one per line, bars cut to ``%||``; segment ``i`` is
    ``raw[starts[i]:ends[i]]`` on physical line ``lines[i]``.
    """

    raw: bytes
    starts: np.ndarray
    ends: np.ndarray
    lines: np.ndarray
    virtual: bytes

    def segment(self, i: int) -> bytes:
        """Segment ``i`` as it stands in the block (bar and all), right-stripped."""
        return self.raw[int(self.starts[i]) : int(self.ends[i])]


def split_refreshes(fast: FastPath, block: TextBlock) -> list[Batch | tuple[int, str]] | None:
    """Batches of same-shape refreshes and ``(line, segment)`` leftovers, in file order.

    A batch's ``lines`` are physical line numbers. None when no shape repeats enough. The
    work is done on the block's UTF-8 bytes; only leftovers are decoded.
    """
    raw = block.raw if block.raw is not None else block.text.encode("utf-8")
    frames = frame_refreshes(raw, block.first_line, block.breaks if block.raw is not None else None)
    pieces = fast.split(TextBlock(None, 1, frames.virtual, len(frames.lines)))
    if pieces is None:
        return None
    out: list[Batch | tuple[int, str]] = []
    for piece in pieces:
        if not isinstance(piece, Batch):
            out.append(_leftover(frames, piece[0] - 1))
            continue
        rows = piece.lines - 1
        if np.any(piece.steps == 0):  # a bar at 0/N adds to the previous record
            out.extend(_leftover(frames, i) for i in rows.tolist())
            continue
        out.append(Batch(piece.steps, frames.lines[rows], piece.epochs, piece.names, piece.values))
    return out


def _leftover(frames: Frames, i: int) -> tuple[int, str]:
    return int(frames.lines[i]), frames.segment(i).decode("utf-8", errors="replace")


def frame_refreshes(raw: bytes, first_line: int, breaks: np.ndarray | None = None) -> Frames:
    """The segments of ``raw`` (split at ``\\n`` and ``\\r``, right-stripped as ``str.rstrip``
    strips them, blank ones left out) with their physical line numbers (the first line being
    ``first_line``), and the same segments one per line with their bars cut out.

    ``breaks``: where the ``\\n`` and ``\\r`` of ``raw`` are, when already found.
    """
    if not raw.endswith((b"\n", b"\r")):
        raw += b"\n"  # the last segment ends with the block
        breaks = None
    framed = native.frame_refreshes(raw, first_line)
    if framed is not None:  # the compiled reader frames it in one pass
        virtual, starts, ends, lines = framed
        return Frames(raw, starts, ends, lines, virtual)
    codes = np.frombuffer(raw, dtype=np.uint8)
    one_per_line = np.frombuffer(raw.replace(b"\r", b"\n"), dtype=np.uint8)
    term = np.flatnonzero(one_per_line == 10) if breaks is None else breaks
    starts = np.empty_like(term)
    starts[0] = 0
    starts[1:] = term[:-1] + 1
    ends = _stripped_ends(raw, codes, starts, term.copy())
    newline = codes[term] == 10
    lines = first_line + np.cumsum(newline) - newline
    kept = ends > starts
    # Cut: each segment's padding, the terminator of each blank segment, each bar's glyphs.
    cut_from = [ends, term[~kept]]
    cut_to = [term, term[~kept] + 1]
    bars = _bar_glyphs(codes, term)
    if bars is not None:
        cut_from.append(bars[0])
        cut_to.append(bars[1])
    virtual = _cut(one_per_line, np.concatenate(cut_from), np.concatenate(cut_to))
    if bars is None:
        virtual = _BAR.sub(b"%||", virtual)
    return Frames(raw, starts[kept], ends[kept], lines[kept], virtual)


def _stripped_ends(
    raw: bytes, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Each segment's end once its trailing whitespace is off: ASCII for all segments at
    once, a byte a round; a segment then ending in a non-ASCII byte (maybe a no-break space)
    or still padded after the rounds is stripped on its own, as ``str.rstrip`` would."""
    padded = np.flatnonzero((ends > starts) & _ASCII_SPACE[codes[ends - 1]])
    for _ in range(_PAD_ROUNDS):
        if padded.size == 0:
            break
        ends[padded] -= 1
        at = ends[padded]
        padded = padded[(at > starts[padded]) & _ASCII_SPACE[codes[at - 1]]]
    for i in padded.tolist():
        ends[i] = starts[i] + len(raw[starts[i] : ends[i]].rstrip())
    wide = np.flatnonzero((ends > starts) & (codes[ends - 1] >= 0x80))
    for i in wide.tolist():
        ends[i] = starts[i] + len(_rstrip(raw[starts[i] : ends[i]]))
    return ends


def _bar_glyphs(codes: np.ndarray, term: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each bar's glyphs start and end (between ``%|`` and the next ``|`` on the same
    segment), as ``_BAR`` finds them; None when a bar's closing ``|`` opens another ``%|``
    (then which of the two is a bar depends on the order they are read in: ``_BAR`` decides).
    """
    pipes = np.flatnonzero(codes == 124)
    opening = np.flatnonzero(codes[pipes[:-1] - 1] == 37) if pipes.size > 1 else pipes[:0]
    if pipes.size and pipes[0] == 0:
        opening = opening[opening > 0]  # a ``|`` at the block's start follows no ``%``
    first, last = pipes[opening] + 1, pipes[opening + 1]
    same = np.searchsorted(term, first) == np.searchsorted(term, last)
    bars = opening[same]
    if np.any(np.diff(bars) == 1):  # ``bars`` is sorted: bar i closes where bar i + 1 opens
        return None
    return first[same], last[same]


def _cut(codes: np.ndarray, cut_from: np.ndarray, cut_to: np.ndarray) -> bytes:
    """``codes`` without the byte ranges ``[cut_from[i], cut_to[i])`` (they may touch but not
    overlap)."""
    size = cut_to - cut_from
    some = size > 0
    cut_from, size = cut_from[some], size[some]
    total = int(size.sum())
    keep = np.ones(codes.size, dtype=bool)
    if total:
        offsets = np.cumsum(size) - size
        keep[np.repeat(cut_from - offsets, size) + np.arange(total)] = False
    return codes[keep].tobytes()


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
