"""What every criterion reads, and the small helpers they share."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from vaetui.core.snapshot import NOT_APPLICABLE, Verdict
from vaetui.core.stats import Trend

#: (steps, values) of one metric.
Curve = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class JudgeInput:
    """What the criteria read: EMAs and trends of the current segment, after warm-up."""

    kl: float | None = None
    kl_change: float | None = None
    kl_weight: float | None = None
    kl_weight_changed: bool = False
    total: float | None = None
    rec: float | None = None
    rec_change: float | None = None
    rec_metric: str = "mse"
    perception: float | None = None
    latent_dim: int | None = None
    in_warmup: bool = False
    points: int = 0
    #: First step with a NaN/inf in a loss (current segment), and the worst spike ratio.
    first_nonfinite_step: float | None = None
    nonfinite_metric: str | None = None
    last_is_finite: bool = True
    max_spike_ratio: float | None = None
    spike_step: float | None = None
    #: Live only: seconds since the last new line, and the usual interval between lines.
    seconds_quiet: float | None = None
    usual_interval: float | None = None
    #: The log's newest line said training is over: its quiet is the end, not a stall.
    training_over: bool = False
    #: The adversarial half (VAE-GAN): EMAs after the discriminator's start and its grace.
    disc_loss: float | None = None
    disc_change: float | None = None
    logits_real: float | None = None
    logits_fake: float | None = None
    g_loss: float | None = None
    d_weight: float | None = None
    #: d_weight now over its level when the adversarial phase began (after the grace).
    d_weight_growth: float | None = None
    #: d_weight has not moved at all across the trend window (an adaptive weight always moves).
    d_weight_flat: bool = False
    #: ``off`` before the discriminator switches on, ``grace`` just after, ``on`` from then;
    #: None when no adversarial signal is logged.
    disc_state: str | None = None
    disc_start: float | None = None
    grace_end: float | None = None
    #: Records of the adversarial half judged, and whether its newest values are finite.
    adversarial_points: int = 0
    adversarial_finite: bool = True
    #: The learned log-variance: EMA, its change across the trend window, and nll's EMA.
    logvar: float | None = None
    logvar_drift: float | None = None
    nll: float | None = None
    #: Fitted trends over the window (None: judge ``kl_change``/``rec_change`` as given).
    kl_trend: Trend | None = None
    rec_trend: Trend | None = None
    #: The kl_weight moved within the trend window: "up", "down" (None: it held).
    kl_weight_move: str | None = None
    #: The schedule is cyclical; the newest point is in a ramp's low-weight part.
    cyclic: bool = False
    low_phase: bool = False
    #: The verdicts shown now (for hysteresis), by criterion id.
    previous: Mapping[str, Verdict] = field(default_factory=dict)
    #: EMA curves and raw points of the judged values, per metric (for evidence steps).
    curves: Mapping[str, Curve] = field(default_factory=dict)
    raw: Mapping[str, Curve] = field(default_factory=dict)
    #: rec's best smoothed level of the segment, and KL's smoothed level at that moment.
    rec_best: float | None = None
    kl_at_rec_best: float | None = None
    #: The raw rec EMA before ``--rec-scale`` (for the consistency of the total).
    rec_logged: float | None = None
    #: ``--rec-scale`` in force, and a per-element value logged beside a summed rec.
    rec_scale: float | None = None
    rec_per_element: tuple[float, str] | None = None
    #: The log is finished: stall is not judged.
    finished: bool = False
    #: The model is in its first transient (early training step, few records): see ``judge``.
    young: bool = False
    #: Sample images: mean sharpness ratio and PSNR of the newest pairs, and how many there are.
    sharpness: float | None = None
    psnr: float | None = None
    image_pairs: int = 0


#: Records needed after warm-up before a trend is judged.
MIN_POINTS = 4


def fmt_number(x: float | None) -> str:
    """A number in few characters: 509, 0.0069, 1.2e-05."""
    if x is None:
        return "-"
    if not math.isfinite(x):
        return str(x)
    ax = abs(x)
    if ax != 0 and (ax < 0.001 or ax >= 100000):
        return f"{x:.3g}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 1:
        return f"{x:.3g}"
    return f"{x:.4g}"


def duration(seconds: float) -> str:
    """A time span as people say it, with the seconds: ``42 s``, ``3 h 05 min (11100 s)``."""
    s = max(int(seconds), 0)
    if s < 600:
        return f"{s} s"
    if s < 3600:
        human = f"{s // 60} min"
    elif s < 2 * 86400:
        human = f"{s // 3600} h {s % 3600 // 60:02d} min"
    else:
        human = f"{s // 86400} d {s % 86400 // 3600} h"
    return f"{human} ({s} s)"


def pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:+.1f}%"


def previous_level(j: JudgeInput, cid: str) -> str | None:
    v = j.previous.get(cid)
    return None if v is None else v.level


def previous_input(j: JudgeInput, cid: str, key: str) -> str | None:
    v = j.previous.get(cid)
    got = None if v is None else v.inputs.get(key)
    return got if isinstance(got, str) else None


def trend_of(given: Trend | None, change: float | None, points: int) -> Trend | None:
    """The fitted trend, else a change given without its noise (counted as significant)."""
    if given is not None:
        return given
    return None if change is None else Trend(change, 0.0, points)


def not_applicable(cid: str, why: str) -> Verdict:
    return Verdict(cid, NOT_APPLICABLE, None, why, "Nothing to judge.", "", {})
