"""Hand-made snapshots and files for the TUI tests: no core parsing involved.

``make_snapshot`` builds a :class:`~vaetui.core.snapshot.Snapshot` with chosen levels, so a widget
can be tested against exactly the state it must show. ``write_sim`` writes a fixed simulated
log (same bytes every time) for the app-level and screenshot tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vaetui.core.snapshot import (
    CRITERIA_IDS,
    Event,
    MetricSummary,
    Series,
    Snapshot,
    Verdict,
    worst_level,
)

#: A fixed clock for every rendered test: no wall-clock time reaches a screenshot.
FIXED_NOW = 1_700_000_000.0


def series(values: list[float] | np.ndarray, start: int = 0, every: int = 10) -> Series:
    """A one-segment history with steps ``start, start+every, ...``."""
    v = np.asarray(values, dtype=float)
    steps = start + every * np.arange(len(v), dtype=float)
    return Series(steps=steps, values=v, segments=np.zeros(len(v), dtype=int))


def summary(name: str, values: np.ndarray, trend: str = "flat") -> MetricSummary:
    """A MetricSummary whose numbers agree with ``values``."""
    fin = values[np.isfinite(values)]
    last = float(values[-1]) if len(values) else None
    return MetricSummary(
        name=name,
        last=last,
        ema=float(fin[-20:].mean()) if len(fin) else None,
        slope=0.0,
        trend=trend,
        min=float(fin.min()) if len(fin) else None,
        max=float(fin.max()) if len(fin) else None,
        count=len(values),
        nan_count=int(len(values) - len(fin)),
    )


def make_snapshot(
    levels: dict[str, str] | None = None,
    metrics: dict[str, np.ndarray] | None = None,
    events: tuple[Event, ...] = (),
    file: str = "train.log",
    last_record_time: float | None = FIXED_NOW - 3,
) -> Snapshot:
    """A snapshot with every criterion at ``levels`` (default: all ok)."""
    levels = levels or {}
    n = 200
    t = np.arange(n, dtype=float)
    metrics = metrics or {
        "total_loss": 0.15 + 0.5 * np.exp(-t / 30),
        "rec_loss": 0.007 + 0.05 * np.exp(-t / 30),
        "kl_loss": 510 + 2000 * np.exp(-t / 20),
        "lr": np.full(n, 1e-4),
    }
    verdicts = tuple(
        Verdict(
            id=cid,
            level=levels.get(cid, "ok"),
            value=123.0 + i,
            summary=f"{cid} summary",
            advice=f"{cid} advice",
            thresholds="excellent 200-800",
            inputs={"ema": 1.5, "window": "100 steps"},
        )
        for i, cid in enumerate(CRITERIA_IDS)
    )
    history = {name: series(v) for name, v in metrics.items()}
    last = float(history[next(iter(history))].steps[-1]) if history else None
    return Snapshot(
        file=file,
        format="kv",
        lines=n,
        records=n,
        skipped_lines=0,
        first_step=0.0,
        last_step=last,
        epoch=1.0,
        segments=1,
        rec_metric="mse",
        metrics={k: summary(k, v) for k, v in metrics.items()},
        criteria=verdicts,
        overall=worst_level([v.level for v in verdicts]),
        events=events,
        last_record_time=last_record_time,
        steps_per_second=12.5,
        history=history,
    )


def write_sim(path: Path, scenario: str, steps: int = 3000) -> Path:
    """Write a fixed simulated log (seed 0, no rate) and return its path."""
    from vaetui.simulate import write_log

    write_log(str(path), scenario=scenario, steps=steps, seed=0)
    return path
