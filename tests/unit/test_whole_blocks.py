"""Whole-block reads of CSV rows and JSON lines: one polars call per block, the same records as
row by row, and the blocks they must leave to the shape path."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaetui.core.formats import fastkv
from vaetui.core.formats.base import parse_number
from vaetui.core.formats.columns import read_fields
from vaetui.core.formats.csvlog import CsvParser, _whole_number
from vaetui.core.formats.fastcsv import csv_fast_path
from vaetui.core.formats.fastjson import JsonFastPath
from vaetui.core.formats.fastkv import Batch
from vaetui.core.formats.jsonl import JsonLinesParser
from vaetui.core.lines import TextBlock

#: Each test runs with the compiled readers and without them (``tests/unit/conftest.py``).
pytestmark = pytest.mark.usefixtures("readers")

HEADER = ["step", "epoch", "loss", "kl"]


def _block(text: str, first_line: int = 2) -> TextBlock:
    raw = text.encode("utf-8")
    return TextBlock(None, first_line, raw, raw.count(b"\n"))


def _csv_rows(n: int, cell=lambda i: f"{0.1 * i!r}") -> str:
    return "".join(f"{10 * i},{i // 50},{cell(i)},{1e-5 * i!r}\n" for i in range(1, n + 1))


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastkv, "MIN_BLOCK_BYTES", 0)


def _per_row(cell: str) -> float | None:
    """What the CSV row rules read from one cell (None: no value)."""
    text = cell.strip()
    if not text or text.upper() == "NA" or not _whole_number(text):
        return None
    return parse_number(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789.+-eEnaifNAIFty_x ", min_size=1, max_size=7))
def test_a_cell_polars_reads_is_the_number_the_row_rules_read(cell: str) -> None:
    table = read_fields(f"{cell},1\n".encode(), 1, 2, [0], b",")
    if table is None:
        return  # not read as a number: the block goes to the shape path
    want = _per_row(cell)
    assert want is not None, cell
    got = float(table[0, 0])
    assert got == want or (math.isnan(got) and math.isnan(want)), cell


def test_full_rows_are_one_batch_with_the_row_values() -> None:
    fast = csv_fast_path(HEADER)
    text = _csv_rows(300, cell=lambda i: "1e-05" if i % 7 else "0.5")
    pieces = fast.split(_block(text))
    assert pieces is not None and len(pieces) == 1
    batch = pieces[0]
    assert isinstance(batch, Batch)
    assert batch.names == ("loss", "kl")
    assert batch.lines.tolist() == list(range(2, 302))
    assert batch.steps.tolist() == [10.0 * i for i in range(1, 301)]
    assert batch.epochs is not None and batch.epochs.tolist() == [i // 50 for i in range(1, 301)]
    assert batch.values[6].tolist() == [0.5, 1e-5 * 7]


@pytest.mark.parametrize(
    "odd",
    ["", "NA", "2024-01-02", '"0.5"', "loss", "1.2.3", "0x10"],
    ids=["empty", "NA", "date", "quoted", "header-like", "two-points", "hex"],
)
def test_a_row_the_whole_read_cannot_take_leaves_the_block_to_the_rows(odd: str) -> None:
    rows = _csv_rows(200, cell=lambda i: odd if i == 120 else f"{0.1 * i!r}")
    text = "step,epoch,loss,kl\n" + rows
    whole = CsvParser()
    whole_records = whole.parse(_block(text, 1))
    fast = csv_fast_path(HEADER)
    assert fast._whole(_block(rows)) is None
    assert _flatten(whole_records) == _flatten(_row_by_row(CsvParser(), text))


def test_a_row_of_nan_and_inf_is_left_to_the_rows() -> None:
    fast = csv_fast_path(["loss", "kl"])
    text = "".join(f"{0.1 * i!r},{i}\n" for i in range(100)) + "nan,inf\n"
    assert fast._whole(_block(text)) is None


def test_csv_without_a_step_column_numbers_the_rows() -> None:
    text = "epoch,loss\n" + "".join(f"{i // 10},{0.5 + i}\n" for i in range(100))
    records = CsvParser().parse(_block(text, 1))
    assert _flatten(records) == _flatten(_row_by_row(CsvParser(), text))
    assert any(isinstance(r, Batch) and r.numbered for r in records)


def _json_lines(n: int) -> str:
    lines = []
    for i in range(1, n + 1):
        g = 1.5e-05 * i if i % 9 == 0 else 0.0  # the notation changes: another shape
        lines.append(json.dumps({"step": 10 * i, "epoch": i // 40, "loss": 1 / i, "g_loss": g}))
    return "\n".join(lines) + "\n"


def _json_path() -> JsonFastPath:
    return JsonLinesParser()._fast


def test_json_lines_of_one_key_order_are_one_batch_across_notations() -> None:
    text = _json_lines(300)
    pieces = _json_path().split(_block(text))
    assert pieces is not None and len(pieces) == 1 and isinstance(pieces[0], Batch)
    records = JsonLinesParser().parse(_block(text))
    assert _flatten(records) == _flatten(_line_by_line(text))


@pytest.mark.parametrize(
    "odd",
    [
        '{"step": 5, "loss": "high"}',
        '{"step": 5, "epoch": 0, "loss": 1.0, "g_loss": 0.0, "extra": 2}',
        '{"step":5,"epoch":0,"loss":1.0,"g_loss":0.0}',
        '{"epoch": 0, "step": 5, "loss": 1.0, "g_loss": 0.0}',
        "not json at all",
    ],
    ids=["string", "extra-key", "compact", "key-order", "text"],
)
def test_a_json_line_of_other_keys_leaves_the_block_to_the_shape_runs(odd: str) -> None:
    lines = _json_lines(200).splitlines()
    lines[100] = odd
    text = "\n".join(lines) + "\n"
    assert _json_path()._whole(_block(text)) is None
    assert _flatten(JsonLinesParser().parse(_block(text))) == _flatten(_line_by_line(text))


def test_compact_json_is_read_by_the_shape_runs() -> None:
    text = "".join(
        json.dumps({"step": i, "loss": 0.5 / i}, separators=(",", ":")) + "\n"
        for i in range(1, 200)
    )
    assert _json_path()._whole(_block(text)) is None
    assert _flatten(JsonLinesParser().parse(_block(text))) == _flatten(_line_by_line(text))


def _row_by_row(parser: CsvParser, text: str) -> list:
    out: list = []
    for i, line in enumerate(text.splitlines(), 1):
        out.extend(parser.parse(TextBlock(line + "\n", i)))
    return out


def _line_by_line(text: str) -> list:
    parser = JsonLinesParser()
    out: list = []
    for i, line in enumerate(text.splitlines(), 2):
        out.extend(parser.parse(TextBlock(line + "\n", i)))
    return out


def _flatten(records: list) -> list[tuple]:
    """(line, step or None when numbered, epoch, [(name, repr(value))]) per record."""
    rows: list[tuple] = []
    for r in records:
        if isinstance(r, Batch):
            for i in range(r.steps.size):
                epoch = None if r.epochs is None else float(r.epochs[i])
                values = [(n, repr(float(v))) for n, v in zip(r.names, r.values[i])]
                step = float(np.float64(r.steps[i]))
                rows.append((int(r.lines[i]), step, epoch, values))
        else:
            values = [(n, repr(float(v))) for n, v in r.values.items()]
            rows.append((r.line, r.step, r.epoch, values))
    return rows
