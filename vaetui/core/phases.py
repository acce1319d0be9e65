"""The kl_weight schedule of a segment: warm-up, later changes, cyclical annealing.

Warm-up is a kl_weight rising from about zero at a segment's start; it ends where the weight
stops rising. Every later move of the weight is a schedule change (a ``phase`` event), and the
criteria keep judging through it. Repeated ramps from about zero are a cyclical schedule
(Fu et al. 2019): each cycle is judged at its full weight. Pure functions of the arrays; the
recorder and the judge both ask, so every part of the product sees the same schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A weight at or below this share of the segment's largest weight counts as "about zero".
NEAR_ZERO = 0.05
#: Points a weight must hold still before a ramp counts as over.
HOLD = 3
#: A move of the weight by more than this (relative) between two records is a change.
MOVE = 0.01
#: In a cyclical schedule, points at or above this share of the full weight are judged.
FULL = 0.9


@dataclass(frozen=True)
class ScheduleChange:
    """kl_weight moved from ``before`` to ``after``, beginning at ``index`` (``step``)."""

    index: int
    step: float
    before: float
    after: float
    #: Index of the last point that moved (a ramp spans index..end).
    end: int = -1

    @property
    def rising(self) -> bool:
        return self.after > self.before


@dataclass(frozen=True)
class Schedule:
    """What the kl_weight did in a segment."""

    #: Index and step where warm-up ends (None: no warm-up from about zero).
    warmup_end: int | None = None
    warmup_end_step: float | None = None
    #: Still ramping up from zero at the newest point.
    in_warmup: bool = False
    changes: tuple[ScheduleChange, ...] = ()
    #: Repeated ramps from about zero; ``full`` marks the points judged (at full weight).
    cyclic: bool = False
    full: np.ndarray | None = None
    #: The newest point is in a cyclical ramp's low-weight part.
    low_phase: bool = False


def _still(w: np.ndarray, i: int) -> bool:
    """The weight does not rise over the ``HOLD`` points after ``i``."""
    nxt = w[i + 1 : i + 1 + HOLD]
    return nxt.size == HOLD and bool(np.all(nxt <= w[i] * (1 + 1e-6) + 1e-300))


def detect(steps: np.ndarray, weights: np.ndarray) -> Schedule:
    """The schedule of a segment from its kl_weight points (non-finite points dropped)."""
    ok = np.isfinite(weights)
    s, w = steps[ok], weights[ok]
    if w.size < 2:
        return Schedule()
    if float(np.max(w)) <= 0.0:
        # kl_weight logged as exactly zero so far: KL is not on yet (a warm-up that waits)
        return Schedule(in_warmup=bool(np.all(w == 0.0)))
    top = float(np.max(w))
    zero = w <= NEAR_ZERO * top
    resets = np.flatnonzero(zero[1:] & (w[:-1] >= 0.5 * top)) + 1
    if resets.size and zero[0]:
        full = w >= FULL * top
        return Schedule(
            changes=tuple(
                ScheduleChange(int(i), float(s[i]), float(w[i - 1]), float(w[i]), int(i))
                for i in resets
            ),
            cyclic=True,
            full=full,
            low_phase=not bool(full[-1]),
        )
    start = 0
    warm_end: int | None = None
    in_warmup = False
    if _warms_up(w, top):
        for i in range(w.size):
            if not zero[i] and _still(w, i):
                warm_end = i
                break
        if warm_end is None:
            # Not held still for HOLD points yet: the ramp goes on (a progress bar's refresh
            # that repeats the previous weight is not the end of it).
            warm_end = w.size - 1
            in_warmup = True
        start = warm_end
    return Schedule(
        warmup_end=warm_end,
        warmup_end_step=None if warm_end is None else float(s[warm_end]),
        in_warmup=in_warmup,
        changes=_changes(s, w, start),
    )


def _warms_up(w: np.ndarray, top: float) -> bool:
    """The weight starts at about zero and ramps from the segment's start.

    An exact zero (or a thousandth of the top) may hold a while first; a small weight must
    start rising within the first few points, and a ramp still under way at its beginning
    (so that its top is not known yet) counts while it has only risen.
    """
    if w[0] <= 1e-3 * top:
        return True
    early = bool(np.any(w[1 : HOLD + 2] > w[0] * (1 + 1e-6)))
    if not early:
        return False
    if w[0] <= NEAR_ZERO * top:
        return True
    return bool(np.all(np.diff(w) >= 0)) and w[-1] >= 2 * w[0]


def _changes(s: np.ndarray, w: np.ndarray, start: int) -> tuple[ScheduleChange, ...]:
    """Moves of the weight after ``start``, a ramp of consecutive moves counting once."""
    if w.size - start < 2:
        return ()
    prev, cur = w[start:-1], w[start + 1 :]
    moved = np.abs(cur - prev) > MOVE * np.maximum(np.abs(prev), 1e-300)
    idx = np.flatnonzero(moved) + start + 1
    out: list[ScheduleChange] = []
    first = last = -10

    def close() -> None:
        if first >= 0:
            out.append(
                ScheduleChange(first, float(s[first]), float(w[first - 1]), float(w[last]), last)
            )

    for i in idx.tolist():
        if i - last > HOLD:
            close()
            first = i
        last = i
    close()
    return tuple(out)


def settled(change: ScheduleChange, points: int) -> bool:
    """The change is over: the weight has held still for ``HOLD`` points since it moved."""
    return change.end < points - 1 - HOLD


def moving_since(schedule: Schedule, step: float) -> ScheduleChange | None:
    """The newest schedule change that began at or after ``step`` (within a trend window)."""
    later = [c for c in schedule.changes if c.step >= step]
    return later[-1] if later else None
