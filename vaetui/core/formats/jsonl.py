"""JSON-lines logs: one object per line (detectron2 ``metrics.json``, custom ``json.dumps``).

Python's ``json`` reads the bare ``NaN`` / ``Infinity`` tokens that ``json.dumps`` writes.
Nested objects are flattened with ``/``; numbers written as strings are read as numbers.
A line that is not a JSON object falls back to the text parser, so a trainer that mixes
``print`` and ``json.dumps`` in one file still parses.
"""

from __future__ import annotations

import json
import math
from typing import Any

from vaetui.core.formats.base import Record, iter_segments, parse_number
from vaetui.core.formats.text import TextParser
from vaetui.core.lines import TextBlock
from vaetui.core.metrics import CANONICAL, EPOCH_KEYS, STEP_KEYS, canonical_name

_STEP_KEYS_ORDERED = ("global_step", "step", "iteration", "iter", "it", "trainer/global_step")


class JsonLinesParser:
    """Parser for one JSON object per line."""

    name = "jsonl"

    def __init__(self, rank: int | None = None) -> None:
        self._text = TextParser(rank=rank)

    def reset(self) -> None:
        self._text.reset()

    def parse(self, block: TextBlock) -> list[Record]:
        out: list[Record] = []
        for line, seg in iter_segments(block):
            stripped = seg.strip()
            if stripped.startswith("{"):
                rec = record_from_mapping(_loads(stripped), line)
            else:
                rec = self._text.parse_segment(seg, line)
            if rec is not None:
                out.append(rec)
        return out


def _loads(text: str) -> Any:
    try:
        # Integers as floats: a 5,000-digit number is inf, not an error that loses the line.
        return json.loads(text, parse_int=float)
    except ValueError:
        return None


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
