"""Step counters however a log names and prints them, and when they start over."""

from __future__ import annotations

import pytest

from vaetui.core.options import RunOptions
from vaetui.core.run import Run


def _snap(text: str):
    run = Run("counters", RunOptions())
    run.feed(text.encode())
    run.finish()
    return run.snapshot()


@pytest.mark.parametrize("step_name", ["_step", "global_step", "Global Step", "iteration", "Step"])
def test_a_csv_step_column_is_the_step_whatever_its_name(step_name: str) -> None:
    rows = [f"{step_name},train/loss,train/kl_loss"]
    rows += [f"{s},{0.5 - s / 1e5},{300 + s % 7}" for s in range(100, 5100, 100)]
    rows += [f"{s},{0.5 - s / 1e5},{300 + s % 7}" for s in range(100, 1100, 100)]  # a rerun
    snap = _snap("\n".join(rows) + "\n")
    assert snap.records == 60
    assert snap.first_step == 100 and snap.last_step == 1000
    assert snap.segments == 2


def test_a_csv_epoch_column_is_the_epoch_whatever_its_case() -> None:
    rows = ["Epoch,loss,kl_loss"] + [f"{e},{1 / e},{300 + e}" for e in range(1, 31)]
    snap = _snap("\n".join(rows) + "\n")
    assert snap.epoch == 30 and "epoch" not in snap.metrics


def _counted(ends: list[int], total: int = 1000, every: int = 10) -> str:
    lines = []
    for end in ends:
        for n in range(every, end + 1, every):
            lines.append(f"Iteration {n}/{total} - loss: {0.5 - n / 1e4:.4f} - kl_loss: 300")
    return "\n".join(lines) + "\n"


def test_a_counter_that_starts_over_after_its_end_is_the_next_epoch() -> None:
    snap = _snap(_counted([1000, 1000, 400]))
    assert snap.segments == 1
    assert snap.last_step is not None and 2400 <= snap.last_step <= 2402  # N: count or index


def test_a_counter_that_starts_over_short_of_its_end_is_a_rerun() -> None:
    snap = _snap(_counted([430, 1000]))
    assert snap.segments == 2
    assert snap.last_step == 1000


@pytest.mark.parametrize("container", ["hparams", "config", "args"])
def test_a_setting_nested_in_its_container_keeps_its_name(container: str) -> None:
    lines = [
        f'{{"step": {s}, "train": {{"loss": 0.05, "kl_loss": 400}}, '
        f'"{container}": {{"kl_weight": 0.0001, "lr": 0.001}}}}'
        for s in range(10, 1010, 10)
    ]
    snap = _snap("\n".join(lines) + "\n")
    assert {"kl_weight", "lr", "kl_loss", "total_loss"} <= set(snap.metrics)
    assert snap.verdict("kl_share").level != "n/a"  # type: ignore[union-attr]
