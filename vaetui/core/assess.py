"""What the criteria read: the newest segment of every metric, after KL warm-up.

``Run`` records points; this module turns its per-metric histories into the numbers the
criteria judge (EMAs, trends, the kl_weight in force, where warm-up ends) and into the
per-metric summaries of a snapshot. Everything here only reads the histories.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vaetui.core.assess_adversarial import adversarial_inputs, grace_window
from vaetui.core.criteria import MIN_POINTS, JudgeInput
from vaetui.core.criteria.base import Curve, fmt_number
from vaetui.core.metrics import KL, KL_WEIGHT, PERCEPTION, REC, TOTAL
from vaetui.core.phases import Schedule, detect, moving_since
from vaetui.core.profile import Profile
from vaetui.core.snapshot import MetricSummary, Verdict
from vaetui.core.stats import (
    MetricHistory,
    Trend,
    ema_last,
    ema_series,
    median,
    relative_change,
    trend_fit,
    trend_word,
)

#: Points of a metric's newest judged values kept as its curve (for evidence steps).
CURVE_POINTS = 4096
#: Raw points kept for the fast path into a bad band.
TAIL_POINTS = 64

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
    rec_scale: float | None = None
    #: The log's newest line said training is over (``training finished``).
    training_over: bool = False
    finished: bool = False
    #: Step where the discriminator switched on in the newest segment (a phase event).
    disc_start: float | None = None
    #: The log's step counts training steps (not epochs, not records numbered by the run).
    steps_counted: bool = True


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

    @property
    def profile(self) -> Profile:
        return self._profile

    def records(self) -> int:
        """Points of the newest segment's most-logged loss."""
        counts = [
            len(h) - h.segment_start for n in LOSSES if (h := self._histories.get(n)) is not None
        ]
        return max(counts, default=0)

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

    def schedule(self) -> Schedule:
        """The kl_weight schedule of the newest segment (warm-up, changes, cycles)."""
        weights = self.arrays(KL_WEIGHT)
        return Schedule() if weights is None else detect(*weights)

    def warmup_end(self, facts: RunFacts, schedule: Schedule) -> tuple[float | None, bool]:
        """Step where KL warm-up ends, and whether the run is still inside it.

        ``--warmup-steps`` if given; else where a kl_weight rising from about zero at the
        segment's start levels off; else the first ``warmup_fraction`` of the segment's steps.
        A later change of the weight is a schedule change, not a warm-up.
        """
        first, last = facts.segment_first_step, facts.last_step
        if first is None or last is None:
            return None, False
        if facts.warmup_steps is not None:
            return float(facts.warmup_steps), last < facts.warmup_steps
        if schedule.cyclic:
            return None, schedule.full is None or not bool(np.any(schedule.full))
        if schedule.warmup_end_step is not None:
            return schedule.warmup_end_step, schedule.in_warmup
        if schedule.in_warmup:
            return float(last), True
        return first + self._profile.smoothing.warmup_fraction * (last - first), False

    def judged(
        self,
        name: str,
        warmup_end: float | None,
        spikes: frozenset[float] = frozenset(),
        only_steps: np.ndarray | None = None,
        skip: tuple[float, float] | None = None,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Steps and values of ``name`` after warm-up (all of the segment if none come after).

        Points reported as spikes are left out: one wild step (the last before a NaN, say)
        must not decide the zone a run is in; the divergence criterion reports it. With
        ``only_steps`` (a cyclical schedule's full-weight steps) only those points count. The
        steps in ``skip`` are left out too (the discriminator's grace: its start bump).
        """
        arrays = self.arrays(name)
        if arrays is None:
            return None
        steps, values = arrays
        keep = np.ones(steps.size, dtype=bool)
        if spikes:
            keep &= ~np.isin(steps, np.fromiter(spikes, dtype=np.float64))
        if only_steps is not None:
            keep &= np.isin(steps, only_steps)
        if skip is not None:
            outside = (steps < skip[0]) | (steps >= skip[1])
            if np.any(keep & outside):
                keep &= outside
        if warmup_end is not None and np.any(keep & (steps >= warmup_end)):
            keep &= steps >= warmup_end
        return steps[keep], values[keep]

    def kl_weight(self, weights: np.ndarray | None, fallback: float | None):
        """The kl_weight in force and whether it moved within the trend window."""
        if weights is not None:
            finite = weights[np.isfinite(weights)]
            if finite.size:
                window = finite[-self.window(finite.size) :]
                top = float(np.max(np.abs(window)))
                return float(finite[-1]), bool(top > 0 and float(np.ptp(window)) > 0.01 * top)
        return fallback, False

    def trend(self, arrays: Curve | None) -> tuple[Trend | None, float | None]:
        """The fitted trend over the trend window, and the window's first step."""
        if arrays is None:
            return None, None
        steps, values = arrays
        ok = np.isfinite(values)
        steps, values = steps[ok], values[ok]
        if values.size == 0:
            return None, None
        n = self.window(values.size)
        return trend_fit(steps[-n:], values[-n:]), float(steps[-n:][0])

    def curve(self, arrays: Curve | None) -> Curve:
        """The EMA at every one of the newest judged points."""
        assert arrays is not None
        steps, values = arrays[0][-CURVE_POINTS:], arrays[1][-CURVE_POINTS:]
        return steps, ema_series(values, self.alpha)

    @staticmethod
    def tail(arrays: Curve | None) -> Curve:
        """The newest finite raw points."""
        assert arrays is not None
        ok = np.isfinite(arrays[1])
        return arrays[0][ok][-TAIL_POINTS:], arrays[1][ok][-TAIL_POINTS:]

    def per_element_rec(self) -> tuple[float, str] | None:
        """A per-element reconstruction error the log prints beside its rec (PSNR, an MSE)."""
        for name, h in self._histories.items():
            if name == REC or len(h) <= h.segment_start:
                continue
            if "psnr" not in name and not name.endswith("mse"):
                continue  # only these two kinds are read below
            value = ema_last(h.values.view()[h.segment_start :], self.alpha)
            if value is None:
                continue
            if "psnr" in name and 0 < value < 200:
                return float(10.0 ** (-value / 10.0)), f"MSE from {name} {fmt_number(value)} dB"
            if name.endswith("mse") and 0 <= value <= 1:
                return float(value), name
        return None

    def step_interval(self) -> float | None:
        """Median distance between logged steps (for ``--halflife`` in steps)."""
        arrays = self.arrays(KL) or self.arrays(TOTAL) or self.arrays(REC)
        if arrays is None:
            return None
        diffs = np.diff(arrays[0][-200:])
        diffs = diffs[diffs > 0]
        return median(diffs) if diffs.size else None

    def last_is_finite(self, name: str) -> bool:
        h = self._histories.get(name)
        return h is None or len(h) == 0 or math.isfinite(h.values.last())


def finite_range(values: np.ndarray) -> tuple[float | None, float | None]:
    """Smallest and largest finite value (None, None when there is none)."""
    if values.size:
        low, high = float(values.min()), float(values.max())  # no NaN or inf: done
        if math.isfinite(low) and math.isfinite(high):
            return low, high
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None, None
    return float(finite.min()), float(finite.max())


#: Steps and values of one metric after warm-up (None where the log lacks it).
Series = tuple[np.ndarray, np.ndarray] | None


def judge_input(
    view: SegmentView, facts: RunFacts, previous: Mapping[str, Verdict] | None = None
) -> tuple[JudgeInput, float | None, Schedule]:
    """Everything the criteria need, the step where warm-up ends, and the schedule."""
    schedule = view.schedule()
    warmup_end, in_warmup = view.warmup_end(facts, schedule)
    judged, logged_rec = _judged_series(view, facts, warmup_end, schedule)

    def ema(name: str) -> float | None:
        v = judged[name]
        return None if v is None else ema_last(v[1], view.alpha)

    weight_points = judged[KL_WEIGHT]
    kl_weight, weight_changed = view.kl_weight(
        None if weight_points is None else weight_points[1], facts.kl_weight_fallback
    )
    kl = judged[KL]
    kl_trend, kl_from = view.trend(kl)
    curves = {n: view.curve(judged[n]) for n in (KL, REC, PERCEPTION) if judged[n] is not None}
    rec_best, kl_at_best = _rec_best(curves.get(REC), curves.get(KL))
    spike = facts.worst_spike
    judge = JudgeInput(
        kl=ema(KL),
        kl_change=None if kl_trend is None else kl_trend.change,
        kl_weight=kl_weight,
        kl_weight_changed=weight_changed,
        total=ema(TOTAL),
        rec=ema(REC),
        rec_change=None,
        rec_metric=facts.rec_metric,
        perception=ema(PERCEPTION),
        latent_dim=facts.latent_dim,
        in_warmup=in_warmup,
        points=0 if kl is None else int(np.isfinite(kl[1]).sum()),
        first_nonfinite_step=facts.nonfinite[0] if facts.nonfinite else None,
        nonfinite_metric=facts.nonfinite[1] if facts.nonfinite else None,
        last_is_finite=view.last_is_finite(REC) and view.last_is_finite(KL),
        max_spike_ratio=spike[1] if spike else None,
        spike_step=spike[0] if spike else None,
        seconds_quiet=facts.seconds_quiet,
        usual_interval=facts.usual_interval,
        training_over=facts.training_over,
        kl_trend=kl_trend,
        rec_trend=view.trend(judged[REC])[0],
        kl_weight_move=_weight_move(schedule, kl_from),
        cyclic=schedule.cyclic,
        low_phase=schedule.low_phase,
        previous=previous or {},
        curves=curves,
        raw={n: view.tail(judged[n]) for n in (KL, REC) if judged[n] is not None},
        rec_best=rec_best,
        kl_at_rec_best=kl_at_best,
        rec_logged=None if logged_rec is None else ema_last(logged_rec[1], view.alpha),
        rec_scale=facts.rec_scale,
        rec_per_element=view.per_element_rec(),
        finished=facts.finished,
        young=_young(view, facts),
        **adversarial_inputs(view, facts.disc_start, facts.last_step, warmup_end),
    )
    return judge, warmup_end, schedule


def _judged_series(
    view: SegmentView, facts: RunFacts, warmup_end: float | None, schedule: Schedule
) -> tuple[dict[str, Series], Series]:
    """Each loss and the kl_weight as judged, and the reconstruction as logged.

    After warm-up, without spikes; in a cyclical schedule only the points at full weight;
    the discriminator's start bumps the reconstruction (its grace is left out of rec and
    perception), while the total gains a new term for good and KL is not bumped. The judged
    reconstruction is divided by ``--rec-scale``; the logged one is not.
    """
    only = None
    weights = view.arrays(KL_WEIGHT)
    if schedule.cyclic and schedule.full is not None and weights is not None:
        only = weights[0][np.isfinite(weights[1])][schedule.full]
    grace = grace_window(view, facts.disc_start)
    judged = {
        name: view.judged(
            name,
            warmup_end,
            facts.spike_steps.get(name, frozenset()),
            only,
            grace if name in (REC, PERCEPTION) else None,
        )
        for name in (*LOSSES, KL_WEIGHT)
    }
    logged_rec = judged[REC]
    if facts.rec_scale and logged_rec is not None:
        steps, values = logged_rec
        judged[REC] = (steps, values / facts.rec_scale)
    return judged, logged_rec


def _young(view: SegmentView, facts: RunFacts) -> bool:
    """The model is still in its first transient: an early training step and few records.

    Only a log that counts training steps can say so: step 100 of a log counted in epochs (or
    numbered by its records) is long past the first transient.
    """
    s = view.profile.steady
    if not facts.steps_counted:
        return False
    if facts.last_step is None or facts.last_step >= s.young_steps:
        return False
    return view.records() < s.young_records


def _weight_move(schedule: Schedule, since: float | None) -> str | None:
    """ "up" or "down" when the kl_weight schedule moved at or after ``since``."""
    if since is None:
        return None
    change = moving_since(schedule, since)
    if change is None:
        return None
    return "up" if change.rising else "down"


def _rec_best(rec: Curve | None, kl: Curve | None) -> tuple[float | None, float | None]:
    """rec's lowest smoothed level, and the smoothed KL at that step."""
    if rec is None or kl is None or rec[1].size < MIN_POINTS or kl[1].size == 0:
        return None, None
    ok = np.isfinite(rec[1])
    if not np.any(ok):
        return None, None
    i = int(np.nanargmin(np.where(ok, rec[1], np.nan)))
    j = max(int(np.searchsorted(kl[0], rec[0][i], side="right")) - 1, 0)
    k = float(kl[1][j])
    return float(rec[1][i]), k if math.isfinite(k) else None
