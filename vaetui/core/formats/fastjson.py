"""JSON lines, fast: a quick decoder per line, and columns for lines of one shape.

A trainer that writes ``json.dumps(metrics)`` every step writes the same object thousands of
times with only the numbers changing. Such lines share one *shape* (the line with its numeric
characters removed, see :mod:`~vaetui.core.formats.fastkv`); a run of them is parsed as columns
(by polars, see :mod:`~vaetui.core.formats.columns`) once JSON's punctuation is turned into
spaces. The columns of a shape are learned from one example line and checked against the
per-line decoding of that line, so both paths give the same records. Only flat objects of
numbers qualify; strings, nesting, booleans, ``null``, ``NaN`` and keys with spaces or
punctuation go line by line.

Line by line, ``orjson`` decodes (about ten times ``json.loads``, measured by
``benchmarks/bench_formats.py``); the bare ``NaN`` / ``Infinity`` tokens that ``json.dumps``
writes are not JSON, so those lines fall back to ``json.loads``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from vaetui.core.formats.fastkv import FastPath, Shape
from vaetui.core.formats.jsonrec import loads_object

try:
    import orjson

    _fast_loads: Callable[[str], Any] | None = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; stay correct without it
    _fast_loads = None

#: JSON's punctuation, turned into spaces before a shape's columns are read.
JSON_DELIMITERS = bytes.maketrans(b'{}":,\t', b" " * 6)
_STR_DELIMITERS = str.maketrans('{}":,\t', " " * 6)
#: A key the fast path can column: no spaces or JSON punctuation inside.
_PLAIN_KEY = re.compile(r'^[^\s{}":,\\]+$')
#: Characters a line's shape does not see: keys holding them are counted exactly.
_SHAPE_BLIND = re.compile(r"[0-9.+-]")


def loads(text: str) -> Any:
    """Decode one JSON document; None when it is not valid JSON.

    Gives what ``jsonrec.loads_object`` gives (``NaN``, ``Infinity``, integers read as floats:
    a 5,000-digit number is inf), faster: integers may come back as ``int``, which records
    turn into the same float.
    """
    if _fast_loads is not None:
        try:
            return _fast_loads(text)
        except ValueError:
            pass
    return loads_object(text)


def json_fast_path(step_keys: tuple[str, ...], epoch_keys: tuple[str, ...], skip) -> FastPath:
    """A :class:`FastPath` for JSON lines.

    Args:
        step_keys: Keys that give the step, in order of preference.
        epoch_keys: Keys that give the epoch, in order of preference.
        skip: ``skip(key) -> bool``: keys that are not metrics (step and epoch names).
    """

    def learn(line: str) -> Shape | None:
        return learn_json_shape(line, step_keys, epoch_keys, skip)

    return FastPath(learn, JSON_DELIMITERS, reader="polars")


def learn_json_shape(
    line: str, step_keys: tuple[str, ...], epoch_keys: tuple[str, ...], skip
) -> Shape | None:
    """Columns of a flat JSON object of numbers with a finite step, or None.

    Tokens after JSON punctuation becomes spaces must be exactly ``key value key value ...``
    with the values the decoder reads, so the column reader gives them too.
    """
    obj = loads(line)
    if not isinstance(obj, dict) or not obj:
        return None
    tokens = line.translate(_STR_DELIMITERS).split()
    if len(tokens) != 2 * len(obj):
        return None
    flat: dict[str, float] = {}
    for i, (key, value) in enumerate(obj.items()):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if not _PLAIN_KEY.match(key) or tokens[2 * i] != key:
            return None
        if not _same(float(tokens[2 * i + 1]), _as_float(value)):
            return None
        flat[key] = _as_float(value)
    step_key = next((k for k in step_keys if k in flat and math.isfinite(flat[k])), None)
    if step_key is None:
        return None
    epoch_key = next((k for k in epoch_keys if k in flat), None)
    keys = list(obj)
    names = tuple(k for k in keys if not skip(k))
    if not names:
        return None
    exact = {}
    for key in keys:
        if _SHAPE_BLIND.search(key):
            text = f'"{key}"'
            exact[text.encode("utf-8")] = line.count(text)
    return Shape(
        step_col=2 * keys.index(step_key) + 1,
        epoch_col=None if epoch_key is None else 2 * keys.index(epoch_key) + 1,
        value_cols=tuple(2 * keys.index(k) + 1 for k in names),
        names=names,
        exact_keys=tuple(exact.items()),
    )


def _as_float(value: float) -> float:
    """A JSON number as the per-line rules read it (an integer past float range is inf)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)
