"""Metric tables read alike however their cells are separated: commas, tabs, or columns
aligned with spaces under a header row."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vaetui.core.formats import sniff
from vaetui.core.formats.base import Record
from vaetui.core.formats.csvlog import CsvParser
from vaetui.core.formats.fastkv import Batch
from vaetui.core.lines import TextBlock
from vaetui.core.options import RunOptions
from vaetui.core.run import Run

#: Each test runs with the compiled readers and without them (``tests/unit/conftest.py``).
pytestmark = pytest.mark.usefixtures("readers")

COLUMNS = ("step", "loss", "rec_loss", "kl_loss", "kl_weight")


def _rows(n: int = 300) -> list[list[str]]:
    rows = []
    for i in range(1, n + 1):
        kl = 500 + 2000 * math.exp(-i / 30)
        rec = 0.008 + 0.05 * math.exp(-i / 20)
        cells = [str(i * 10), f"{rec + 1e-4 * kl:.6g}", f"{rec:.6g}", f"{kl:.6g}", "0.0001"]
        if i == 120:
            cells[3] = ""  # a missing value
        if i == 200:
            cells[1] = "nan"
        rows.append(cells)
    return rows


def _table(delimiter: str, rows: list[list[str]]) -> bytes:
    if delimiter == " ":  # right-aligned columns, as a print with a format width writes them
        lines = ["".join(f"{c:>14}" for c in row) for row in [list(COLUMNS), *rows]]
    else:
        lines = [delimiter.join(COLUMNS)] + [delimiter.join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _read(data: bytes, fmt: str = "auto") -> Run:
    run = Run("table", RunOptions(fmt=fmt))
    for i in range(0, len(data), 4096):  # chunk boundaries anywhere
        run.feed(data[i : i + 4096])
    run.finish()
    return run


def test_sniff_tells_tab_separated_from_comma_separated() -> None:
    rows = _rows(2)
    assert sniff(_table("\t", rows).decode()) == "tsv"
    assert sniff(_table(",", rows).decode()) == "csv"
    assert sniff("step\tloss\n") is None  # the header waits for its first row
    assert sniff("step 10\tloss=0.5\n") == "kv"
    aligned = _table(" ", rows).decode()
    assert sniff("Training a VAE with latent 32\n" + aligned) == "table"
    assert sniff("epoch 1 step 10 loss 0.5\nepoch 1 step 20 loss 0.4\n") == "kv"


@pytest.mark.parametrize(
    ("delimiter", "fmt", "name"),
    [("\t", "auto", "tsv"), ("\t", "tsv", "tsv"), (" ", "auto", "table"), (" ", "table", "table")],
)
def test_a_table_reads_as_its_csv_twin(delimiter: str, fmt: str, name: str) -> None:
    rows = _rows()
    if delimiter == " ":  # an aligned table has no empty cell: a missing value is written nan
        rows = [[c or "nan" for c in r] for r in rows]
    tsv = _read(_table(delimiter, rows), fmt).snapshot()
    csv = _read(_table(",", rows)).snapshot()
    assert tsv.format == name and csv.format == "csv"
    assert tsv.records == csv.records == len(rows)
    assert tsv.history.keys() == csv.history.keys()
    for name, series in tsv.history.items():
        other = csv.history[name]
        np.testing.assert_array_equal(series.steps, other.steps)
        np.testing.assert_array_equal(series.values, other.values)
    assert [(v.id, v.level) for v in tsv.criteria] == [(v.id, v.level) for v in csv.criteria]
    assert tsv.verdict("divergence").level == "bad"  # type: ignore[union-attr]


def _ruled(style: str, rows: list[list[str]]) -> bytes:
    """A printed table: Markdown's (``| a | b |`` under ``|---|---|``) or box drawing's."""
    cells = [list(COLUMNS), *([c or "nan" for c in r] for r in rows)]
    if style == "markdown":
        lines = ["| " + " | ".join(f"{c:>10}" for c in row) + " |" for row in cells]
        lines.insert(1, "|" + "|".join(":" + "-" * 10 + ":" for _ in COLUMNS) + "|")
    else:
        lines = ["┃ " + " ┃ ".join(f"{c:>10}" for c in cells[0]) + " ┃"]
        lines.append("┡" + "╇".join("━" * 12 for _ in COLUMNS) + "┩")
        lines += ["│ " + " │ ".join(f"{c:>10}" for c in row) + " │" for row in cells[1:]]
        lines.append("└" + "┴".join("─" * 12 for _ in COLUMNS) + "┘")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("style", ["markdown", "box"])
@pytest.mark.parametrize("count", [300, 5000], ids=["rows", "blocks"])
def test_a_ruled_table_reads_as_its_csv_twin(style: str, count: int) -> None:
    """``| 10 | 0.05 |`` rows (Markdown, tabulate, rich) are an aligned table: the rules and
    the horizontal lines are no cells, and big blocks of them take the columnar path."""
    rows = [[c or "nan" for c in r] for r in _rows(count)]
    ruled = _read(_ruled(style, rows)).snapshot()
    csv = _read(_table(",", rows)).snapshot()
    assert ruled.format == "table" and ruled.records == csv.records == len(rows)
    for name, series in csv.history.items():
        np.testing.assert_array_equal(ruled.history[name].steps, series.steps)
        np.testing.assert_array_equal(ruled.history[name].values, series.values)
    assert [(v.id, v.level) for v in ruled.criteria] == [(v.id, v.level) for v in csv.criteria]


def test_tsv_rows_of_one_shape_are_read_as_columns() -> None:
    parser = CsvParser(delimiter="\t")
    assert parser.parse(TextBlock("\t".join(COLUMNS) + "\n", 1)) == []
    rows = [r for r in _rows(5000) if all(c and c != "nan" for c in r)]  # a block of 64 KB+
    text = "\n".join("\t".join(r) for r in rows) + "\n"
    items = parser.parse(TextBlock(text, 2))
    assert any(isinstance(i, Batch) for i in items)
    assert sum(i.steps.size if isinstance(i, Batch) else 1 for i in items) == len(rows)
    assert all(isinstance(i, (Batch, Record)) for i in items)


def test_markdown_rows_of_one_shape_are_read_as_columns() -> None:
    parser = CsvParser(delimiter=" ")
    assert parser.parse(TextBlock("| step | rec_loss | kl_loss |\n|---|---|---|\n", 1)) == []
    text = "".join(
        f"| {i * 10:6d} | {0.01 + i * 1e-6:.6f} | {500 + i / 100:.3f} |\n" for i in range(1, 5000)
    )
    items = parser.parse(TextBlock(text, 3))
    assert len(items) == 1 and isinstance(items[0], Batch) and items[0].steps.size == 4999
    assert items[0].names == ("rec_loss", "kl_loss") and items[0].steps[-1] == 49990
