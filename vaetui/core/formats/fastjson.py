"""JSON lines, fast: a quick decoder per line, and columns for lines of one shape.

A trainer that writes ``json.dumps(metrics)`` every step writes the same object thousands of
times with only the numbers changing. Such lines share one *shape* (the line with its numeric
characters removed, see :mod:`~vaetui.core.formats.fastkv`); a run of them is parsed as columns
(by polars, see :mod:`~vaetui.core.formats.columns`) once JSON's punctuation is turned into
spaces. The columns of a shape are learned from one example line and checked against the
per-line decoding of that line, so both paths give the same records. Only flat objects of
numbers qualify; strings, nesting, booleans, ``null``, ``NaN`` and keys with spaces or
punctuation go line by line.

Blocks whose lines all have shapes of the same keys in the same order (most blocks: only a
number's notation varies, ``0.0`` then ``1e-05``) are read whole: JSON's punctuation is
deleted, which leaves ``key value key value`` at single spaces when the writer puts one space
after ``:`` and ``,`` (``json.dumps``'s default), and polars reads the value fields of every
line in one call. Other blocks go through the shape runs of
:mod:`~vaetui.core.formats.fastkv`.

Line by line, ``orjson`` decodes (about ten times ``json.loads``, measured by
``benchmarks/bench_formats.py``); the bare ``NaN`` / ``Infinity`` tokens that ``json.dumps``
writes are not JSON, so those lines fall back to ``json.loads``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from vaetui.core.formats import fastkv
from vaetui.core.formats.columns import read_fields
from vaetui.core.formats.fastkv import Batch, FastPath, Shape
from vaetui.core.formats.jsonrec import loads_object
from vaetui.core.lines import TextBlock

try:
    import orjson

    _fast_loads: Callable[[str], Any] | None = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; stay correct without it
    _fast_loads = None

#: JSON's punctuation, turned into spaces before a shape's columns are read.
JSON_DELIMITERS = bytes.maketrans(b'{}":,\t', b" " * 6)
_STR_DELIMITERS = str.maketrans('{}":,\t', " " * 6)
#: JSON's punctuation, deleted for the whole-block read.
_PUNCTUATION = b'{}":,'
_STR_PUNCTUATION = str.maketrans("", "", '{}":,')
#: What a shape deletes (see :mod:`~vaetui.core.formats.fastkv`).
_NUMERIC = b"0123456789.+-"
#: More distinct shapes than this in one block: the shape runs read it.
_MAX_BLOCK_SHAPES = 8
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


def json_fast_path(step_keys: tuple[str, ...], epoch_keys: tuple[str, ...], skip) -> JsonFastPath:
    """A fast path for JSON lines: whole blocks when it can, else shape runs.

    Args:
        step_keys: Keys that give the step, in order of preference.
        epoch_keys: Keys that give the epoch, in order of preference.
        skip: ``skip(key) -> bool``: keys that are not metrics (step and epoch names).
    """

    def learn(line: str) -> Shape | None:
        return learn_json_shape(line, step_keys, epoch_keys, skip)

    return JsonFastPath(learn, FastPath(learn, JSON_DELIMITERS, reader="polars"))


class JsonFastPath:
    """Whole blocks of lines with the same keys (see the module docstring), else shape runs."""

    def __init__(self, learn, shapes: FastPath) -> None:
        self._learn = learn
        self._shapes = shapes
        #: Line shape (numbers deleted) -> its columns and tokens per line, when the
        #: whole-block read can take it.
        self._known: dict[bytes, tuple[Shape, int] | None] = {}
        self._current: bytes | None = None  # shape (with newline) of the last block's end

    def split(self, block: TextBlock) -> list[Batch | tuple[int, str]] | None:
        """Batches and ``(line_number, text)`` leftovers in file order; None if unsuited."""
        whole = self._whole(block)
        return [whole] if whole is not None else self._shapes.split(block)

    def _whole(self, block: TextBlock) -> Batch | None:
        """Every line of the block as one batch, or None."""
        raw = block.raw
        if raw is None or len(raw) < fastkv.MIN_BLOCK_BYTES or not raw.endswith(b"\n"):
            return None
        if b"\r" in raw:
            return None
        count = block.newlines if block.newlines >= 0 else raw.count(b"\n")
        shapes = raw.translate(None, _NUMERIC)
        current = self._current
        if current is not None and shapes == current * count:
            plan = self._known.get(current[:-1])
        else:
            plan = self._block_shape(raw, shapes)
        if plan is None:
            return None
        shape, width = plan
        if any(raw.count(key) != per_line * count for key, per_line in shape.exact_keys):
            return None
        fields = (shape.step_col, *(() if shape.epoch_col is None else (shape.epoch_col,)))
        fields = (*fields, *shape.value_cols)
        table = read_fields(raw.translate(None, _PUNCTUATION), count, width, fields, b" ")
        if table is None:
            return None
        offset = 1 if shape.epoch_col is None else 2
        return Batch(
            steps=table[:, 0].copy(),
            lines=np.arange(block.first_line, block.first_line + count, dtype=np.int64),
            epochs=None if shape.epoch_col is None else table[:, 1].copy(),
            names=shape.names,
            values=table[:, offset:],
        )

    def _block_shape(self, raw: bytes, shapes: bytes) -> tuple[Shape, int] | None:
        """The columns every line of a block of several shapes shares, or None."""
        per_line = shapes.split(b"\n")[:-1]
        distinct = dict.fromkeys(per_line)
        if len(distinct) > _MAX_BLOCK_SHAPES:
            return None
        lines: list[bytes] | None = None
        found: tuple[Shape, int] | None = None
        for key in distinct:
            if key not in self._known:
                if lines is None:
                    lines = raw.split(b"\n")
                example = lines[per_line.index(key)].decode("utf-8", errors="replace")
                self._known[key] = _whole_plan(self._learn(example), example)
            plan = self._known[key]
            if plan is None or (found is not None and plan != found):
                return None
            found = plan
        if len(self._known) > fastkv.MAX_SHAPES:
            self._known.clear()
        self._current = per_line[-1] + b"\n"
        return found


def _whole_plan(shape: Shape | None, line: str) -> tuple[Shape, int] | None:
    """``shape`` and the tokens per line, when the line with its punctuation deleted is its
    tokens at single spaces (so field and token indices agree)."""
    if shape is None:
        return None
    tokens = line.translate(_STR_DELIMITERS).split()
    if line.translate(_STR_PUNCTUATION).split(" ") != tokens:
        return None
    return shape, len(tokens)


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
