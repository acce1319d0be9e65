"""A vectorised fast path for text logs whose lines all share one shape.

A trainer prints the same line thousands of times with only the numbers changing. Removing
the numeric characters from a line gives its *shape*; lines with the block's most common
shape are parsed together at C speed (:mod:`~vaetui.core.formats.columns`) instead of one
regex call per line.
The columns of a shape are learned once from one example line with the ordinary parser,
and checked against it, so both paths give the same records. Anything unusual — other
shapes, tqdm ``\\r`` refreshes, evaluation lines, units glued to numbers — goes to the
ordinary per-line parser, in file order.

A block whose lines all have the previous block's shape but for a few (a value printed as
``1e-05`` instead of ``0.0001``, a checkpoint message) is not split into lines: the odd lines
are found by comparing runs of shapes, read with the block when their columns are the same,
and given to the per-line parser when not.

A small block (a followed log's read of a few lines) is batched only when every line has one
shape: no runs are looked for, no odd lines read around.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from vaetui.core import native
from vaetui.core.formats.columns import Reader, read_columns, read_separated
from vaetui.core.lines import TextBlock

#: Characters that numbers are made of; deleting them leaves a line's shape. The exponent
#: "e" stays: values that switch between 0.0001 and 1e-05 make two shapes, which is safe.
_NUMERIC = b"0123456789.+-"
#: Punctuation that separates keys and values, turned into spaces before the columns are read.
_DELIMITERS = bytes.maketrans(b"=:|,;/[]()'\"\t", b" " * 13)
_STR_DELIMITERS = str.maketrans("=:|,;/[]()'\"\t", " " * 13)
#: ASCII letters but the exponent's ``e``/``E``, and ``_``: deleted in the same pass that turns
#: delimiters into spaces, so the number reader tokenises about half the bytes (key names
#: vanish or shrink to their e's). Used for a shape only when its number tokens keep every
#: byte (no ``nan``, no ``inf``: see ``_compact_cols``).
_KEY_LETTERS = bytes(c for c in b"ABCDFGHIJKLMNOPQRSTUVWXYZabcdfghijklmnopqrstuvwxyz_")
#: Blocks smaller than this are batched only whole (see ``MIN_SMALL_BLOCK_LINES``), and runs
#: shorter than this are not worth the set-up.
MIN_BLOCK_BYTES = 64 << 10
MIN_RUN_LINES = 64
#: A smaller block (a live read: a few lines every few tenths of a second) is batched when all
#: its lines, at least this many, have one shape, learned once: ten times cheaper than line by
#: line at 60 lines of 8 metrics (3.2 vs 0.33 ms).
MIN_SMALL_BLOCK_LINES = 16
#: A shape is learned once it has this many lines in a block (one-off lines cost no learning).
MIN_SHAPE_LINES = 4
#: Up to this many shapes in a block, lines are matched to shapes by numpy, not one by one.
MAX_SCAN_SHAPES = 16
#: Learned shapes kept at most (then forgotten and learned again as they come).
MAX_SHAPES = 4096
#: Lines of other shapes a block may hold and still be read around, without splitting it into
#: lines, when all its other lines have the previous block's shape.
MAX_ODD_LINES = 32
#: Other shapes with the same columns as a shape (``lr=0.0001`` and ``lr=9.9e-05``) that the
#: compiled reader accepts in a block of it, at most.
MAX_SIBLINGS = 8
#: Shapes with more numbers than this are "wide" (hundreds of metrics per line): polars' memory
#: grows with the columns of a table (+55 MiB at 200 metrics, +70 MiB at 1,000), loadtxt's
#: does not, and the wide logs' RSS budget is the tighter one there.
WIDE_COLUMNS = 64
#: A text log read with polars reads its first bytes with numpy all the same: importing polars
#: costs ~0.2 CPU s, which parsing ~5x faster wins back only after some 20 MB.
POLARS_AFTER_BYTES = 32 << 20
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

    def __init__(
        self,
        learn_shape,
        delimiters: bytes = _DELIMITERS,
        reader: Reader = "numpy",
        separator: bytes | None = None,
        wide_reader: Reader | None = None,
        polars_after: int = 0,
    ) -> None:
        #: ``learn_shape(line) -> Shape | None`` comes from the format's parser.
        self._learn_shape = learn_shape
        #: ``bytes.maketrans`` table turning the format's punctuation into spaces.
        self._delimiters = delimiters
        #: Which library reads the numbers (see ``vaetui.core.formats.columns``).
        self._reader: Reader = reader
        #: What reads shapes of more than ``WIDE_COLUMNS`` numbers (None: ``reader`` too).
        self._wide_reader: Reader = wide_reader or reader
        #: Bytes read with numpy before a polars ``reader`` takes over (see
        #: ``POLARS_AFTER_BYTES``), and the bytes split so far.
        self._polars_after = polars_after
        self._bytes_seen = 0
        #: The one byte between cells when lines may be read as written (CSV's comma).
        self._separator = separator
        self._shapes: dict[bytes, Shape | None] = {}
        #: Per learned shape: its columns among the tokens left once key letters are deleted
        #: (``_KEY_LETTERS``), or None when that cannot be done.
        self._compact: dict[bytes, tuple[int, ...] | None] = {}
        self._current: bytes | None = None  # shape (with newline) of the last batch
        #: Per learned shape: shapes seen among its lines with the same columns (see
        #: ``MAX_SIBLINGS``), which the compiled reader reads in the same batch.
        self._siblings: dict[bytes, tuple[bytes, ...]] = {}

    def split(self, block: TextBlock) -> list[Batch | tuple[int, str]] | None:
        """Batches and ``(line_number, text)`` leftovers in file order; None if unsuited."""
        raw = block.raw if block.raw is not None else block.text.encode("utf-8")
        small = len(raw) < MIN_BLOCK_BYTES
        if not raw.endswith(b"\n"):
            return None
        count = block.newlines if block.raw is not None else raw.count(b"\n")
        if small and count < MIN_SMALL_BLOCK_LINES:
            return None
        self._bytes_seen += len(raw)
        cr = raw.find(b"\r")
        if cr >= 0:
            if raw[cr + 1 : cr + 2] != b"\n" or raw.count(b"\r") != raw.count(b"\r\n"):
                return None  # \r refreshes (tqdm): the per-line parser handles them
            raw = raw.replace(b"\r\n", b"\n")
        current = self._current
        refused = False  # the compiled reader refused this block's lines as ``current``'s
        if current is not None and native.available():
            # The compiled reader checks every line's shape itself: when they all have the
            # previous block's, the block is read without deleting its numbers first.
            batch = self._load_as(current, raw, count, block.first_line, fallback=False)
            if batch is not None:
                return [batch]
            refused = True
        shapes_raw = raw.translate(None, _NUMERIC)
        if current is not None:
            if shapes_raw == current * count:
                # The common case: every line has the shape of the previous block (the
                # compiled reader, if it refused them above, is not asked again).
                batch = self._load_as(current, raw, count, block.first_line, compiled=not refused)
                if batch is not None:
                    return [batch]
            elif not small:
                mixed = self._around_odd_lines(raw, shapes_raw, count, block.first_line)
                if mixed is not None:
                    return mixed
        if small:
            return self._one_new_shape(raw, shapes_raw, count, block.first_line)
        lines = raw.split(b"\n")[:-1]
        shapes = shapes_raw.split(b"\n")[:-1]
        pieces = self._pieces(lines, shapes, block.first_line)
        # No run long enough to be worth batching: the per-line parser reads the block.
        return pieces if any(isinstance(p, Batch) for p in pieces) else None

    def _load_as(
        self,
        key: bytes,
        raw: bytes,
        count: int,
        first_line: int,
        fallback: bool = True,
        compiled: bool = True,
    ) -> Batch | None:
        """``count`` lines of the learned shape ``key`` as one batch (None: not batchable).

        ``fallback=False``: read by the compiled reader only, which checks each line's shape
        (None when it is not there or refuses the lines); else the lines are known to have the
        shape and numpy or polars read what the compiled reader refuses (``compiled=False``:
        numpy or polars alone).
        """
        shape = self._shapes.get(key)  # None: forgotten (``MAX_SHAPES``) or not batchable
        if shape is None:
            return None
        reader = self._reader_for(shape)
        compact = self._compact.get(key) if reader == "numpy" else None
        return _load(
            raw,
            count,
            shape,
            first_line,
            self._delimiters,
            reader,
            self._separator,
            compact,
            templates=(key.removesuffix(b"\n"), *self._siblings.get(key, ())) if compiled else (),
            fallback=fallback,
        )

    def _one_new_shape(
        self, raw: bytes, shapes_raw: bytes, count: int, first_line: int
    ) -> list[Batch | tuple[int, str]] | None:
        """A small block whose lines all have one shape, other than the last block's: that
        shape is learned (once) and the block read as one batch. None for a block of mixed
        shapes (the per-line parser reads it)."""
        end = shapes_raw.find(b"\n")
        key = shapes_raw[:end]
        if shapes_raw[: end + 1] == self._current or shapes_raw != (key + b"\n") * count:
            return None
        self._forget_if_full()
        shape = self._shape(key, raw[: raw.find(b"\n")])
        batch = None if shape is None else self._load_as(key, raw, count, first_line)
        if batch is None:
            return None
        self._compare_with(key, shape)
        return [batch]

    def _compare_with(self, key: bytes, shape: Shape | None) -> None:
        """Make the learned shape ``key`` (``shape``) the one the next block is compared with."""
        self._current = key + b"\n"
        self._shapes[self._current] = shape
        self._compact[self._current] = self._compact.get(key)

    def _forget_if_full(self) -> None:
        """Forget every learned shape once there are more than ``MAX_SHAPES`` of them."""
        if len(self._shapes) > MAX_SHAPES:
            self._shapes.clear()
            self._compact.clear()
            self._siblings.clear()

    def _reader_for(self, shape: Shape) -> Reader:
        """The number reader for lines of ``shape``: the wide one past ``WIDE_COLUMNS``, and
        numpy for a polars reader's first ``polars_after`` bytes."""
        if len(shape.value_cols) > WIDE_COLUMNS:
            return self._wide_reader
        if self._reader == "polars" and self._bytes_seen <= self._polars_after:
            return "numpy"
        return self._reader

    def _around_odd_lines(
        self, raw: bytes, shapes_raw: bytes, count: int, first_line: int
    ) -> list[Batch | tuple[int, str]] | None:
        """A block whose lines have the previous block's shape but for a few: one batch when
        those few have the same columns (a number printed as ``1e-05`` instead of ``0.0001``),
        else batches around them and the odd lines for the per-line parser. None when there
        are too many odd lines or a batch fails (then the block is split into lines)."""
        current = self._current
        assert current is not None
        odd = _odd_lines(shapes_raw, current, count, MAX_ODD_LINES)
        if odd is None or self._shapes.get(current) is None:
            return None
        ends: np.ndarray | None = None
        apart: list[int] = []  # the odd lines that cannot join the batch
        for index, start, end in odd:
            key = shapes_raw[start:end]
            if key not in self._shapes:
                if ends is None:
                    ends = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 10)
                self._shape(key, _line_at(raw, ends, index))
            if not self._same_columns(key, current):
                apart.append(index)
            else:
                self._note_sibling(current, key)
        if len(self._shapes) > MAX_SHAPES:
            return None
        if not apart:
            batch = self._load_as(current, raw, count, first_line)
            return None if batch is None else [batch]
        if ends is None:
            ends = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 10)
        return self._runs_between(raw, ends, apart, count, first_line)

    def _runs_between(
        self, raw: bytes, ends: np.ndarray, apart: list[int], count: int, first_line: int
    ) -> list[Batch | tuple[int, str]] | None:
        """Batches of the lines between the lines ``apart`` (those as text), in file order;
        None when a run long enough to batch fails to load."""
        current = self._current
        assert current is not None
        out: list[Batch | tuple[int, str]] = []
        a = 0
        for stop in [*apart, count]:
            if stop - a >= MIN_RUN_LINES:
                start = 0 if a == 0 else int(ends[a - 1]) + 1
                chunk = raw[start : int(ends[stop - 1]) + 1]
                batch = self._load_as(current, chunk, stop - a, first_line + a)
                if batch is None:
                    return None
                out.append(batch)
            else:
                out.extend(_text_lines(raw, ends, a, stop, first_line))
            if stop < count:
                out.extend(_text_lines(raw, ends, stop, stop + 1, first_line))
            a = stop + 1
        return out if any(isinstance(p, Batch) for p in out) else None

    def _note_sibling(self, key: bytes, other: bytes) -> None:
        """Remember that lines of shape ``other`` read into the columns of ``key``."""
        known = self._siblings.get(key, ())
        other = other.removesuffix(b"\n")
        if other not in known and len(known) < MAX_SIBLINGS:
            self._siblings[key] = (*known, other)

    def _same_columns(self, key: bytes, other: bytes) -> bool:
        """Lines of the learned shapes ``key`` and ``other`` read into the same columns."""
        a, b = self._shapes.get(key), self._shapes.get(other)
        if a is None or b is None or self._compact.get(key) != self._compact.get(other):
            return False
        return _same_layout(a, b)

    def _shape(self, key: bytes, example: bytes) -> Shape | None:
        """The columns of a shape, learned once from an example line (None: not batchable)."""
        if key not in self._shapes:
            shape = self._learn_shape(example.decode("utf-8", errors="replace"))
            self._shapes[key] = shape
            if shape is not None:
                self._compact[key] = _compact_cols(example, shape, self._delimiters)
        return self._shapes[key]

    def _pieces(
        self, lines: list[bytes], shapes: list[bytes], first_line: int
    ) -> list[Batch | tuple[int, str]]:
        """Every run of consecutive lines with the same columns, long enough, becomes a batch.

        The lines of a run may differ in shape where only a number's notation differs
        (``kl_loss=999`` then ``kl_loss=1.01e+03``): each shape is read on its own and the
        rows go back in file order.
        """
        out: list[Batch | tuple[int, str]] = []
        shape_ids, run_keys, known, keys = self._line_keys(lines, shapes)
        starts = np.flatnonzero(run_keys[1:] != run_keys[:-1]) + 1
        for a, b in itertools.pairwise([0, *starts.tolist(), len(lines)]):
            batch = None
            if b - a >= MIN_RUN_LINES and run_keys[a] >= 0:
                batch = self._run(lines, shape_ids[a:b], known, keys, a, first_line)
                if batch is not None:
                    # The run's most common shape is what the next block is compared with.
                    top = int(np.bincount(shape_ids[a:b]).argmax())
                    self._compare_with(
                        shapes[a + int(np.argmax(shape_ids[a:b] == top))], known[top]
                    )
            if batch is not None:
                out.append(batch)
            else:
                out.extend(
                    (first_line + i, lines[i].decode("utf-8", errors="replace"))
                    for i in range(a, b)
                    if lines[i].strip()
                )
        return out

    def _line_keys(
        self, lines: list[bytes], shapes: list[bytes]
    ) -> tuple[np.ndarray, np.ndarray, list[Shape | None], list[bytes]]:
        """Per line: the id of its shape, and the id of its columns (-1: not batchable);
        and per shape id, its learned columns and the shape itself.

        Only shapes seen ``MIN_SHAPE_LINES`` times in the block are learned, so a block of
        one-off lines costs no learning.
        """
        counts = Counter(shapes)
        distinct = list(counts)
        if len(distinct) <= MAX_SCAN_SHAPES:  # the usual few: compared as numpy strings
            table = np.array(shapes)
            shape_ids = np.zeros(len(shapes), dtype=np.int64)
            for sid, s in enumerate(distinct[1:], 1):
                shape_ids[table == s] = sid
        else:
            index = {s: i for i, s in enumerate(distinct)}
            shape_ids = np.array([index[s] for s in shapes], dtype=np.int64)
        known: list[Shape | None] = []
        columns: dict[tuple, int] = {}
        key_of = np.full(len(distinct), -1, dtype=np.int64)
        for sid, s in enumerate(distinct):
            shape = self._shape(s, lines[shapes.index(s)]) if counts[s] >= MIN_SHAPE_LINES else None
            known.append(shape)
            if shape is not None:
                key = (shape.names, shape.epoch_col is None, shape.numbered)
                key_of[sid] = columns.setdefault(key, len(columns))
        self._forget_if_full()
        return shape_ids, key_of[shape_ids], known, distinct

    def _run(
        self,
        lines: list[bytes],
        ids: np.ndarray,
        known: list[Shape | None],
        keys: list[bytes],
        a: int,
        first_line: int,
    ) -> Batch | None:
        """One batch of the lines from ``a`` whose shape ids are ``ids`` (same columns), each
        shape read on its own; None if any of them fails."""
        count = ids.size
        # The shape ids present, ascending (ids are small and >= 0). Not ``np.unique``: it
        # imports ``numpy.ma`` (~25 ms), which the first screen would wait for.
        unique = np.flatnonzero(np.bincount(ids))
        if unique.size == 1:
            shape = known[int(unique[0])]
            assert shape is not None
            joined = b"\n".join(lines[a : a + count])
            return _load(
                joined,
                count,
                shape,
                first_line + a,
                self._delimiters,
                self._reader_for(shape),
                self._separator,
                templates=(keys[int(unique[0])],),
            )
        present = [known[sid] for sid in unique.tolist()]
        head = present[0]
        assert head is not None
        if all(other is not None and _same_layout(head, other) for other in present[1:]):
            # Shapes that differ only in how a number is written: the compiled reader reads
            # the run at once, in file order.
            batch = _load(
                b"\n".join(lines[a : a + count]),
                count,
                head,
                first_line + a,
                self._delimiters,
                self._reader_for(head),
                self._separator,
                templates=tuple(keys[sid] for sid in unique.tolist()),
                fallback=False,
            )
            if batch is not None:
                return batch
        parts: list[tuple[np.ndarray, Batch]] = []
        for sid in unique.tolist():
            rows = np.flatnonzero(ids == sid)
            shape = known[sid]
            assert shape is not None
            picked = [lines[i] for i in (rows + a).tolist()]
            part = _load(
                b"\n".join(picked),
                rows.size,
                shape,
                1,
                self._delimiters,
                self._reader_for(shape),
                self._separator,
                templates=(keys[sid],),
            )
            if part is None:
                return None
            parts.append((rows, part))
        return _merge(parts, count, first_line + a)


def _same_layout(a: Shape, b: Shape) -> bool:
    """Lines of shapes ``a`` and ``b`` hold the same records in the same tokens."""
    return (a.step_col, a.epoch_col, a.value_cols, a.names, a.numbered, a.key_tokens) == (
        b.step_col,
        b.epoch_col,
        b.value_cols,
        b.names,
        b.numbered,
        b.key_tokens,
    ) and a.exact_keys == b.exact_keys


def _merge(parts: list[tuple[np.ndarray, Batch]], count: int, first_line: int) -> Batch:
    """Batches of the same columns, each with its rows' places, as one batch in file order."""
    head = parts[0][1]
    steps = np.empty(count)
    values = np.empty((count, head.values.shape[1]), order="F")
    epochs = None if head.epochs is None else np.empty(count)
    for rows, part in parts:
        steps[rows] = part.steps
        values[rows] = part.values
        if epochs is not None and part.epochs is not None:
            epochs[rows] = part.epochs
    return Batch(
        steps=steps,
        lines=np.arange(first_line, first_line + count, dtype=np.int64),
        epochs=epochs,
        names=head.names,
        values=values,
        numbered=head.numbered,
    )


def _load(
    raw: bytes,
    count: int,
    shape: Shape,
    first_line: int,
    delimiters: bytes = _DELIMITERS,
    reader: Reader = "numpy",
    separator: bytes | None = None,
    compact: tuple[int, ...] | None = None,
    templates: tuple[bytes, ...] = (),
    fallback: bool = True,
) -> Batch | None:
    """Parse ``count`` lines of one shape as columns; None if any line fails.

    ``compact``: the same columns counted among the tokens left when key letters are deleted
    too (``_compact_cols``); then the reader reads those fewer bytes. ``templates``: the shape
    itself and any others with the same columns, for the compiled reader (``vaetui.core.native``),
    which is tried first; ``fallback=False``: it alone reads (None when it refuses), and it is
    what checks that each line has one of those shapes.
    """
    cols = (shape.step_col, *((shape.epoch_col,) if shape.epoch_col is not None else ()))
    cols = (*cols, *shape.value_cols)
    if any(raw.count(key) != per_line * count for key, per_line in shape.exact_keys):
        return None
    table: np.ndarray | bool | None = False
    if templates and _natively_readable(raw, shape, separator):
        table = native.read_shape(raw, count, templates, delimiters, cols)
        if table is None:
            table = False
    if table is False and not fallback:
        return None
    if table is False and separator is not None and reader == "polars" and not shape.key_tokens:
        table = read_separated(raw, count, cols, separator)
    if table is False and compact is not None and not shape.key_tokens:
        table = read_columns(raw.translate(delimiters, _KEY_LETTERS), count, compact, reader)
    if table is False:
        data = raw.translate(delimiters)
        if shape.key_tokens:
            tokens = data.split()
            width = len(tokens) // count
            if width * count != len(tokens):
                return None
            if any(tokens[i::width].count(key) != count for i, key in shape.key_tokens):
                return None
        table = read_columns(data, count, cols, reader)
    if table is None or table is True or table is False:
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


def _natively_readable(raw: bytes, shape: Shape, separator: bytes | None) -> bool:
    """Whether the compiled reader may read lines of ``shape`` (it is there, and no check
    it does not make is needed: tokens that must equal a key, or CSV cells that may be empty).

    A CSV line whose first cells are all filled has a token per cell, and a line of the same
    shape with an empty cell has a token fewer, which the reader refuses; when the first line
    has an empty cell, which cell of a later line is empty is left to polars to check.
    """
    if not native.available() or shape.key_tokens:
        return False
    if separator is None:
        return True
    end = raw.find(b"\n")
    first = raw if end < 0 else raw[:end]
    return b"" not in first.split(separator)


def _compact_cols(
    example: bytes, shape: Shape, delimiters: bytes = _DELIMITERS
) -> tuple[int, ...] | None:
    """The shape's step, epoch and value columns among the tokens that deleting
    ``_KEY_LETTERS`` leaves of ``example`` (one of the shape's lines); None when one of those
    tokens would lose a byte (``nan``, ``inf``, a glued unit).

    Lines of one shape share every byte but digits, signs and dots, so the tokens left are the
    same in each of them, and a number token that keeps its bytes in the example keeps them
    in every line.
    """
    tokens = example.translate(delimiters).split()
    kept: list[int | None] = []
    n = 0
    for token in tokens:
        if token.translate(None, _KEY_LETTERS):
            kept.append(n)
            n += 1
        else:
            kept.append(None)
    cols = (shape.step_col, *(() if shape.epoch_col is None else (shape.epoch_col,)))
    out: list[int] = []
    for col in (*cols, *shape.value_cols):
        if col >= len(tokens) or tokens[col].translate(None, _KEY_LETTERS) != tokens[col]:
            return None
        index = kept[col]
        assert index is not None
        out.append(index)
    return tuple(out)


def _odd_lines(
    shapes: bytes, line: bytes, count: int, limit: int
) -> list[tuple[int, int, int]] | None:
    """The lines of ``shapes`` (``count`` line shapes, newline-ended) other than ``line`` (a
    shape with its newline): ``(line index, start, end)`` each; None past ``limit`` of them.

    Runs of equal lines are found by comparing whole runs of bytes (``memcmp``), galloping, so
    a block with a few odd lines costs a few passes over its shapes, not a list of lines.
    """
    width = len(line)
    expected = memoryview(line * count)
    odd: list[tuple[int, int, int]] = []
    pos = index = 0
    while pos < len(shapes):
        same = _matching_lines(shapes, pos, expected, width, count - index)
        index += same
        pos += same * width
        if pos >= len(shapes):
            break
        if len(odd) == limit:
            return None
        end = shapes.find(b"\n", pos) + 1
        odd.append((index, pos, end))
        index += 1
        pos = end
    return odd


def _matching_lines(shapes: bytes, pos: int, expected: memoryview, width: int, rest: int) -> int:
    """How many lines from byte ``pos`` of ``shapes`` equal the expected line (at most
    ``rest``): galloping, then halving, with one prefix comparison per step."""
    if shapes.startswith(expected[: rest * width], pos):
        return rest
    lo, hi = 0, 1
    while hi < rest and shapes.startswith(expected[: hi * width], pos):
        lo, hi = hi, hi * 2
    hi = min(hi, rest)  # lo lines match, hi lines do not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if shapes.startswith(expected[: mid * width], pos):
            lo = mid
        else:
            hi = mid
    return lo


def _line_at(raw: bytes, ends: np.ndarray, index: int) -> bytes:
    """Line ``index`` of ``raw`` (without its newline), ``ends`` being its newlines' offsets."""
    return raw[0 if index == 0 else int(ends[index - 1]) + 1 : int(ends[index])]


def _text_lines(
    raw: bytes, ends: np.ndarray, a: int, b: int, first_line: int
) -> list[tuple[int, str]]:
    """Lines ``a`` to ``b`` (excluded) of ``raw`` for the per-line parser, blank ones left out."""
    out = []
    for i in range(a, b):
        text = _line_at(raw, ends, i)
        if text.strip():
            out.append((first_line + i, text.decode("utf-8", errors="replace")))
    return out


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
