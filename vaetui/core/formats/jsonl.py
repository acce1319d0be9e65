"""JSON-lines logs: one object per line (detectron2 ``metrics.json``, custom ``json.dumps``).

Python's ``json`` reads the bare ``NaN`` / ``Infinity`` tokens that ``json.dumps`` writes.
Nested objects are flattened with ``/``; numbers written as strings are read as numbers.
A line that is not a JSON object falls back to the text parser, so a trainer that mixes
``print`` and ``json.dumps`` in one file still parses.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vaetui.core.formats.base import Record, iter_segments, parse_number
from vaetui.core.formats.fastjson import json_fast_path, loads
from vaetui.core.formats.fastkv import Batch
from vaetui.core.formats.text import TextParser
from vaetui.core.lines import TextBlock
from vaetui.core.metrics import CANONICAL, EPOCH_KEYS, STEP_KEYS, canonical_name

_STEP_KEYS_ORDERED = ("global_step", "step", "iteration", "iter", "it", "trainer/global_step")


class JsonLinesParser:
    """Parser for one JSON object per line."""

    name = "jsonl"

    def __init__(self, rank: int | None = None) -> None:
        self._text = TextParser(rank=rank)
        self._fast = json_fast_path(_STEP_KEYS_ORDERED, ("epoch", "epochs"), _not_a_metric)

    def reset(self) -> None:
        self._text.reset()

    def parse(self, block: TextBlock) -> list[Record | Batch]:
        pieces = self._fast.split(block)
        if pieces is None:
            return self._parse_lines(iter_segments(block))
        out: list[Record | Batch] = []
        for piece in pieces:
            if not isinstance(piece, Batch):
                out.extend(self._parse_lines([piece]))
            elif np.isfinite(piece.steps).all():
                out.append(piece)
            else:  # a step of 1e999: the per-line rules pick another step key
                text = block.text.split("\n")
                rows = piece.lines.tolist()
                out.extend(self._parse_lines((n, text[n - block.first_line]) for n in rows))
        return out

    def _parse_lines(self, segments) -> list[Record | Batch]:
        """The per-line path: ``(line_number, text)`` pairs to records."""
        out: list[Record | Batch] = []
        for line, seg in segments:
            stripped = seg.strip()
            if stripped.startswith("{"):
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


def record_from_mapping(obj: Any, line: int) -> Record | None:
    """Turn one JSON object into a record (None when it holds no numbers)."""
    if not isinstance(obj, dict):
        return None
    flat = dict(_flatten(obj))
    step = None
    for key in _STEP_KEYS_ORDERED:
        if key in flat and math.isfinite(flat[key]):
            step = flat[key]
            break
    epoch = next((flat[k] for k in ("epoch", "epochs") if k in flat), None)
    values = {
        k: v for k, v in flat.items() if k.lower() not in STEP_KEYS and k.lower() not in EPOCH_KEYS
    }
    values.pop("trainer/global_step", None)
    if not values:
        return None
    if step is None and not _has_loss(values):
        return Record(None, line, {}, None, config=values)  # a settings object, not a record
    return Record(step, line, values, epoch)


def _has_loss(values: dict[str, float]) -> bool:
    return any(canonical_name(k)[0] in CANONICAL[:4] for k in values)


def _flatten(obj: dict[str, Any], prefix: str = ""):
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            yield name, float(value)
        elif isinstance(value, str):
            number = parse_number(value)
            if number is not None and value.strip().lower() not in ("", "-"):
                yield name, number
        elif isinstance(value, dict):
            yield from _flatten(value, f"{name}/")
