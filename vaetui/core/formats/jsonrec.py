"""One JSON object -> one record: the rules shared by JSON lines, JSON documents and JSON
printed inside a text line (``2024-.. | INFO | METRICS {"phase": "train", "step": 25, ...}``).

* the step is the first of ``global_step``, ``step``, ``iteration``, ``iter``, ``it``;
* a ``phase`` / ``split`` / ``mode`` field (``train``, ``val``, ``eval``, ``test``) names the
  split: evaluation metrics are kept apart under ``val_`` / ``eval_`` / ``test_``;
* a step field that is ``null`` marks an evaluation row (kept apart under ``eval_``);
* nested objects are flattened with ``/``; numbers written as strings are read as numbers.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from vaetui.core.formats.base import NUMBER, Record, to_float
from vaetui.core.metrics import CANONICAL, EPOCH_KEYS, STEP_KEYS, canonical_name, is_eval_key

#: A string field that is a number and nothing else (not a date, not "12 images").
_NUMBER_STRING = re.compile(rf"\s*({NUMBER})\s*")
_STEP_KEYS_ORDERED = ("global_step", "step", "iteration", "iter", "it", "trainer/global_step")
_SPLIT_KEYS = ("phase", "split", "mode", "stage")
_SPLIT_PREFIX = {
    "val": "val",
    "valid": "val",
    "validation": "val",
    "eval": "eval",
    "evaluation": "eval",
    "test": "test",
    "testing": "test",
}


def loads_object(text: str) -> Any:
    """``json.loads`` that returns None for text that is not JSON."""
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
    prefix = _split_prefix(obj)
    if prefix is None and step is None and any(obj.get(k, 0) is None for k in _STEP_KEYS_ORDERED):
        prefix = "eval"  # "step": null: an evaluation row, not a training step
    if prefix is not None:
        values = {k if is_eval_key(k.lower()) else f"{prefix}_{k}": v for k, v in values.items()}
    elif step is None and not _has_loss(values):
        return Record(None, line, {}, None, config=values)  # a settings object, not a record
    return Record(step, line, values, epoch)


def _split_prefix(obj: dict[str, Any]) -> str | None:
    for key in _SPLIT_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            return _SPLIT_PREFIX.get(value.strip().lower())
    return None


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
            m = _NUMBER_STRING.fullmatch(value)
            if m is not None:
                yield name, to_float(m.group(1))
        elif isinstance(value, dict):
            yield from _flatten(value, f"{name}/")
