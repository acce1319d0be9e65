"""Image measurements as the run's own metrics (``image_psnr``, ``image_sharpness``) and as
what the sharpness criterion reads."""

from __future__ import annotations

import math

import numpy as np

from vaetui.core.images.model import ImageSet, ImagesSummary
from vaetui.core.stats import MetricHistory

PSNR = "image_psnr"
SHARPNESS = "image_sharpness"


def image_histories(summary: ImagesSummary | None) -> dict[str, MetricHistory]:
    """One point per measured set with a known step, in step order (one segment)."""
    if summary is None:
        return {}
    points = sorted((s for s in summary.measured if s.step is not None), key=_step)
    if not points:
        return {}
    steps = np.array([s.step for s in points], dtype=np.float64)
    out: dict[str, MetricHistory] = {}
    for name, values in (
        (PSNR, [_value(s.psnr) for s in points]),
        (SHARPNESS, [_value(s.sharpness) for s in points]),
    ):
        h = MetricHistory.empty()
        v = np.array(values, dtype=np.float64)
        h.steps.extend(steps)
        h.values.extend(v)
        h.segments.extend(np.zeros(steps.size))
        h.seg_count = int(steps.size)
        h.seg_nan = int(np.count_nonzero(np.isnan(v)))
        out[name] = h
    return out


def newest_pairs(
    summary: ImagesSummary | None, window: int, after_step: float | None = None
) -> tuple[float | None, float | None, int]:
    """Mean sharpness ratio and PSNR of the newest ``window`` measured pairs, and the pairs in all.

    Pairs at steps before ``after_step`` (the end of KL warm-up) are left out while newer
    ones exist.
    """
    if summary is None:
        return None, None, 0
    measured = list(summary.measured)
    if after_step is not None:
        late = [s for s in measured if s.step is None or s.step >= after_step]
        measured = late or measured
    if not measured:
        return None, None, 0
    newest = measured[-max(window, 1) :]
    ratios = [s.sharpness for s in newest if s.sharpness is not None]
    finite_psnr = [s.psnr for s in newest if s.psnr is not None and math.isfinite(s.psnr)]
    sharp = float(np.mean(ratios)) if ratios else None
    psnr = float(np.mean(finite_psnr)) if finite_psnr else None
    return sharp, psnr, len(measured)


def _step(s: ImageSet) -> float:
    return s.step if s.step is not None else -1.0


def _value(x: float | None) -> float:
    return math.nan if x is None else x
