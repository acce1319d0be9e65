"""CSV metric rows, column-wise: the header once, then runs of rows as numpy columns.

Rows with the same cells filled in share one *shape* (see :mod:`~vaetui.core.formats.fastkv`:
the row with its numeric characters removed, here mostly commas), so a run of them is read
by ``numpy.loadtxt`` a column at a time instead of ``csv.reader`` and ``float`` per cell. The
columns of a shape are learned from one example row under the current header and checked
against the per-row rules of :mod:`~vaetui.core.formats.csvlog`; anything else (quotes, ``NA``,
``nan``, dates, a header seen again) goes row by row.
"""

from __future__ import annotations

import re

from vaetui.core.formats.base import parse_number
from vaetui.core.formats.fastkv import FastPath, Shape

#: Commas (and tabs) become spaces before ``numpy.loadtxt``.
CSV_DELIMITERS = bytes.maketrans(b",\t", b"  ")
#: A cell the fast path can column: a plain decimal number, nothing else.
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
#: Columns that are not metrics: the step, the epoch, a timestamp.
_NOT_METRICS = ("step", "epoch", "created_at")


def csv_fast_path(columns: list[str], delimiter: str = ",") -> FastPath:
    """A :class:`FastPath` for rows under the header ``columns``, cells split by ``delimiter``."""
    return FastPath(lambda line: learn_csv_shape(line, columns, delimiter), CSV_DELIMITERS)


def learn_csv_shape(line: str, columns: list[str], delimiter: str = ",") -> Shape | None:
    """Columns of a row of plain numbers under ``columns``, or None (read it row by row)."""
    if '"' in line or "\r" in line or (delimiter != "," and "," in line):
        return None
    cells = line.split() if delimiter == " " else line.split(delimiter)
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
