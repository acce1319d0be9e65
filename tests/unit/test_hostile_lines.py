"""No line stops the reader: hostile lines between good ones are skipped, the good all counted."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaetui.core.guard import skip_reason
from vaetui.core.options import RunOptions
from vaetui.core.run import Run

#: Each test runs with the compiled readers and without them (``tests/unit/conftest.py``).
pytestmark = pytest.mark.usefixtures("readers")

NEST = 20_000

#: Lines that once broke a parser or could: deep nesting, numbers no float holds, bad bytes.
HOSTILE_KV = [
    b'{"a":' * NEST + b"1" + b"}" * NEST,
    b"[" * NEST + b"]" * NEST,
    b"x=" + b"9" * 20_000,
    b"grad=1e999999 lr=-1e-999999",
    b"\xff\xfe\xed\xa0\x80 \x00\x00 bad bytes = \xc3",
    b"weight: 0x" + b"f" * 5000,
    b"step",
    b"=" * 3000 + b":" * 3000,
    "épsilon=１２３ naïve: ∞".encode(),
]
HOSTILE_JSON = [
    b'{"a":' * NEST + b"1" + b"}" * NEST,
    b'{"x": [' + b"[" * NEST + b"]" * NEST + b"]}",
    b'{"big": ' + b"9" * 20_000 + b"}",
    b'{"grad": 1e999999}',
    b'{"grad": "\\ud800"}',
    b"{\xff\xfe}",
    b'{"a": {"b": {"c": NaN}}, "d": -Infinity}',
    b"{" * 5000,
]


def _kv(step: int) -> bytes:
    return f"step {step} loss=0.5 rec_loss=0.01 kl_loss={300 + step % 7}\n".encode()


def _json(step: int) -> bytes:
    return (
        json.dumps({"step": step, "loss": 0.5, "rec_loss": 0.01, "kl_loss": 300}) + "\n"
    ).encode()


def _read(data: bytes, chunk: int, fmt: str = "auto") -> Run:
    run = Run("hostile", RunOptions(fmt=fmt))
    for i in range(0, len(data), chunk):
        run.feed(data[i : i + chunk])
    run.finish()
    return run


def _check_every_good_line(run: Run, good_steps: list[int]) -> None:
    snap = run.snapshot()
    kl = snap.history["kl_loss"]
    assert sorted(kl.steps.tolist()) == sorted(float(s) for s in good_steps)
    assert snap.records >= len(good_steps)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.lists(st.one_of(st.none(), st.sampled_from(range(len(HOSTILE_KV)))), max_size=30),
    chunk=st.sampled_from([7, 4096, 1 << 20]),
)
def test_hostile_lines_between_good_key_value_lines(plan: list[int | None], chunk: int) -> None:
    out, steps = [_kv(0)], [0]
    for item in plan:
        if item is None:
            steps.append(steps[-1] + 1)
            out.append(_kv(steps[-1]))
        else:
            out.append(HOSTILE_KV[item] + b"\n")
    _check_every_good_line(_read(b"".join(out), chunk), steps)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.lists(st.one_of(st.none(), st.sampled_from(range(len(HOSTILE_JSON)))), max_size=30),
    chunk=st.sampled_from([13, 4096, 1 << 20]),
)
def test_hostile_lines_between_good_json_lines(plan: list[int | None], chunk: int) -> None:
    out, steps = [_json(0)], [0]
    for item in plan:
        if item is None:
            steps.append(steps[-1] + 1)
            out.append(_json(steps[-1]))
        else:
            out.append(HOSTILE_JSON[item] + b"\n")
    _check_every_good_line(_read(b"".join(out), chunk), steps)


def test_a_deeply_nested_line_is_skipped_with_its_reason() -> None:
    data = _json(1) + HOSTILE_JSON[0] + b"\n" + _json(2)
    snap = _read(data, 1 << 20).snapshot()
    assert snap.records == 2
    assert snap.skipped_lines == 1
    assert snap.skip_reasons == {"nested too deeply": 1}


def test_a_huge_integer_is_inf_not_a_lost_line() -> None:
    data = _json(1) + b'{"step": 2, "kl_loss": 300, "grad": ' + b"9" * 5000 + b"}\n"
    snap = _read(data, 1 << 20).snapshot()
    assert snap.records == 2
    assert snap.metrics["grad"].last == float("inf")


def test_skip_reasons_are_plain_words() -> None:
    assert skip_reason(RecursionError()) == "nested too deeply"
    assert skip_reason(OverflowError()) == "number out of range"
    assert skip_reason(UnicodeDecodeError("utf-8", b"", 0, 1, "x")) == "cannot be decoded"
    assert skip_reason(KeyError("k")) == "parser error (KeyError)"
