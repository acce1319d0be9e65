"""The columnar paths give what the per-record path gives, in every format, on any input.

A log read with the fast paths (lines of one set of columns read as batches by
``vaetui.core.formats.columns``) and the same log read record by record must give the same
snapshot: records, skip counts, segments, events in order, verdicts, and every history point
(NaN and inf kept). The shared generated logs cover the formats as trainers write them; the
property tests mix shapes, notations, NaN, blank and garbage lines and cut the bytes anywhere.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import vaetui.core.formats.fastkv as fastkv
from tests.support.paths import GENERATED
from vaetui.core import native
from vaetui.core.formats import columns, text
from vaetui.core.formats.fastkv import Batch
from vaetui.core.reader import RecordReader
from vaetui.core.run import Run


@pytest.fixture(autouse=True, scope="module")
def _numpy_and_polars_read() -> Iterator[None]:
    """These tests are about the two slower number readers: the compiled one stays off."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(native, "_native", None)
        yield


def _read(data: bytes, name: str, fast: bool, cuts: list[int], mp: pytest.MonkeyPatch) -> Run:
    """A run fed ``data`` cut at ``cuts``, with the fast paths on (tiny blocks, short runs)
    or off."""
    mp.setattr(fastkv, "MIN_BLOCK_BYTES", 0 if fast else 1 << 62)
    mp.setattr(fastkv, "MIN_RUN_LINES", 8 if fast else fastkv.MIN_RUN_LINES)
    if not fast:  # nor small blocks of one shape
        mp.setattr(fastkv, "MIN_SMALL_BLOCK_LINES", 1 << 62)
    return _fed(Run(name), data, cuts)


def _read_as_live(data: bytes, name: str, cuts: list[int], mp: pytest.MonkeyPatch) -> Run:
    """A run fed a first block big enough to learn shapes, then small reads of a few lines
    each, as a followed log arrives (the small-block path of ``FastPath.split``)."""
    mp.setattr(fastkv, "MIN_BLOCK_BYTES", 2048)
    mp.setattr(fastkv, "MIN_RUN_LINES", 8)
    mp.setattr(fastkv, "MIN_SMALL_BLOCK_LINES", 4)
    reads = [*cuts, *range(4096, len(data), 900)]
    return _fed(Run(name), data, reads)


def _fed(run: Run, data: bytes, cuts: list[int]) -> Run:
    """``run`` fed ``data`` cut at ``cuts``, then finished."""
    start = 0
    for cut in sorted(set(cuts)):
        if 0 < cut < len(data):
            run.feed(data[start:cut])
            start = cut
    run.feed(data[start:])
    run.finish()
    return run


def _picture(run: Run) -> tuple[dict, dict]:
    """The snapshot as JSON, and every history point (NaN and inf kept as such).

    Zero's sign is not compared: JSON's integer ``-0`` is 0 record by record, ``-0.0`` in a
    column (the shape cannot tell ``-0`` from ``-0.0``); both are equal numbers.
    """
    snap = run.snapshot()
    history = {
        name: [
            np.asarray(series.steps).astype(np.float64).tolist(),
            [repr(v) for v in np.asarray(series.values).astype(np.float64).tolist()],
            np.asarray(series.segments).astype(np.float64).tolist(),
        ]
        for name, series in snap.history.items()
    }
    for points in history.values():
        points[1] = ["0.0" if v == "-0.0" else v for v in points[1]]
    return json.loads(json.dumps(snap.to_json())), history


#: Failing examples are reported as drawn: shrinking a log of hundreds of lines takes minutes.
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def _agree(data: bytes, name: str, cuts: list[int]) -> dict:

    with pytest.MonkeyPatch.context() as mp:
        fast = _picture(_read(data, name, True, cuts, mp))
    with pytest.MonkeyPatch.context() as mp:
        slow = _picture(_read(data, name, False, [], mp))
    with pytest.MonkeyPatch.context() as mp:
        small = _picture(_read_as_live(data, name, cuts, mp))
    assert _same(fast[0], slow[0]), _difference(fast[0], slow[0])
    assert fast[1] == slow[1]
    assert _same(small[0], slow[0]), _difference(small[0], slow[0])
    assert small[1] == slow[1]
    return fast[0]


def _difference(a: object, b: object, path: str = "") -> str:
    """Where two JSON values first differ (for the failure message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a.keys() | b.keys():
            if not _same(a.get(k), b.get(k)):
                return _difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if not _same(x, y):
                return _difference(x, y, f"{path}[{i}]")
    return f"{path}: fast {a!r:.300} != per record {b!r:.300}"


def _same(a: object, b: object) -> bool:
    """Equal JSON, but for a float's last bits: a spike's EMA (and what is read from it) is
    summed in another order over a column than point by point. Texts, counts, steps and
    every history point must match exactly."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-12) or (a != a and b != b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _generated_logs() -> list[Path]:
    if not GENERATED.is_dir():
        return []
    suffixes = {".log", ".jsonl", ".csv"}
    return sorted(p for p in GENERATED.rglob("*") if p.is_file() and p.suffix in suffixes)


@pytest.mark.parametrize("path", _generated_logs(), ids=lambda p: str(p.relative_to(GENERATED)))
def test_generated_logs_read_the_same_both_ways(path: Path) -> None:
    data = path.read_bytes()
    cuts = [len(data) // 3, len(data) // 3 + 1, 2 * len(data) // 3 + 7]
    snap = _agree(data, path.name, cuts)
    assert snap["records"] > 0


def test_the_generated_logs_are_there() -> None:
    if not GENERATED.is_dir():
        pytest.skip(f"the shared generated logs are not at {GENERATED}")
    assert len(_generated_logs()) >= 20


# -- random mixes -------------------------------------------------------------------------

_VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-5, 9.9e-05, 1e300, 5e-324]),
)
#: How a trainer may print a number: repr, short, fixed, exponent.
_STYLES = st.sampled_from(["{!r}", "{:.5g}", "{:.3f}", "{:.2e}", "{:.3g}"])
_JUNK = st.sampled_from(
    [
        "",
        "   ",
        "Epoch 3 done",
        "loss=oops",
        "step 5 loss=",
        "# comment",
        "WARNING: something happened",
        "step x loss=1",
        "{not json",
        "a,b,,c",
    ]
)


def _number(value: float, style: str) -> str:
    if not math.isfinite(value):
        return {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan")
    return style.format(value)


@st.composite
def _mixed_lines(draw: st.DrawFn, fmt: str) -> str:
    """Many records of a few shapes, numbers in changing notation, junk lines between."""
    keys = draw(
        st.lists(
            st.sampled_from(["loss", "rec_loss", "kl_loss", "lr", "m1", "m2"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    rows = draw(st.integers(20, 300))
    out: list[str] = []
    if fmt == "csv":
        out.append(",".join(["step", *keys]))
    step = draw(st.integers(0, 5))
    for _ in range(rows):
        if draw(st.integers(0, 15)) == 0:
            out.append(draw(_JUNK))
            continue
        if draw(st.integers(0, 40)) == 0:
            step = max(step - draw(st.integers(1, 50)), 0)  # a restart
        step += draw(st.integers(1, 3))
        style = draw(_STYLES)
        vals = {k: _number(draw(_VALUES), style) for k in keys}
        if fmt == "kv":
            out.append(f"step {step} " + " ".join(f"{k}={v}" for k, v in vals.items()))
        elif fmt == "logging":
            pairs = " | ".join(f"{k}: {v}" for k, v in vals.items())
            out.append(f"2026-01-01 10:00:00,000 INFO train: step {step} | {pairs}")
        elif fmt == "jsonl":
            body = ", ".join(
                f'"{k}": {v if math.isfinite(float(v)) else "NaN"}' for k, v in vals.items()
            )
            out.append(f'{{"step": {step}, {body}}}')
        else:
            out.append(",".join([str(step), *vals.values()]))
    return "\n".join(out) + draw(st.sampled_from(["\n", "", "\n\n"]))


@pytest.mark.parametrize("fmt", ["kv", "logging", "jsonl", "csv"])
@settings(
    max_examples=25,
    deadline=None,
    phases=_NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_mixes_read_the_same_both_ways(fmt: str, data: st.DataObject) -> None:
    text = data.draw(_mixed_lines(fmt)).encode()
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=6))
    name = {"kv": "train.log", "logging": "train.log", "jsonl": "m.jsonl", "csv": "m.csv"}[fmt]
    _agree(text, name, cuts)


@settings(
    max_examples=25, deadline=None, phases=_NO_SHRINK, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    values=st.lists(_VALUES, min_size=2, max_size=30),
    style=_STYLES,
    cuts=st.lists(st.integers(0, 400_000), max_size=5),
)
def test_random_tqdm_bars_read_the_same_both_ways(values, style, cuts) -> None:
    parts = []
    for i in range(1, 2000):
        v = _number(values[i % len(values)], "{:.3g}" if i % 7 else style)
        fill = "█" * (i % 10) + " " * (10 - i % 10)
        parts.append(f"\rtrain: {i % 100:3d}%|{fill}| {i}/9999 [00:01<00:02, 3.1it/s, loss={v}]")
    _agree(("".join(parts) + "\n").encode(), "train.log", cuts)


# -- the number readers -------------------------------------------------------------------

_TOKENS = st.one_of(
    _VALUES.map(repr),
    _VALUES.map(lambda v: _number(v, "{:.3e}")),
    st.sampled_from(["1.", ".5", "+1", "-0", "1E5", "00012", "Infinity", "-nan", "NaN"]),
)
_BAD = st.sampled_from(["1.2.3", "--1", "-", ".", "1e", "e5", "nan.0", "1_0", "0x10", ""])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(_TOKENS, min_size=3, max_size=3), min_size=1, max_size=40))
def test_both_number_readers_read_what_float_reads(rows: list[list[str]]) -> None:
    data = "\n".join(f"a {x} b {y} {z}" for x, y, z in rows).encode()
    want = np.array([[float(x), float(z)] for x, _y, z in rows])
    for reader in ("numpy", "polars"):
        got = columns.read_columns(data, len(rows), [1, 4], reader)
        assert got is not None
        assert np.array_equal(got, want, equal_nan=True)
        numbers = ~np.isnan(want)
        assert np.array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]))  # -0.0


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.lists(_TOKENS, min_size=2, max_size=2), min_size=2, max_size=20),
    bad=_BAD,
    at=st.integers(0, 19),
)
def test_a_token_that_is_not_a_number_fails_the_whole_table(rows, bad, at) -> None:
    rows[at % len(rows)][1] = bad
    data = "\n".join(f"k {x} v {y}" for x, y in rows).encode()
    assert columns.read_columns(data, len(rows), [1, 3], "polars") is None
    if bad not in ("", "1_0"):  # loadtxt: a short line; float's digit separators
        assert columns.read_columns(data, len(rows), [1, 3], "numpy") is None


def _items(data: bytes, reader: columns.Reader, mp: pytest.MonkeyPatch) -> list[tuple]:
    """Every record and batch a text log gives with one number reader, as plain values."""
    mp.setattr(fastkv, "MIN_BLOCK_BYTES", 0)
    mp.setattr(fastkv, "MIN_RUN_LINES", 8)
    mp.setattr(text, "POLARS_AFTER_BYTES", 0)  # polars from the first byte, not after 32 MB
    source = RecordReader(number_reader=reader)
    items = source.feed(data) + source.finish()
    out: list[tuple] = []
    for item in items:
        if isinstance(item, Batch):
            out.append(
                (
                    item.names,
                    item.steps.tolist(),
                    item.lines.tolist(),
                    None if item.epochs is None else item.epochs.tolist(),
                    [repr(v) for v in item.values.ravel().tolist()],
                )
            )
        else:
            out.append((item.step, item.line, repr(item.values), item.epoch, item.continues))
    return out


def _text_logs() -> list[Path]:
    return [p for p in _generated_logs() if p.suffix == ".log"]


@pytest.mark.parametrize("path", _text_logs(), ids=lambda p: str(p.relative_to(GENERATED)))
def test_text_logs_read_the_same_with_either_number_reader(path: Path) -> None:
    """A live run reads text lines with numpy, a one-shot read with polars: the same items."""
    data = path.read_bytes()
    with pytest.MonkeyPatch.context() as mp:
        by_numpy = _items(data, "numpy", mp)
    with pytest.MonkeyPatch.context() as mp:
        tables: list[int] = []
        read_polars = columns._read_polars
        mp.setattr(
            columns, "_read_polars", lambda *a, **k: tables.append(1) or read_polars(*a, **k)
        )
        by_polars = _items(data, "polars", mp)
    assert by_numpy == by_polars
    if any(isinstance(item[0], tuple) for item in by_polars):  # batches: polars read them
        assert tables


def test_most_text_logs_are_read_in_batches() -> None:
    """The comparison above is between the number readers, not between two per-line reads."""
    logs = _text_logs()
    if not logs:
        pytest.skip(f"the shared generated logs are not at {GENERATED}")
    with pytest.MonkeyPatch.context() as mp:
        batched = [
            p
            for p in logs
            if any(isinstance(i[0], tuple) for i in _items(p.read_bytes(), "polars", mp))
        ]
    assert len(batched) >= len(logs) // 2


def test_a_one_shot_read_takes_polars_after_its_first_megabytes_and_not_for_wide_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """polars' import pays off on a big log only, and its memory grows with a table's columns."""
    used: list[str] = []
    read_polars, read_loadtxt = columns._read_polars, columns._read_loadtxt
    monkeypatch.setattr(
        columns, "_read_polars", lambda *a: used.append("polars") or read_polars(*a)
    )
    monkeypatch.setattr(
        columns, "_read_loadtxt", lambda *a: used.append("numpy") or read_loadtxt(*a)
    )
    monkeypatch.setattr(text, "POLARS_AFTER_BYTES", 200_000)
    narrow = b"".join(
        b"step %d loss=0.%d kl=%d.5\n" % (i, i % 97, i % 13) for i in range(1, 30_000)
    )
    source = RecordReader(number_reader="polars")
    for start in range(0, len(narrow), 100_000):
        source.feed(narrow[start : start + 100_000])
    assert used[:2] == ["numpy", "numpy"] and set(used[3:]) == {"polars"}
    used.clear()
    keys = " ".join(f"m{k}=%d.25" for k in range(fastkv.WIDE_COLUMNS + 1))
    wide = "".join(f"step {i} {keys % ((i,) * (fastkv.WIDE_COLUMNS + 1))}\n" for i in range(1, 400))
    source = RecordReader(number_reader="polars")
    source.feed(b"x=1\n" * 60_000)  # past the first bytes
    used.clear()
    source.feed(wide.encode())
    assert used and set(used) == {"numpy"}
    used.clear()
    live = RecordReader(number_reader="numpy")
    live.feed(narrow)
    assert used and set(used) == {"numpy"}


def test_small_reads_of_the_known_shape_are_batched(monkeypatch: pytest.MonkeyPatch) -> None:
    """A followed log arrives a few lines at a time: a read of a few lines of one shape is a
    batch (the shape learned once), a read of mixed shapes or of too few lines line by line."""
    monkeypatch.setattr(fastkv, "MIN_BLOCK_BYTES", 64 << 10)
    lines = [b"step %d loss=0.%d kl=%d.5 lr=1e-04\n" % (i, i % 97, i % 13) for i in range(1, 5000)]
    source = RecordReader(number_reader="numpy")
    first = b"".join(lines[:3000])
    assert len(first) >= fastkv.MIN_BLOCK_BYTES
    assert any(isinstance(i, Batch) for i in source.feed(first))
    small = b"".join(lines[3000:3040])
    assert len(small) < fastkv.MIN_BLOCK_BYTES
    items = source.feed(small)
    assert len(items) == 1 and isinstance(items[0], Batch) and items[0].steps.size == 40
    few = b"".join(lines[3040 : 3040 + fastkv.MIN_SMALL_BLOCK_LINES - 1])
    assert not any(isinstance(i, Batch) for i in source.feed(few))  # too few to batch
    other = [b"step %d val_loss=0.5 val_kl=3\n" % i for i in range(6000, 6040)]
    items = source.feed(b"".join(other))  # a new shape: learned, then batched
    assert (
        len(items) == 1 and isinstance(items[0], Batch) and items[0].names == ("val_loss", "val_kl")
    )
    mixed = b"".join(x for pair in zip(lines[3100:3120], other) for x in pair)
    assert not any(isinstance(i, Batch) for i in source.feed(mixed))
