"""Numeric columns out of many lines of one shape, at C speed: the fast paths' one number reader.

The fast paths (:mod:`~vaetui.core.formats.fastkv` and the formats built on it) hand over a run
of lines that share one shape, their punctuation already turned into spaces, and the indices of
the whitespace tokens that hold numbers. This module returns those tokens as a float64 table, or
None when any of them is not a number as Python's ``float`` reads it (then the caller falls back
to the per-line parser, which decides).

Two readers, chosen by the format and by how the log is read (measured by
``benchmarks/bench_columns.py`` and ``benchmarks/bench_formats.py``):

* ``polars``' CSV reader for CSV rows and JSON lines always, and for text lines when a log is
  read once (``check``, ``profile learn``, a ``--reference`` run). Its ``fast-float`` parser
  is correctly rounded, as ``float`` is, and does not slow down on the 17 digits CSV and JSON
  writers print: 2.5x (JSON) to 5x (CSV) the MB per CPU second of ``loadtxt``, and about 5x on
  short text numbers (``loss=0.37001``), which halves a text log's whole read. The lines are
  split at single spaces, so name columns are never converted. Such a read still gives its
  first 32 MB and its wide lines (over 64 numbers) to numpy: see ``fastkv.POLARS_AFTER_BYTES``
  and ``fastkv.WIDE_COLUMNS``.
* ``numpy.loadtxt`` for text lines of a run that is followed (``tail``, ``check --follow``,
  ``export``): polars costs 30-50 MiB of memory once loaded, which a process kept open all day
  beside many runs, under the RSS budgets of ``tail``, should not pay for a faster first read.
  polars is imported the first time it is asked for, so such runs of text logs never load it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

Reader = Literal["numpy", "polars"]
_polars: Any = None


def read_columns(
    data: bytes, count: int, cols: Sequence[int], reader: Reader = "numpy"
) -> np.ndarray | None:
    """The tokens ``cols`` of each of ``count`` lines as a ``(count, len(cols))`` float64 table.

    ``data`` holds the lines (``\\n``-separated, a last newline optional), tokens separated by
    whitespace. None when a line has another number of tokens where it matters, or a selected
    token is not a number (``float`` rules: ``nan``, ``inf``, ``1e-5``, ``.5``, ``+1`` are).
    """
    if reader == "polars" and _load_polars() is not None:
        fields = _field_indices(data, cols)
        if fields is not None:
            return _read_polars(data, count, fields[0], fields[1])
    return _read_loadtxt(data, count, cols)


def read_separated(
    data: bytes, count: int, cols: Sequence[int], separator: bytes
) -> np.ndarray | bool | None:
    """As ``read_columns`` with polars, on lines as written: cells split at ``separator``
    (CSV's comma), ``cols`` counting the non-empty cells of the first line. Saves turning the
    separators into spaces first.

    False when that cannot be done (no polars, or whitespace in the first line besides the
    separator): then the caller turns separators into spaces and calls ``read_columns``.
    """
    if _load_polars() is None:
        return False
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    if not first.isascii() or any(w in first for w in (b" ", b"\t") if w != separator):
        return False
    fields = first.split(separator)
    cells = [i for i, f in enumerate(fields) if f]
    if any(c >= len(cells) for c in cols):
        return None
    # A cell empty in the first line must be empty in every line: a line that fills it has
    # the same shape (digits are deleted from shapes) but a value the columns would drop.
    empty = [i for i, f in enumerate(fields) if not f]
    return _read_polars(data, count, len(fields), [cells[c] for c in cols], separator, empty)


def read_fields(
    data: bytes, count: int, width: int, fields: Sequence[int], separator: bytes
) -> np.ndarray | None:
    """The cells ``fields`` of each of ``count`` lines of exactly ``width`` cells split at
    ``separator``, as a float64 table, read by polars; None when polars is missing, a line
    has another number of cells, or a selected cell is empty or not a number."""
    if _load_polars() is None:
        return None
    return _read_polars(data, count, width, list(fields), separator)


def _load_polars() -> Any:
    """The polars module, imported once; None when it cannot be (numpy reads instead)."""
    global _polars
    if _polars is None:
        try:
            import polars
        except ImportError:  # pragma: no cover - a dependency; stay correct without it
            _polars = False
        else:
            _polars = polars
    return _polars or None


def _field_indices(data: bytes, cols: Sequence[int]) -> tuple[int, list[int]] | None:
    """Fields per line and the single-space field index of each wanted token, from line one.

    Lines of one shape have the same spaces, so the first line's layout is every line's. None
    when the first line is not plain ASCII separated by spaces alone (then token and field
    indices could disagree).
    """
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    if not first.isascii():
        return None
    fields = first.split(b" ")
    tokens = [i for i, f in enumerate(fields) if f]
    if len(tokens) != len(first.split()) or any(c >= len(tokens) for c in cols):
        return None
    return len(fields), [tokens[c] for c in cols]


def _read_polars(
    data: bytes,
    count: int,
    width: int,
    fields: list[int],
    separator: bytes = b" ",
    empty: Sequence[int] = (),
) -> np.ndarray | None:
    """The ``fields`` of ``count`` lines of ``width`` cells as a float64 table; None unless
    every such cell is a number and every cell of ``empty`` is empty."""
    pl = _load_polars()
    unique = sorted(set(fields))
    wanted = set(unique)
    blank = [f"column_{i + 1}" for i in empty if i not in wanted]
    schema = {f"column_{i + 1}": pl.Float64 if i in wanted else pl.String for i in range(width)}
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            separator=separator.decode("ascii"),
            quote_char=None,
            comment_prefix=None,
            schema=schema,
            columns=[f"column_{i + 1}" for i in unique] + blank,
            raise_if_empty=False,
        )
    except Exception:  # a token that is not a number, a line of another width
        return None
    if frame.height != count:
        return None
    if blank:
        if any(n != count for n in frame.select(blank).null_count().row(0)):
            return None  # a cell the shape has empty holds something in some line
        frame = frame.drop(blank)
    if any(frame.null_count().row(0)):
        return None
    table = frame.to_numpy(order="fortran")
    index = [unique.index(f) for f in fields]  # the caller's order, repeats allowed
    return table if index == list(range(len(unique))) else table[:, index]


def _read_loadtxt(data: bytes, count: int, cols: Sequence[int]) -> np.ndarray | None:
    try:
        table = np.loadtxt(io.BytesIO(data), usecols=cols, dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        return None
    return table if table.shape[0] == count else None
