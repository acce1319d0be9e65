"""The vectorised fast path (``vaetui.core.formats.fastkv``) must give exactly what the per-line
parser gives: same records, values, segments, events (in the same order), verdicts."""

from __future__ import annotations

import json

import pytest

import vaetui.core.formats.fastkv as fastkv
from vaetui.core.run import Run
from vaetui.simulate import SCENARIOS, log_chunks


def _snapshot(data: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setattr(fastkv, "MIN_BLOCK_BYTES", 64 << 10 if fast else 1 << 62)
    run = Run("train.log")
    for i in range(0, len(data), 1 << 20):
        run.feed(data[i : i + (1 << 20)])
    run.finish()
    return json.loads(json.dumps(run.snapshot().to_json()))


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
