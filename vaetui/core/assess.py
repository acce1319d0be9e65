"""What the criteria read: the newest segment of every metric, after KL warm-up.

``Run`` records points; this module turns its per-metric histories into the numbers the
criteria judge (EMAs, trends, the kl_weight in force, where warm-up ends) and into the
per-metric summaries of a snapshot. Everything here only reads the histories.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from vaetui.core.criteria import JudgeInput
from vaetui.core.metrics import KL, KL_WEIGHT, PERCEPTION, REC, TOTAL
from vaetui.core.profile import Profile
from vaetui.core.snapshot import MetricSummary
from vaetui.core.stats import MetricHistory, ema_last, relative_change, trend_word

#: Losses whose NaN means divergence and whose spikes are reported.
LOSSES = (TOTAL, REC, KL, PERCEPTION)


@dataclass(frozen=True)
class RunFacts:
    """What the run knows beyond its metric histories."""

    segment_first_step: float | None
    last_step: float | None
    warmup_steps: float | None
    kl_weight_fallback: float | None
    rec_metric: str
    latent_dim: int | None
    nonfinite: tuple[float, str] | None
    worst_spike: tuple[float, float, str] | None
    #: Steps of the newest segment's spikes, per metric.
    spike_steps: dict[str, frozenset[float]]
    seconds_quiet: float | None
    usual_interval: float | None


class SegmentView:
    """Read-only access to the newest segment of each metric."""

    def __init__(
        self,
        histories: dict[str, MetricHistory],
        profile: Profile,
        alpha: float,
        cache: dict[str, tuple[tuple, MetricSummary]] | None = None,
    ):
        self._histories = histories
        self._profile = profile
        self.alpha = alpha
        #: Summaries from earlier snapshots, keyed by the history's version (kept by Run).
        self._cache: dict[str, tuple[tuple, MetricSummary]] = {} if cache is None else cache

    def arrays(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Steps and values of ``name`` in the newest segment (None when it has none)."""
        h = self._histories.get(name)
        if h is None or len(h) <= h.segment_start:
            return None
        return h.steps.view()[h.segment_start :], h.values.view()[h.segment_start :]

    def window(self, n: int) -> int:
        """Points in the trend window for a segment of ``n`` points."""
        s = self._profile.smoothing
        size = min(max(round(n * s.trend_window_fraction), s.trend_window_min), s.trend_window_max)
        return int(size)

    def change(self, values: np.ndarray) -> float | None:
        """Relative change across the trend window of ``values`` (non-finite skipped)."""
        finite_mask = np.isfinite(values)
        count = int(np.count_nonzero(finite_mask))
        if count == values.size and count:
            # All finite: the window is the newest values, no filtered copy needed.
            return relative_change(values[-self.window(count) :])
        finite = values[finite_mask]
        return relative_change(finite[-self.window(finite.size) :]) if finite.size else None

    def summary(self, name: str) -> MetricSummary:
        h = self._histories[name]
        key = (h.version(), self.alpha)
        cached = self._cache.get(name) if h.writes else None  # writes 0: built elsewhere
        if cached is not None and cached[0] == key:
            return cached[1]  # nothing new since the last snapshot
        values = h.values.view()[h.segment_start :]
        change = self.change(values)
        low, high = finite_range(values)
        summary = MetricSummary(
            name=name,
            last=float(values[-1]) if values.size else None,
            ema=ema_last(values, self.alpha),
            slope=change,
            trend=trend_word(change, self._profile.kl_trend.flat),
            min=low,
            max=high,
            count=h.seg_count,
            nan_count=h.seg_nan,
        )
        if h.writes:
            self._cache[name] = (key, summary)
        return summary

    def warmup_end(self, facts: RunFacts) -> tuple[float | None, bool]:
        """Step where KL warm-up ends, and whether the run is still inside it.

        ``--warmup-steps`` if given; else where a rising kl_weight levels off; else the
        first ``warmup_fraction`` of the segment's steps.
        """
        first, last = facts.segment_first_step, facts.last_step
        if first is None or last is None:
            return None, False
        if facts.warmup_steps is not None:
            return float(facts.warmup_steps), last < facts.warmup_steps
        weights = self.arrays(KL_WEIGHT)
        if weights is not None:
            steps, w = weights
            ok = np.isfinite(w)
            steps, w = steps[ok], w[ok]
            if w.size >= 2 and w[-1] > w[0] * 1.5 + 1e-12:
                reached = int(np.argmax(w >= 0.99 * w.max()))
                still_rising = reached == w.size - 1 and w[-1] > w[-2]
                return float(steps[reached]), bool(still_rising)
        return first + self._profile.smoothing.warmup_fraction * (last - first), False

    def judged(
        self, name: str, warmup_end: float | None, spikes: frozenset[float] = frozenset()
    ) -> np.ndarray | None:
        """Values of ``name`` after warm-up (all of the segment if none come after it).

        Points reported as spikes are left out: one wild step (the last before a NaN, say)
        must not decide the zone a run is in; the divergence criterion reports it.
        """
        arrays = self.arrays(name)
        if arrays is None:
            return None
        steps, values = arrays
        if spikes:
            keep = ~np.isin(steps, np.fromiter(spikes, dtype=np.float64))
            steps, values = steps[keep], values[keep]
        if warmup_end is not None:
            after = values[steps >= warmup_end]
            if after.size:
                return after
        return values

    def kl_weight(self, weights: np.ndarray | None, fallback: float | None):
        """The kl_weight in force and whether it moved within the trend window."""
        if weights is not None:
            finite = weights[np.isfinite(weights)]
            if finite.size:
                window = finite[-self.window(finite.size) :]
                top = float(np.max(np.abs(window)))
                return float(finite[-1]), bool(top > 0 and float(np.ptp(window)) > 0.01 * top)
        return fallback, False

    def step_interval(self) -> float | None:
        """Median distance between logged steps (for ``--halflife`` in steps)."""
        arrays = self.arrays(KL) or self.arrays(TOTAL) or self.arrays(REC)
        if arrays is None:
            return None
        diffs = np.diff(arrays[0][-200:])
        diffs = diffs[diffs > 0]
        return float(np.median(diffs)) if diffs.size else None

    def last_is_finite(self, name: str) -> bool:
        h = self._histories.get(name)
        return h is None or len(h) == 0 or math.isfinite(h.values.last())


def finite_range(values: np.ndarray) -> tuple[float | None, float | None]:
    """Smallest and largest finite value (None, None when there is none)."""
    if values.size:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN
            low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if math.isfinite(low) and math.isfinite(high):
            return low, high
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None, None
    return float(finite.min()), float(finite.max())


def judge_input(view: SegmentView, facts: RunFacts) -> tuple[JudgeInput, float | None]:
    """Everything the criteria need, and the step where warm-up ends."""
    warmup_end, in_warmup = view.warmup_end(facts)
    judged = {
        name: view.judged(name, warmup_end, facts.spike_steps.get(name, frozenset()))
        for name in (*LOSSES, KL_WEIGHT)
    }

    def ema(name: str) -> float | None:
        v = judged[name]
        return None if v is None else ema_last(v, view.alpha)

    def change(name: str) -> float | None:
        v = judged[name]
        return None if v is None else view.change(v)

    kl_weight, weight_changed = view.kl_weight(judged[KL_WEIGHT], facts.kl_weight_fallback)
    kl_values = judged[KL]
    spike = facts.worst_spike
    return JudgeInput(
        kl=ema(KL),
        kl_change=change(KL),
        kl_weight=kl_weight,
        kl_weight_changed=weight_changed,
        total=ema(TOTAL),
        rec=ema(REC),
        rec_change=change(REC),
        rec_metric=facts.rec_metric,
        perception=ema(PERCEPTION),
        latent_dim=facts.latent_dim,
        in_warmup=in_warmup,
        points=0 if kl_values is None else int(np.isfinite(kl_values).sum()),
        first_nonfinite_step=facts.nonfinite[0] if facts.nonfinite else None,
        nonfinite_metric=facts.nonfinite[1] if facts.nonfinite else None,
        last_is_finite=view.last_is_finite(REC) and view.last_is_finite(KL),
        max_spike_ratio=spike[1] if spike else None,
        spike_step=spike[0] if spike else None,
        seconds_quiet=facts.seconds_quiet,
        usual_interval=facts.usual_interval,
    ), warmup_end
