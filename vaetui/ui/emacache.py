"""EMA curves for the plot, extended as a history grows instead of recomputed.

A full EMA over two million points takes half a second; redrawing a few times a second must
not pay that. Because older weights fall below 1e-12 after a few hundred points, only the new
tail (plus that many points of warm-up) is computed on each update.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class EmaCache:
    """EMA of each plotted series (keyed by run and metric), kept in step with its history."""

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha
        w = 1.0 - alpha
        self._warmup = int(math.log(1e-12) / math.log(w)) + 1 if 0.0 < w < 1.0 else 1
        self._cache: dict[str, tuple[float, np.ndarray]] = {}

    def get(self, key: str, values: np.ndarray) -> np.ndarray:
        """The debiased EMA at every point of ``values`` (finite values only).

        Args:
            key: Identifies the series, e.g. ``"0:kl_loss"``.
            values: The whole finite history so far.
        """
        import numpy as np  # a history is drawn: the core has loaded numpy

        from vaetui.core.stats import ema_series

        n = len(values)
        cached = self._cache.get(key)
        if n == 0:
            ema = np.empty(0)
        elif (
            cached is not None
            and 0 < len(cached[1]) <= n
            and values[len(cached[1]) - 1] == cached[0]
        ):
            old = cached[1]
            if len(old) == n:
                return old
            start = max(0, len(old) - self._warmup)
            tail = ema_series(values[start:], self.alpha)[len(old) - start :]
            ema = np.concatenate([old, tail])
        else:
            ema = ema_series(values, self.alpha)
        self._cache[key] = (float(values[-1]) if n else math.nan, ema)
        return ema
