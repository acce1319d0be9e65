"""JSON-lines logs: one object per line (detectron2 ``metrics.json``, custom ``json.dumps``).

Python's ``json`` reads the bare ``NaN`` / ``Infinity`` tokens that ``json.dumps`` writes.
Nested objects are flattened with ``/``; numbers written as strings are read as numbers.
A line that is not a JSON object falls back to the text parser, so a trainer that mixes
``print`` and ``json.dumps`` in one file still parses. Runs of lines of one shape are read as
columns (:mod:`~vaetui.core.formats.fastjson`).
"""

from __future__ import annotations

import numpy as np

from vaetui.core.formats.base import Record, iter_segments
from vaetui.core.formats.fastjson import json_fast_path, loads
from vaetui.core.formats.fastkv import Batch
from vaetui.core.formats.jsonrec import _STEP_KEYS_ORDERED, record_from_mapping
from vaetui.core.formats.text import TextParser
from vaetui.core.lines import TextBlock
from vaetui.core.metrics import EPOCH_KEYS, STEP_KEYS

__all__ = ["JsonLinesParser", "record_from_mapping"]


class JsonLinesParser:
    """Parser for one JSON object per line."""

    name = "jsonl"

    def __init__(self, rank: int | None = None, formats: tuple = ()) -> None:
        self._text = TextParser(rank=rank, formats=formats)
        self._fast = json_fast_path(_STEP_KEYS_ORDERED, ("epoch", "epochs"), _not_a_metric)

    def reset(self) -> None:
        self._text.reset()

    def parse(self, block: TextBlock) -> list[Record | Batch]:
        # User-declared line formats read every line themselves: no columns then.
        pieces = None if self._text.has_formats else self._fast.split(block)
        if pieces is None:
            return self._parse_lines(iter_segments(block))
        out: list[Record | Batch] = []
        for piece in pieces:
            if not isinstance(piece, Batch):
                out.extend(self._parse_lines([piece]))
            elif np.isfinite(piece.steps).all() and not _integer_minus_zero(piece, block):
                out.append(piece)
            else:  # a step of 1e999 (the per-line rules pick another step key), an int -0
                text = block.text.split("\n")
                rows = piece.lines.tolist()
                out.extend(self._parse_lines((n, text[n - block.first_line]) for n in rows))
        return out

    def _parse_lines(self, segments) -> list[Record | Batch]:
        """The per-line path: ``(line_number, text)`` pairs to records."""
        out: list[Record | Batch] = []
        for line, seg in segments:
            stripped = seg.strip()
            if stripped.startswith("{") and not self._text.has_formats:
                rec = record_from_mapping(loads(stripped), line)
            else:
                rec = self._text.parse_segment(seg, line)
            if rec is not None:
                out.append(rec)
        return out


def _not_a_metric(key: str) -> bool:
    """Keys a record does not keep as metrics: its step and epoch counters."""
    low = key.lower()
    return low in STEP_KEYS or low in EPOCH_KEYS or key == "trainer/global_step"


def _integer_minus_zero(batch: Batch, block: TextBlock) -> bool:
    """True when the batch may hold the JSON integer ``-0``: 0 to the decoder, ``-0.0`` in a
    column (rare: ``json.dumps`` never writes it). Looked for only when a ``-0.0`` was read."""
    if not np.any((batch.values == 0) & np.signbit(batch.values)):
        return False
    raw = block.raw if block.raw is not None else block.text.encode("utf-8")
    for tail in (b"-0,", b"-0}", b"-0 ", b"-0\t", b"-0\n"):
        i = raw.find(tail)
        while i >= 0:
            if i == 0 or raw[i - 1] not in b"0123456789.eE":
                return True
            i = raw.find(tail, i + 1)
    return False
