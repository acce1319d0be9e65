"""What the adversarial criteria read: the discriminator's state, its losses, d_weight, logvar.

The adversarial half of a VAE-GAN is judged only once the discriminator is on and its grace
(``[phases] disc_grace_points`` records after ``disc_start``) has passed: the bump when it
switches on is expected. The same grace window is left out of the reconstruction and
perception values the other criteria judge (the bump is there), so it does not read as a
broken trend while a lasting break still does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from vaetui.core.metrics import (
    D_WEIGHT,
    DISC_FACTOR,
    DISC_LOSS,
    G_LOSS,
    LOGITS_FAKE,
    LOGITS_REAL,
    LOGVAR,
    NLL,
)
from vaetui.core.phase_watch import disc_grace_end
from vaetui.core.stats import ema_last, median

if TYPE_CHECKING:
    from vaetui.core.assess import SegmentView

#: Points at the start of the adversarial phase whose median is d_weight's starting level.
_BASELINE_POINTS = 10


def grace_window(view: SegmentView, disc_start: float | None) -> tuple[float, float] | None:
    """Steps ``[disc_start, grace end)`` the criteria leave out (None: no discriminator start)."""
    if disc_start is None:
        return None
    for name in (DISC_LOSS, G_LOSS, DISC_FACTOR, D_WEIGHT):
        arrays = view.arrays(name)
        if arrays is not None:
            points = view.profile.phases.disc_grace_points
            end = disc_grace_end(arrays[0], disc_start, points)
            return None if end is None else (disc_start, end)
    return None


def disc_state(view: SegmentView, disc_start: float | None, last_step: float | None) -> str | None:
    """``off``, ``grace`` or ``on`` for the newest segment; None with no adversarial signal."""
    present = [n for n in (DISC_FACTOR, DISC_LOSS, G_LOSS, D_WEIGHT) if view.arrays(n) is not None]
    if not present:
        return None
    factor = view.arrays(DISC_FACTOR)
    if factor is not None:
        finite = factor[1][np.isfinite(factor[1])]
        if finite.size and finite[-1] == 0:
            return "off"
    if disc_start is None:
        for name in (DISC_LOSS, G_LOSS):
            arrays = view.arrays(name)
            if arrays is not None and not np.any(arrays[1][np.isfinite(arrays[1])] != 0):
                return "off"
        return "on"
    window = grace_window(view, disc_start)
    if window is not None and last_step is not None and last_step < window[1]:
        return "grace"
    return "on"


def adversarial_inputs(
    view: SegmentView, disc_start: float | None, last_step: float | None, judged_from: float | None
) -> dict[str, Any]:
    """The adversarial fields of ``JudgeInput`` (see ``vaetui.core.criteria.base``).

    ``judged_from`` is where judging starts when there is no discriminator start (the end of
    KL warm-up); after a start, it is the end of the grace.
    """
    state = disc_state(view, disc_start, last_step)
    window = grace_window(view, disc_start)
    start = window[1] if window is not None else judged_from

    def after(name: str) -> np.ndarray | None:
        arrays = view.arrays(name)
        if arrays is None:
            return None
        steps, values = arrays
        return values[steps >= start] if start is not None and math.isfinite(start) else values

    def ema(name: str) -> float | None:
        v = after(name)
        return None if v is None or v.size == 0 else ema_last(v, view.alpha)

    disc = after(DISC_LOSS)
    # Points since the discriminator's start (its grace counts: judging begins right after).
    since = _since(view, DISC_LOSS if disc is not None else G_LOSS, disc_start, judged_from)
    finite = all(view.last_is_finite(n) for n in (DISC_LOSS, G_LOSS, D_WEIGHT))
    out: dict[str, Any] = {
        "disc_loss": ema(DISC_LOSS),
        "disc_change": None if disc is None or disc.size == 0 else view.change(disc),
        "logits_real": ema(LOGITS_REAL),
        "logits_fake": ema(LOGITS_FAKE),
        "g_loss": ema(G_LOSS),
        "disc_state": state,
        "disc_start": disc_start,
        "grace_end": window[1] if window is not None and math.isfinite(window[1]) else None,
        "adversarial_points": since,
        "adversarial_finite": finite,
        "logvar": ema(LOGVAR),
        "logvar_drift": _drift(view, after(LOGVAR)),
        "nll": ema(NLL),
    }
    out.update(_d_weight(view, after(D_WEIGHT)))
    return out


def _since(
    view: SegmentView, name: str, disc_start: float | None, judged_from: float | None
) -> int:
    """Finite points of ``name`` since the discriminator's start (else since ``judged_from``)."""
    arrays = view.arrays(name)
    if arrays is None:
        return 0
    steps, values = arrays
    start = disc_start if disc_start is not None else judged_from
    ok = np.isfinite(values) if start is None else np.isfinite(values) & (steps >= start)
    return int(np.count_nonzero(ok))


def _drift(view: SegmentView, values: np.ndarray | None) -> float | None:
    """Change of the mean from the older to the newer half of the trend window, in units."""
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    window = finite[-view.window(finite.size) :]
    if window.size < 4:
        return None
    half = window.size // 2
    return float(np.mean(window[-half:]) - np.mean(window[-2 * half : -half]))


def _d_weight(view: SegmentView, values: np.ndarray | None) -> dict[str, Any]:
    """d_weight's EMA, its growth since the phase began, and whether it is frozen."""
    if values is None:
        return {"d_weight": None, "d_weight_growth": None, "d_weight_flat": False}
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"d_weight": None, "d_weight_growth": None, "d_weight_flat": False}
    now = ema_last(finite, view.alpha)
    base = median(finite[:_BASELINE_POINTS])
    growth = now / base if now is not None and base > 0 else None
    window = finite[-view.window(finite.size) :]
    flat = window.size >= 5 and float(np.ptp(window)) <= 1e-6 * abs(float(window[-1]))
    return {"d_weight": now, "d_weight_growth": growth, "d_weight_flat": bool(flat)}
