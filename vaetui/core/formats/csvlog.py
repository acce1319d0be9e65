"""CSV metric files (Lightning ``CSVLogger``, Keras ``CSVLogger``, hand-written writers).

The first row names the columns. Empty cells are missing values, not zeros. The step comes
from a ``step`` column, else the row number (restarting when the epoch goes back). A header row seen
again (a logger that rewrote the file with a new column) replaces the column names.
"""

from __future__ import annotations

import csv
import math
import re

from vaetui.core.formats.base import Record, iter_segments, parse_number
from vaetui.core.lines import TextBlock

_IDENT = re.compile(r"^\s*[A-Za-z_][\w./ ()-]*\s*$")


def looks_like_header(cells: list[str]) -> bool:
    """A header row: at least two cells, every one a name."""
    return len(cells) >= 2 and all(_IDENT.match(c) for c in cells)


class CsvParser:
    """Parser for comma-separated metric rows under a header."""

    name = "csv"

    def __init__(self, rank: int | None = None) -> None:
        self.reset()

    def reset(self) -> None:
        self._columns: list[str] | None = None
        self._row_index = 0
        self._last_epoch: float | None = None

    def parse(self, block: TextBlock) -> list[Record]:
        out: list[Record] = []
        for line, seg in iter_segments(block):
            cells = next(csv.reader([seg]), [])
            if not cells:
                continue
            if looks_like_header(cells):
                self._columns = [c.strip() for c in cells]
                continue
            if self._columns is None:
                continue
            rec = self._row(cells, line)
            if rec is not None:
                out.append(rec)
        return out

    def _row(self, cells: list[str], line: int) -> Record | None:
        assert self._columns is not None
        values: dict[str, float] = {}
        for name, cell in zip(self._columns, cells):
            cell = cell.strip()
            if not cell or cell.upper() == "NA":
                continue
            number = parse_number(cell)
            if number is not None and _whole_number(cell):
                values[name] = number
        step = values.pop("step", None)
        epoch = values.pop("epoch", None)
        if step is not None and not math.isfinite(step):
            step = None
        if epoch is not None and not math.isfinite(epoch):
            epoch = None
        values.pop("created_at", None)
        if not values:
            return None
        if step is None:
            # No step column: number the rows, starting over when the epoch goes back
            # (a restarted run appending to the same file).
            if epoch is not None and self._last_epoch is not None and epoch < self._last_epoch:
                self._row_index = 0
            step = float(self._row_index)
            self._row_index += 1
        if epoch is not None:
            self._last_epoch = epoch
        return Record(step, line, values, epoch)


def _whole_number(cell: str) -> bool:
    """True when the cell is only a number (not a date like 2024-01-02)."""
    return parse_number(cell) is not None and not re.search(r"\d[-/:]\d", cell)
