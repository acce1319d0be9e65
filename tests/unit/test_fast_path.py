"""The vectorised fast path (``vaetui.core.formats.fastkv``) must give exactly what the per-line
parser gives: same records, values, segments, events (in the same order), verdicts."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import vaetui.core.formats.fastkv as fastkv
from tests.support.parity import close, run_picture
from vaetui.simulate import SCENARIOS, log_chunks


def _snapshot(
    data: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch, block: int = 64 << 10
) -> dict:
    return run_picture(data, fast, monkeypatch, block=block)


def _log(scenario: str, fmt: str, steps: int) -> bytes:
    return "".join(log_chunks(scenario=scenario, steps=steps, fmt=fmt)).encode()


@pytest.mark.parametrize("fmt", ["kv", "logging"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fast_path_equals_per_line_parsing(
    scenario: str, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _log(scenario, fmt, steps=60_000)
    fast = _snapshot(data, True, monkeypatch)
    slow = _snapshot(data, False, monkeypatch)
    assert fast == slow
    assert fast["records"] >= 6000


def test_keys_that_differ_only_in_digits_are_kept_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "".join(
        f"step {i} loss=0.5 rec_loss=0.1 kl_loss=300 loss_d{i % 3}=0.{i % 7 + 1}\n"
        for i in range(1, 6000)
    ).encode()
    fast = _snapshot(lines, True, monkeypatch)
    assert fast == _snapshot(lines, False, monkeypatch)
    assert {"loss_d0", "loss_d1", "loss_d2"} <= fast["metrics"].keys()


def test_values_switching_notation_stay_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # lr crosses 1e-4, where Python switches from 0.0001 to 9.9e-05.
    lines = "".join(
        f"step {i} loss=0.15 rec_loss=0.007 kl_loss=500 lr={2e-4 * (1 - i / 8000)!r}\n"
        for i in range(1, 8000)
    ).encode()
    assert _snapshot(lines, True, monkeypatch) == _snapshot(lines, False, monkeypatch)


# -- every columnar path: JSON lines, tqdm refreshes, CSV rows ------------------------------


def _csv_log(scenario: str, steps: int, step_column: bool = True) -> bytes:
    """A CSV metrics file of a simulated run (``CSVLogger`` style: ``str(float)`` cells).

    Every metric the run logs is a column; a record that does not log one leaves its cell
    empty, as Lightning's ``metrics.csv`` does when two optimisers log at different calls.
    """
    from vaetui.simulate.curves import LOGGED_NAME, generate_records

    records = list(generate_records(scenario, steps, 0, 10))
    keys = list(dict.fromkeys(k for rec in records for k in rec if k not in ("step", "epoch")))
    head = (["step"] if step_column else []) + ["epoch", *(LOGGED_NAME.get(k, k) for k in keys)]
    rows = [",".join(head)]
    for rec in records:
        cells = [str(rec["step"])] if step_column else []
        cells += [str(rec["epoch"]), *(str(rec[k]) if k in rec else "" for k in keys)]
        rows.append(",".join(cells))
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize("fmt", ["jsonl", "tqdm"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_columnar_formats_equal_per_record_parsing(
    scenario: str, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _log(scenario, fmt, steps=60_000)
    fast = _snapshot(data, True, monkeypatch)
    assert fast == _snapshot(data, False, monkeypatch)
    assert fast["records"] >= 6000


@pytest.mark.parametrize("step_column", [True, False])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_csv_columns_equal_per_row_parsing(
    scenario: str, step_column: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _csv_log(scenario, 60_000, step_column)
    fast = _snapshot(data, True, monkeypatch)
    assert fast == _snapshot(data, False, monkeypatch)
    assert fast["format"] == "csv" and fast["records"] >= 6000


def _batches(data: bytes, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many column batches the fast path produced for ``data`` (it must be used)."""
    from vaetui.core.reader import RecordReader

    monkeypatch.setattr(fastkv, "MIN_BLOCK_BYTES", 64 << 10)
    reader = RecordReader()
    items = reader.feed(data) + reader.finish()
    return sum(isinstance(i, fastkv.Batch) for i in items)


@pytest.mark.parametrize("fmt", ["jsonl", "tqdm", "kv", "logging"])
def test_the_columnar_path_is_taken(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _batches(_log("healthy", fmt, steps=60_000), monkeypatch) >= 1


def test_the_csv_columnar_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _batches(_csv_log("healthy", 60_000), monkeypatch) >= 1


def test_a_header_seen_again_renames_the_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = ["step,loss,rec_loss,kl_loss"] + [f"{i},0.5,0.01,{300 + i % 7}" for i in range(3000)]
    rows += ["step,loss,rec_loss,kl_loss,lr"] + [f"{i},0.4,0.01,300,1e-4" for i in range(3000)]
    rows += [f"{i},,0.02,,1e-4" for i in range(3000, 6000)]
    data = ("\n".join(rows) + "\n").encode()
    fast = _snapshot(data, True, monkeypatch)
    assert fast == _snapshot(data, False, monkeypatch)
    assert "lr" in fast["metrics"]


def test_a_thousand_keys_that_differ_only_in_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    body = " ".join(f"m{j}=0.{j % 9 + 1}" for j in range(1000))
    lines = "".join(f"step {i} loss=0.5 rec_loss=0.1 kl_loss=300 {body}\n" for i in range(1, 300))
    swapped = lines.replace("m17=", "m71=", 1)  # one line with two keys swapped
    for data in (lines.encode(), swapped.encode()):
        assert _snapshot(data, True, monkeypatch) == _snapshot(data, False, monkeypatch)


# -- generated inputs ---------------------------------------------------------------------


_KEYS = st.sampled_from(["loss", "rec_loss", "kl_loss", "kl_weight", "lr", "m1", "m2", "d-w"])
#: Numbers as logs hold them (see the tqdm test for why magnitudes stay below ~1e12), and the
#: odd ones: big integers, NaN, infinities, the smallest subnormal.
_NUMBERS = st.one_of(
    st.floats(min_value=-(2.0**40), max_value=2.0**40, width=32),
    st.integers(-(10**12), 10**12),
    st.sampled_from([0.0, -0.0, 1e-05, 5e-324, math.nan, math.inf, -math.inf]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=st.lists(_KEYS, min_size=1, max_size=5, unique=True),
    rows=st.lists(st.lists(_NUMBERS, min_size=5, max_size=5), min_size=1, max_size=40),
    step_key=st.sampled_from(["step", "global_step", "iter"]),
    repeat=st.integers(64, 90),
)
# Two spikes of the same ratio but in their last bits (a column's EMA against a point-by-point
# one, values near 1e12 among zeros): the first is the worst either way.
@example(
    keys=["loss", "rec_loss", "kl_loss"],
    rows=[
        [0.0, 0.0, 723143884800.0, 0.0, 0.0],
        [0.0] * 5,
        [0.0] * 5,
        [0.0] * 5,
        [0.0, 0.0, -700353282048.0, 0.0, 0.0],
        [0.0, 0.0, 228779491328.0, 0.0, 0.0],
    ],
    step_key="step",
    repeat=64,
)
def test_generated_json_lines_agree(keys, rows, step_key, repeat) -> None:
    lines = []
    step = 0
    for r in range(repeat):
        for row in rows:
            step += 1 + (r % 3 == 0)
            obj = {step_key: step, **{k: row[i] for i, k in enumerate(keys)}}
            lines.append(json.dumps(obj))
    data = ("\n".join(lines) + "\n").encode()
    with pytest.MonkeyPatch.context() as mp:
        assert close(_snapshot(data, True, mp, block=1), _snapshot(data, False, mp))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.lists(
            st.one_of(_NUMBERS.map(str), st.sampled_from(["", "NA", "nan", " 1.5 "])),
            min_size=4,
            max_size=4,
        ),
        min_size=1,
        max_size=30,
    ),
    step_column=st.booleans(),
    repeat=st.integers(64, 90),
)
# A cell empty in the row a shape is learned from, filled in a later row of the same shape.
@example(
    rows=[["0.0", "0.0", "0.0", ""], ["0.0", "0.0", "0.0", "0.0"]], step_column=False, repeat=64
)
def test_generated_csv_rows_agree(rows, step_column, repeat) -> None:
    head = (["step"] if step_column else []) + ["epoch", "loss", "kl_loss", "m1"]
    lines = [",".join(head)]
    n = 0
    for _ in range(repeat):
        for row in rows:
            n += 1
            lines.append(",".join(([str(n)] if step_column else []) + row))
    data = ("\n".join(lines) + "\n").encode()
    with pytest.MonkeyPatch.context() as mp:
        assert close(_snapshot(data, True, mp, block=1), _snapshot(data, False, mp))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # Magnitudes a loss takes. Past ~1e15 the spike EMA of a column (closed form) and of
    # points one by one (a recursion) differ in the last bits, which messages then show.
    values=st.lists(
        st.one_of(
            st.floats(min_value=-(2.0**40), max_value=2.0**40, width=32),
            st.sampled_from([math.nan, math.inf, -math.inf]),
        ),
        min_size=2,
        max_size=40,
    ),
    zero_every=st.integers(0, 50),
    glue=st.booleans(),
)
def test_generated_tqdm_bars_agree(values, zero_every, glue) -> None:
    parts = []
    n = 0
    for i in range(3000):
        v = values[i % len(values)]
        n = 0 if zero_every and i % (zero_every * 37 + 1) == 0 else n + 1
        fill = "█" * (n % 10) + " " * (10 - n % 10)
        parts.append(
            f"\rtrain: {n % 100:3d}%|{fill}| {n}/9999 [00:01<00:02, 3.1it/s, loss={v:.3g}]"
        )
        if glue and i == 1500:
            parts.append("model: VAE banner after a killed bar")
    data = ("".join(parts) + "\n").encode()
    with pytest.MonkeyPatch.context() as mp:
        assert close(_snapshot(data, True, mp, block=1), _snapshot(data, False, mp))
