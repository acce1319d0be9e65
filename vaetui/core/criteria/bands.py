"""Bands, hysteresis and trend directions: how a number becomes a level that holds still.

A band table maps a value to a level. Hysteresis keeps the level a criterion shows now unless
the value has moved a margin past the band's edge ("enter at the threshold, leave at a margin
inside it"). A trend is a direction only when it is both beyond the flat band and significant
against the metric's own noise; once a direction shows, it holds until the change falls back
inside a margin of the band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vaetui.core.stats import Trend


@dataclass(frozen=True)
class Bands:
    """Edges in increasing order and the level of each interval between them.

    ``up[i]`` says whether a value equal to ``edges[i]`` belongs to the band above it.
    """

    edges: tuple[float, ...]
    levels: tuple[str, ...]
    up: tuple[bool, ...]

    def index(self, value: float) -> int:
        """The band ``value`` falls in."""
        for i, (edge, up) in enumerate(zip(self.edges, self.up)):
            if value < edge or (value == edge and not up):
                return i
        return len(self.edges)

    def level(self, value: float) -> str:
        return self.levels[self.index(value)]

    def indices(self, values: np.ndarray) -> np.ndarray:
        """The band of every value (vectorised ``index``)."""
        out = np.zeros(values.shape, dtype=np.int64)
        for edge, up in zip(self.edges, self.up):
            out += (values > edge) | ((values == edge) & up)
        return out

    def holds(self, value: float, index: int, margin: float) -> bool:
        """``value`` is within ``margin`` (relative) of band ``index``."""
        lo = self.edges[index - 1] if index > 0 else -np.inf
        hi = self.edges[index] if index < len(self.edges) else np.inf
        return lo - margin * abs(lo) <= value <= hi + margin * abs(hi)


def banded(bands: Bands, value: float, previous: str | None, margin: float) -> int:
    """The band of ``value``, kept at ``previous``'s band while within ``margin`` of it.

    Where a level occurs in two bands (ok below and above excellent), the one nearest the
    value is kept.
    """
    now = bands.index(value)
    if previous is None or bands.levels[now] == previous:
        return now
    for i, lv in sorted(enumerate(bands.levels), key=lambda e: abs(e[0] - now)):
        if lv == previous and bands.holds(value, i, margin):
            return i
    return now


def entered(bands: Bands, steps: np.ndarray, values: np.ndarray, level: str) -> float | None:
    """The step where ``values`` last entered a band of ``level`` (None: never in it)."""
    if values.size == 0:
        return None
    idx = bands.indices(values)
    inside = np.isin(idx, [i for i, lv in enumerate(bands.levels) if lv == level])
    if not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    first = int(outside[-1]) + 1 if outside.size else 0
    return float(steps[first])


def direction(
    trend: Trend | None, flat: float, t_crit: float, previous: str | None, margin: float
) -> str:
    """``rising``, ``falling``, ``flat`` (or ``unknown`` without a trend), with hysteresis.

    A new direction needs the change beyond ``flat`` and significant; a shown one holds
    while the change stays beyond ``flat * (1 - margin)`` in the same sense.
    """
    if trend is None:
        return "unknown"
    c = trend.change
    keep = flat * (1.0 - margin)
    if previous == "falling" and c < -keep:
        return "falling"
    if previous == "rising" and c > keep:
        return "rising"
    if abs(c) > flat and trend.significant(t_crit):
        return "rising" if c > 0 else "falling"
    return "flat"
