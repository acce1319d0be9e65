"""A run you trust beside the run you watch: its curves, and how far the run is from it.

``--reference GOOD.log`` reads a healthy run once. Every snapshot of the watched run then
carries a :class:`ReferenceReport`: the reference's histories (the plot overlays the selected
metric's, aligned by step) and one "compared with the reference" line per criterion whose
metric both runs log ("KL is 60% below the reference at this step"). The comparison is made
here, once; the screens and ``check`` only print it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from vaetui.core.compared import Comparison, ReferenceReport
from vaetui.core.criteria.base import fmt_number
from vaetui.core.snapshot import Series, Snapshot
from vaetui.core.stats import ema_series

if TYPE_CHECKING:
    from vaetui.core.options import RunOptions

#: (criterion, metric, how the metric is named in a sentence), in criteria order.
COMPARED: tuple[tuple[str, str, str], ...] = (
    ("kl_zone", "kl_loss", "KL"),
    ("kl_trend", "kl_loss", "KL"),
    ("rec_range", "rec_loss", "rec_loss"),
    ("balance", "rec_loss", "rec_loss"),
    ("perception", "perception_loss", "the perception loss"),
    ("divergence", "total_loss", "the total loss"),
    ("adversarial", "disc_loss", "disc_loss"),
    ("adaptive_weight", "d_weight", "d_weight"),
    ("logvar", "logvar", "logvar"),
)
#: Closer than this (relative) reads "within 5% of the reference".
CLOSE = 0.05


@dataclass
class Reference:
    """A reference run read once: its histories and the EMA curves the comparisons use."""

    name: str
    history: dict[str, Series]
    alpha: float
    _curves: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def from_snapshot(cls, snap: Snapshot) -> Reference:
        """The reference from its final snapshot; its curves are computed here, once (the
        object is then only read, from any follower thread)."""
        name = os.path.basename(snap.file.rstrip("/")) or snap.file
        ref = cls(name, snap.history, snap.ema_alpha)
        for _criterion, metric, _said in COMPARED:
            ref._curve(metric)
        return ref

    def at(self, metric: str, step: float) -> tuple[float, float] | None:
        """(step, EMA) of ``metric`` at the reference's last point at or before ``step``."""
        curve = self._curve(metric)
        if curve is None:
            return None
        steps, ema = curve
        i = max(int(np.searchsorted(steps, step, side="right")) - 1, 0)
        value = float(ema[i])
        return (float(steps[i]), value) if math.isfinite(value) else None

    def last_step(self, metric: str) -> float | None:
        curve = self._curve(metric)
        return None if curve is None else float(curve[0][-1])

    def _curve(self, metric: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Steps in order and the EMA at each (a step logged twice, after a restart, keeps
        the newer value)."""
        if metric not in self._curves:
            series = self.history.get(metric)
            if series is None or len(series.steps) == 0:
                return None
            ema = ema_series(series.values, self.alpha)
            order = np.argsort(series.steps, kind="stable")
            steps, ema = series.steps[order], ema[order]
            newest = np.append(steps[1:] != steps[:-1], True)
            self._curves[metric] = (steps[newest], ema[newest])
        return self._curves[metric]

    def report(self, snap: Snapshot) -> ReferenceReport:
        """The comparisons for ``snap`` at its newest step."""
        out: list[Comparison] = []
        step = snap.last_step
        if step is None:
            return ReferenceReport(self.name, self.history)
        for criterion, metric, said in COMPARED:
            mine = snap.metrics.get(metric)
            theirs = self.at(metric, step) if mine is not None else None
            if mine is None or mine.ema is None or theirs is None or not math.isfinite(mine.ema):
                continue
            ref_step, ref = theirs
            final = self.last_step(metric)
            ended = final if final is not None and final < step else None
            text = sentence(said, mine.ema, ref, ended)
            out.append(Comparison(criterion, metric, step, mine.ema, ref, ref_step, text))
        return ReferenceReport(self.name, self.history, tuple(out))


def read_reference(path: str, options: RunOptions) -> Reference:
    """Read the trusted run at ``path`` whole, judged with ``options`` (not live).

    Raises what ``read_whole`` raises for a path that cannot be read, and ValueError when the
    file holds no metric lines.
    """
    from vaetui.core.follow import read_whole
    from vaetui.core.run import Run

    run = Run(path, replace(options, live=False, reference=None))
    read_whole(path, run)
    snap = run.snapshot()
    if snap.records == 0:
        raise ValueError(f"reference {path}: no metric lines found")
    return Reference.from_snapshot(snap)


def sentence(said: str, value: float, ref: float, ref_ended: float | None = None) -> str:
    """``KL is 60% below the reference at this step (36 vs 90)``.

    Relative for positive levels, a difference otherwise (logvar, a negative loss);
    ``ref_ended`` is the reference's last step when the run is already past it.
    """
    where = "at this step" if ref_ended is None else f"at its last step {fmt_number(ref_ended)}"
    numbers = f"({fmt_number(value)} vs {fmt_number(ref)})"
    head = "The" + said[3:] if said.startswith("the ") else said
    if value > 0 and ref > 0:
        change = value / ref - 1.0
        if change <= -0.99:
            return f"{head} is below 1% of the reference {where} {numbers}"
        if abs(change) < CLOSE:
            return f"{head} is within {CLOSE:.0%} of the reference {where} {numbers}"
        if change >= 1.0:
            return f"{head} is {value / ref:.1f}x the reference {where} {numbers}"
        how = f"{abs(change):.0%} {'above' if change > 0 else 'below'}"
        return f"{head} is {how} the reference {where} {numbers}"
    diff = value - ref
    side = "above" if diff > 0 else "below"
    return f"{head} is {fmt_number(abs(diff))} {side} the reference {where} {numbers}"
