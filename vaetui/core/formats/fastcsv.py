"""CSV metric rows, column-wise: the header once, then runs of rows as numpy columns.

Rows with the same cells filled in share one *shape* (see :mod:`~vaetui.core.formats.fastkv`:
the row with its numeric characters removed, here mostly commas), so a run of them is read
by polars a column at a time (see :mod:`~vaetui.core.formats.columns`) instead of
``csv.reader`` and ``float`` per cell. The
columns of a shape are learned from one example row under the current header and checked
against the per-row rules of :mod:`~vaetui.core.formats.csvlog`; anything else (quotes, ``NA``,
``nan``, dates, a header seen again) goes row by row.

Before that, a block whose rows all fill every cell is read whole, as written: polars parses
every cell under the header as a number in one call (no shapes, no translation). Any cell it
does not read as a number (a header row, a date, ``NA``), an empty cell, or a row of another
width sends the block to the shape path. The cells polars reads as numbers are numbers the
per-row rules read the same (``tests/unit/test_fastcsv.py`` compares them).
"""

from __future__ import annotations

import re

import numpy as np

from vaetui.core.formats import fastkv
from vaetui.core.formats.base import parse_number, table_cells
from vaetui.core.formats.columns import read_fields
from vaetui.core.formats.fastkv import Batch, FastPath, Shape
from vaetui.core.lines import TextBlock

#: Commas (and tabs) become spaces before the columns are read.
CSV_DELIMITERS = bytes.maketrans(b",\t", b"  ")
#: An aligned table's cells are split by whitespace and Markdown's ``|`` rules too.
TABLE_DELIMITERS = bytes.maketrans(b",\t|", b"   ")
#: A cell the fast path can column: a plain decimal number, nothing else.
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: Columns that are not metrics: the step, the epoch, a timestamp.
_NOT_METRICS = ("step", "epoch", "created_at")


def csv_fast_path(columns: list[str], delimiter: str = ",") -> CsvFastPath:
    """A fast path for rows under the header ``columns``, cells split by ``delimiter``."""
    separator = delimiter.encode("ascii") if delimiter in (",", "\t") else None
    shapes = FastPath(
        lambda line: learn_csv_shape(line, columns, delimiter),
        TABLE_DELIMITERS if delimiter == " " else CSV_DELIMITERS,
        reader="polars",
        separator=separator,
    )
    return CsvFastPath(shapes, columns, separator)


class CsvFastPath:
    """Blocks of full rows read whole (see the module docstring), the rest by shapes."""

    def __init__(self, shapes: FastPath, columns: list[str], separator: bytes | None) -> None:
        self._shapes = shapes
        self._separator = separator
        self._width = len(columns)
        names = tuple(c for c in columns if c not in _NOT_METRICS)
        self._names = names
        self._numbered = "step" not in columns
        self._epochs = "epoch" in columns
        #: The cells read, in order: step (or the first metric, a placeholder), epoch, metrics.
        self._fields: list[int] | None = None
        if separator is not None and names and len(set(columns)) == len(columns):
            read = (names[0] if self._numbered else "step", *("epoch",) * self._epochs, *names)
            self._fields = [columns.index(c) for c in read]

    def split(self, block: TextBlock) -> list[Batch | tuple[int, str]] | None:
        """Batches and ``(line_number, text)`` leftovers in file order; None if unsuited."""
        whole = self._whole(block)
        return [whole] if whole is not None else self._shapes.split(block)

    def _whole(self, block: TextBlock) -> Batch | None:
        """Every row of the block as one batch, or None (then the shape path decides)."""
        raw = block.raw
        if self._fields is None or raw is None or len(raw) < fastkv.MIN_BLOCK_BYTES:
            return None
        if not raw.endswith(b"\n") or b"\r" in raw or b'"' in raw:
            return None
        count = block.newlines if block.newlines >= 0 else raw.count(b"\n")
        assert self._separator is not None
        table = read_fields(raw, count, self._width, self._fields, self._separator)
        # A row of nothing but nan/inf could be a header row again (``nan,inf``): rows.
        if table is None or not np.isfinite(table).any(axis=1).all():
            return None
        offset = 2 if self._epochs else 1
        return Batch(
            steps=table[:, 0].copy(),
            lines=np.arange(block.first_line, block.first_line + count, dtype=np.int64),
            epochs=table[:, 1].copy() if self._epochs else None,
            names=self._names,
            values=table[:, offset:],
            numbered=self._numbered,
        )


def learn_csv_shape(line: str, columns: list[str], delimiter: str = ",") -> Shape | None:
    """Columns of a row of plain numbers under ``columns``, or None (read it row by row)."""
    if '"' in line or "\r" in line or (delimiter != "," and "," in line):
        return None
    cells = table_cells(line) if delimiter == " " else line.split(delimiter)
    if len(cells) != len(columns):
        return None
    used: dict[str, int] = {}  # column name -> token index
    for name, cell in zip(columns, cells):
        text = cell.strip()
        if not text:
            continue
        if not _PLAIN_NUMBER.fullmatch(text) or name in used or parse_number(text) != float(text):
            return None
        used[name] = len(used)
    names = tuple(n for n in used if n not in _NOT_METRICS)
    if not names:
        return None
    numbered = "step" not in used
    return Shape(
        step_col=used["step"] if not numbered else used[names[0]],
        epoch_col=used.get("epoch"),
        value_cols=tuple(used[n] for n in names),
        names=names,
        numbered=numbered,
    )
