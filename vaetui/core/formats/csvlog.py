"""CSV metric files (Lightning ``CSVLogger``, Keras ``CSVLogger``, hand-written writers), and
their kin: tab-separated tables and columns aligned with spaces under a header row.

The first row names the columns. Empty cells are missing values, not zeros. The step comes
from a ``step`` column, else the row number (restarting when the epoch goes back). A header row seen
again (a logger that rewrote the file with a new column) replaces the column names.
"""

from __future__ import annotations

import csv
import math
import re

import numpy as np

from vaetui.core.formats.base import Record, iter_segments, parse_number, table_cells
from vaetui.core.formats.fastcsv import CsvFastPath, csv_fast_path
from vaetui.core.formats.fastkv import Batch
from vaetui.core.lines import TextBlock
from vaetui.core.metrics import clean_key

_IDENT = re.compile(r"^\s*[A-Za-z_][\w./ ()-]*\s*$")


#: Column names that count training steps, in order of preference (``_step``: W&B exports).
_STEP_COLUMNS = ("step", "global_step", "trainer_global_step", "iteration", "iter", "steps", "it")
_EPOCH_COLUMNS = ("epoch", "epochs", "ep")


def counter_columns(columns: list[str]) -> list[str]:
    """``columns`` with the step counter named ``step`` and the epoch ``epoch``, however the
    header writes them (``_step``, ``Global Step``, ``iteration``, ``Epoch``)."""
    out = list(columns)
    cleaned = [clean_key(c) for c in columns]
    for canonical, names in (("step", _STEP_COLUMNS), ("epoch", _EPOCH_COLUMNS)):
        if canonical in out:
            continue
        found = next((cleaned.index(n) for n in names if n in cleaned), None)
        if found is not None:
            out[found] = canonical
    return out


def looks_like_header(cells: list[str]) -> bool:
    """A header row: at least two cells, every one a name."""
    return len(cells) >= 2 and all(_IDENT.match(c) for c in cells)


#: Format names by cell delimiter; a space stands for any run of whitespace (aligned columns).
TABLE_FORMATS = {",": "csv", "\t": "tsv", " ": "table"}


def split_cells(line: str, delimiter: str) -> list[str]:
    """The cells of one row: CSV quoting for commas and tabs, ``table_cells`` for tables."""
    if delimiter == " ":
        return table_cells(line)
    return next(csv.reader([line], delimiter=delimiter), [])


class CsvParser:
    """Parser for metric rows under a header, separated by ``delimiter``: a comma, a tab, or
    a space for columns aligned by runs of whitespace."""

    def __init__(self, rank: int | None = None, delimiter: str = ",") -> None:
        self._delimiter = delimiter
        self.name = TABLE_FORMATS[delimiter]
        self.reset()

    def reset(self) -> None:
        self._columns: list[str] | None = None
        self._fast: CsvFastPath | None = None
        self._row_index = 0
        self._last_epoch: float | None = None

    def parse(self, block: TextBlock) -> list[Record | Batch]:
        """Records of a block: runs of same-shape rows as batches, the rest row by row.

        A header row changes the columns, so the text after it starts over with them.
        """
        out: list[Record | Batch] = []
        rest: TextBlock | None = block
        while rest is not None:
            current, rest = rest, None
            pieces = self._fast.split(current) if self._fast is not None else None
            if pieces is None:
                # Lines with \r refreshes stay row by row: restarting works on whole lines.
                stop = "\r" not in current.text
                header = self._rows(iter_segments(current), out, stop)
                if header is not None:
                    rest = _after(current, header)
                continue
            for piece in pieces:
                if isinstance(piece, Batch):
                    out.extend(self._batch(piece, current))
                    continue
                header = self._rows([piece], out)
                if header is not None:
                    rest = _after(current, header)
                    break
        return out

    def _rows(self, segments, out: list[Record | Batch], stop: bool = True) -> int | None:
        """Row by row into ``out``; with ``stop``, stop after a header row, return its line."""
        for line, seg in segments:
            cells = split_cells(seg, self._delimiter)
            if not cells:
                continue
            if looks_like_header(cells):
                self._columns = counter_columns([c.strip() for c in cells])
                self._fast = csv_fast_path(self._columns, self._delimiter)
                if stop:
                    return line
                continue
            if self._columns is None:
                continue
            rec = self._row(cells, line)
            if rec is not None:
                out.append(rec)
        return None

    def _batch(self, batch: Batch, block: TextBlock) -> list[Record | Batch]:
        """A run of same-shape rows, or its rows one by one where the row rules differ."""
        epochs = batch.epochs
        ok = bool(np.isfinite(batch.steps).all()) and (
            epochs is None or bool(np.isfinite(epochs).all())
        )
        if ok and batch.numbered and epochs is not None:
            last = self._last_epoch
            ok = not (np.any(np.diff(epochs) < 0) or (last is not None and epochs[0] < last))
        if not ok:
            text = block.text.split("\n")
            out: list[Record | Batch] = []
            self._rows(((n, text[n - block.first_line]) for n in batch.lines.tolist()), out)
            return out
        if batch.numbered:
            n = batch.steps.size
            steps = np.arange(self._row_index, self._row_index + n, dtype=np.float64)
            self._row_index += n
            batch = Batch(steps, batch.lines, epochs, batch.names, batch.values, numbered=True)
        if epochs is not None:
            self._last_epoch = float(epochs[-1])
        return [batch]

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
        numbered = step is None
        if step is None:
            # No step column: number the rows, starting over when the epoch goes back
            # (a restarted run appending to the same file).
            if epoch is not None and self._last_epoch is not None and epoch < self._last_epoch:
                self._row_index = 0
            step = float(self._row_index)
            self._row_index += 1
        if epoch is not None:
            self._last_epoch = epoch
        return Record(step, line, values, epoch, numbered=numbered)


def _after(block: TextBlock, line: int) -> TextBlock | None:
    """The part of ``block`` after physical line ``line`` (None when nothing follows)."""
    lines = block.text.split("\n")[line - block.first_line + 1 :]
    if not any(lines):
        return None
    return TextBlock("\n".join(lines), line + 1)


def _whole_number(cell: str) -> bool:
    """True when the cell is only a number (not a date like 2024-01-02)."""
    return parse_number(cell) is not None and not re.search(r"\d[-/:]\d", cell)
