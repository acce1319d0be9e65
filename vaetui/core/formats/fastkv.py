"""A vectorised fast path for text logs whose lines all share one shape.

A trainer prints the same line thousands of times with only the numbers changing. Removing
the numeric characters from a line gives its *shape*; lines with the block's most common
shape are parsed together by ``numpy.loadtxt`` (C speed) instead of one regex call per line.
The columns of a shape are learned once from one example line with the ordinary parser,
and checked against it, so both paths give the same records. Anything unusual — other
shapes, tqdm ``\\r`` refreshes, evaluation lines, units glued to numbers — goes to the
ordinary per-line parser, in file order.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from vaetui.core.lines import TextBlock

#: Characters that numbers are made of; deleting them leaves a line's shape. The exponent
#: "e" stays: values that switch between 0.0001 and 1e-05 make two shapes, which is safe.
_NUMERIC = b"0123456789.+-"
#: Punctuation that separates keys and values, turned into spaces before loadtxt.
_DELIMITERS = bytes.maketrans(b"=:|,;/[]()'\"\t", b" " * 13)
_STR_DELIMITERS = str.maketrans("=:|,;/[]()'\"\t", " " * 13)
#: Blocks smaller than this, and runs shorter than this, are not worth the set-up.
MIN_BLOCK_BYTES = 64 << 10
MIN_RUN_LINES = 64
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Batch:
    """Records of consecutive lines that share one shape, as columns."""

    steps: np.ndarray
    lines: np.ndarray
    epochs: np.ndarray | None
    names: tuple[str, ...]
    values: np.ndarray  # shape (rows, len(names))
    #: The lines carry no step: the parser numbers the rows (``steps`` is a placeholder).
    numbered: bool = False


@dataclass(frozen=True)
class Shape:
    """Where the step, epoch and each metric sit among a shape's tokens."""

    step_col: int
    epoch_col: int | None
    value_cols: tuple[int, ...]
    names: tuple[str, ...]
    #: Key text that the shape cannot tell apart (``m1=`` vs ``m2=``: digits are deleted
    #: from shapes), with how often it appears per line; a batch must contain each exactly.
    exact_keys: tuple[tuple[bytes, int], ...] = ()
    #: No step on the line: ``step_col`` is any numeric column, the parser numbers rows.
    numbered: bool = False
    #: Shape-blind keys that are whole tokens, as (token index, token): checked per column,
    #: which stays cheap with a thousand such keys where counting each in the block would not.
    key_tokens: tuple[tuple[int, bytes], ...] = ()


class FastPath:
    """Splits a block into batches (fast) and single lines (for the per-line parser)."""

    def __init__(self, learn_shape, delimiters: bytes = _DELIMITERS) -> None:
        #: ``learn_shape(line) -> Shape | None`` comes from the format's parser.
        self._learn_shape = learn_shape
        #: ``bytes.maketrans`` table turning the format's punctuation into spaces.
        self._delimiters = delimiters
        self._shapes: dict[bytes, Shape | None] = {}
        self._current: bytes | None = None  # shape (with newline) of the last batch

    def split(self, block: TextBlock) -> list[Batch | tuple[int, str]] | None:
        """Batches and ``(line_number, text)`` leftovers in file order; None if unsuited."""
        raw = block.raw if block.raw is not None else block.text.encode("utf-8")
        if len(raw) < MIN_BLOCK_BYTES or not raw.endswith(b"\n"):
            return None
        count = block.newlines if block.raw is not None else -1
        if b"\r" in raw:
            if raw.count(b"\r") != raw.count(b"\r\n"):
                return None  # \r refreshes (tqdm): the per-line parser handles them
            raw = raw.replace(b"\r\n", b"\n")
        shapes_raw = raw.translate(None, _NUMERIC)
        if count < 0:
            count = raw.count(b"\n")
        current = self._current
        if current is not None and shapes_raw == current * count:
            # The common case: every line has the shape of the previous block.
            shape = self._shapes[current]
            batch = _load(raw, count, shape, block.first_line, self._delimiters)  # type: ignore[arg-type]
            if batch is not None:
                return [batch]
        lines = raw.split(b"\n")[:-1]
        shapes = shapes_raw.split(b"\n")[:-1]
        if Counter(shapes).most_common(1)[0][1] < MIN_RUN_LINES:
            return None  # no shape repeats enough to be worth batching
        return self._pieces(lines, shapes, block.first_line)

    def _shape(self, key: bytes, example: bytes) -> Shape | None:
        """The columns of a shape, learned once from an example line (None: not batchable)."""
        if key not in self._shapes:
            self._shapes[key] = self._learn_shape(example.decode("utf-8", errors="replace"))
        return self._shapes[key]

    def _pieces(
        self, lines: list[bytes], shapes: list[bytes], first_line: int
    ) -> list[Batch | tuple[int, str]]:
        """Every run of consecutive same-shape lines long enough becomes a batch."""
        out: list[Batch | tuple[int, str]] = []
        starts = [0, *(i for i in range(1, len(shapes)) if shapes[i] != shapes[i - 1])]
        for a, b in itertools.pairwise([*starts, len(lines)]):
            batch = None
            if b - a >= MIN_RUN_LINES:
                shape = self._shape(shapes[a], lines[a])
                if shape is not None:
                    joined = b"\n".join(lines[a:b])
                    batch = _load(joined, b - a, shape, first_line + a, self._delimiters)
                    self._current = shapes[a] + b"\n"
                    self._shapes[self._current] = shape
            if batch is not None:
                out.append(batch)
            else:
                out.extend(
                    (first_line + i, lines[i].decode("utf-8", errors="replace"))
                    for i in range(a, b)
                    if lines[i].strip()
                )
        return out


def _load(
    raw: bytes, count: int, shape: Shape, first_line: int, delimiters: bytes = _DELIMITERS
) -> Batch | None:
    """Parse ``count`` lines of one shape with ``numpy.loadtxt``; None if any line fails."""
    cols = (shape.step_col, *((shape.epoch_col,) if shape.epoch_col is not None else ()))
    cols = (*cols, *shape.value_cols)
    if any(raw.count(key) != per_line * count for key, per_line in shape.exact_keys):
        return None
    data = raw.translate(delimiters)
    if shape.key_tokens:
        tokens = data.split()
        width = len(tokens) // count
        if width * count != len(tokens):
            return None
        if any(tokens[i::width].count(key) != count for i, key in shape.key_tokens):
            return None
    try:
        table = np.loadtxt(io.BytesIO(data), usecols=cols, dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        return None
    if table.shape[0] != count:
        return None
    offset = 2 if shape.epoch_col is not None else 1
    return Batch(
        steps=table[:, 0].copy(),
        lines=np.arange(first_line, first_line + count, dtype=np.int64),
        epochs=table[:, 1].copy() if shape.epoch_col is not None else None,
        names=shape.names,
        values=table[:, offset:],
        numbered=shape.numbered,
    )


def token_index(line: str, offset: int) -> int | None:
    """Index of the whitespace token containing ``offset`` after delimiters become spaces."""
    for i, m in enumerate(_TOKEN.finditer(line.translate(_STR_DELIMITERS))):
        if m.start() <= offset < m.end():
            return i
    return None


def token_text(line: str, index: int) -> str:
    """The ``index``-th token of ``line`` after delimiters become spaces."""
    tokens = line.translate(_STR_DELIMITERS).split()
    return tokens[index] if index < len(tokens) else ""
