"""A log read live, piece by piece, reads as early and as steadily as the same log at once.

Progress-bar logs end their records with a bare ``\\r``: the format is chosen after a few such
records, not after 4 KB of text. A KL warm-up that a progress bar repeats one weight of
(the bar refreshed before its postfix) is still a warm-up. The steady-badge budget counts
changes from level to level, per segment.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tests.support.paths import GENERATED
from vaetui.core.options import RunOptions
from vaetui.core.phases import HOLD, detect
from vaetui.core.reader import RecordReader
from vaetui.core.run import Run
from vaetui.simulate.replay import Replay, SeenChange, pieces, replay_in_process

BAR = (
    "train:  {pct}%|#         | {step}/1000 [00:01<00:09, 99.0step/s, kl_loss={kl}, "
    "kl_weight={w}, loss={loss}, rec_loss={rec}]\r"
)


def _bar_records(n: int, start: int = 10) -> list[str]:
    return [
        BAR.format(pct=i // 10, step=i, kl=30 + i / 100, w=1e-4, loss=0.03, rec=0.02)
        for i in range(start, start + 10 * n, 10)
    ]


def test_progress_bar_format_is_chosen_after_a_few_refreshes() -> None:
    reader = RecordReader()
    items = []
    for record in ["epochs: 40 steps: 1000\n", *_bar_records(6)]:
        items.extend(reader.feed(record.encode()))
        if reader.format is not None:
            break
    assert reader.format is not None, "no format after six refreshes"
    assert items, "the records that waited for the format are parsed once it is known"


def test_progress_bar_run_shows_its_first_steps_live() -> None:
    data = ("".join(["model: tiny\n", *_bar_records(30)])).encode()
    run = Run("bar", RunOptions(live=True))
    for piece in list(pieces(data))[:8]:
        run.feed(piece)
    snap = run.snapshot()
    assert snap.records >= 5
    assert snap.last_step is not None and snap.last_step <= 70


@pytest.mark.skipif(not (GENERATED / "tqdm").is_dir(), reason="shared logs absent")
def test_generated_progress_bar_log_is_read_from_its_first_records() -> None:
    data = (GENERATED / "tqdm" / "healthy.log").read_bytes()
    replay = replay_in_process(data)
    first = min(c.read_step for c in replay.changes if c.read_step is not None)
    assert first <= 60


def test_a_repeated_weight_inside_a_ramp_is_still_warm_up() -> None:
    weights = np.array([0.0, 1e-5, 2e-5, 3e-5, 3e-5])  # the bar showed the last weight again
    steps = np.arange(weights.size, dtype=float) * 10
    schedule = detect(steps, weights)
    assert schedule.in_warmup
    held = np.concatenate([weights, np.full(HOLD, 3e-5)])
    ended = detect(np.arange(held.size, dtype=float) * 10, held)
    assert not ended.in_warmup and ended.warmup_end_step == 30.0


def _change(before: str | None, after: str, read: float, segment: int = 1) -> SeenChange:
    return SeenChange("kl_zone", before, after, read, None, read, "", segment)


def test_flaps_count_level_changes_after_each_segments_first_quarter() -> None:
    replay = Replay(spans={1: (0.0, 1000.0), 2: (0.0, 400.0)})
    replay.changes = [
        _change("pending", "watch", 600.0),  # a first reading: where judging begins
        _change("watch", "ok", 200.0),  # inside the first quarter
        _change("ok", "excellent", 700.0),  # counted
        _change("excellent", "ok", 100.0, segment=2),  # the rerun's own first quarter
        _change("ok", "excellent", 300.0, segment=2),  # counted: the run's length is 1000
    ]
    flaps = replay.flaps(0.25)
    assert [(c.after, c.read_step, c.segment) for c in flaps] == [
        ("excellent", 700.0, 1),
        ("excellent", 300.0, 2),
    ]


def _batch_levels(data: bytes) -> dict[str, str]:
    run = Run("batch", RunOptions())
    run.feed(data)
    run.finish()
    return {v.id: v.level for v in run.snapshot().criteria if v.id != "stall"}


@pytest.mark.skipif(not (GENERATED / "lightning").is_dir(), reason="shared logs absent")
@pytest.mark.parametrize("name", ["kl_explodes", "collapse"])
def test_a_finished_live_run_reads_as_check_reads_it(name: str) -> None:
    """Hysteresis keeps a live badge still; once the input is done it is judged afresh."""
    data = (GENERATED / "lightning" / f"{name}.stdout.log").read_bytes()
    replay = replay_in_process(data)
    assert replay.final is not None
    live = {v.id: v.level for v in replay.final.criteria if v.id != "stall"}
    assert live == _batch_levels(data)


def _kl_log(kl_at: Callable[[int], float], records: int = 150) -> bytes:
    lines = []
    for i in range(1, records + 1):
        kl = kl_at(i)
        rec = 0.012 + 0.03 * math.exp(-i / 15)
        lines.append(
            f"step={i * 10} loss={rec + 1e-4 * kl:.6g} rec_loss={rec:.6g} kl_loss={kl:.6g} "
            "kl_weight=0.0001"
        )
    return ("\n".join(lines) + "\n").encode()


def _kl_trend_levels(data: bytes) -> list[str]:
    replay = replay_in_process(data)
    return [c.after for c in replay.changes if c.criterion == "kl_trend"]


def test_kl_coming_down_from_its_early_high_into_the_band_is_not_an_alarm() -> None:
    levels = _kl_trend_levels(_kl_log(lambda i: 500 + 4000 * math.exp(-i / 12)))
    assert "watch" not in levels and "bad" not in levels, levels
    assert levels[-1] == "excellent", levels


def test_kl_falling_fast_from_inside_the_band_toward_collapse_is_watched() -> None:
    levels = _kl_trend_levels(_kl_log(lambda i: 600 if i < 60 else 600 * math.exp(-(i - 60) / 12)))
    assert "watch" in levels, levels
