"""Memory stays bounded on any input: a cap on distinct metrics, a total budget of points."""

from __future__ import annotations

import numpy as np

from vaetui.core.profile import Profile
from vaetui.core.recorder import MAX_METRICS, TOTAL_POINTS, Recorder
from vaetui.core.run import Run


def test_distinct_metrics_beyond_the_cap_are_counted_not_kept() -> None:
    run = Run("keys")
    names = [f"key_{i}" for i in range(MAX_METRICS + 500)]
    for step in range(3):
        pairs = " ".join(f"{n}={step}" for n in names[step::3])
        run.feed(f"step {step} loss=0.5 kl_loss=300 {pairs}\n".encode())
    run.finish()
    snap = run.snapshot()
    assert len(snap.metrics) == MAX_METRICS
    assert snap.dropped_metrics == len(names) + 2 - MAX_METRICS
    assert snap.dropped_metric_names[0] not in snap.metrics
    assert snap.dropped_values == snap.dropped_metrics
    assert snap.records == 3


def test_history_is_bounded_in_total_not_only_per_metric() -> None:
    recorder = Recorder(Profile())
    metrics = 200
    steps = np.arange(60_000, dtype=float)
    values = np.random.default_rng(0).random((steps.size, metrics))
    lines = np.arange(steps.size)
    columns = [(i, f"m{i}") for i in range(metrics)]
    for chunk in range(4):  # 240k points per metric, 48M in all
        recorder.add_columns(columns, steps + chunk * steps.size, values, lines)
    total = sum(len(h) for h in recorder.histories.values())
    assert total <= TOTAL_POINTS * 1.05
    for h in recorder.histories.values():
        assert h.steps.view()[-1] == 4 * steps.size - 1  # the newest point is always kept
        assert len(h) <= recorder.point_limit
