"""The log's step at a wall-clock time: for images whose file name states no step."""

from __future__ import annotations

import bisect
import threading
from collections import deque

#: Moments remembered (the oldest are forgotten first).
MAX_MOMENTS = 4096


class StepTimes:
    """Moments ``(wall time, step the log had reached)``; safe to read from another thread."""

    def __init__(self) -> None:
        self._moments: deque[tuple[float, float]] = deque(maxlen=MAX_MOMENTS)
        self._lock = threading.Lock()

    def note(self, when: float, step: float | None) -> None:
        """At ``when`` the log had reached ``step`` (None: no step yet, nothing noted)."""
        if step is not None:
            with self._lock:
                self._moments.append((when, step))

    def step_at(self, when: float) -> float | None:
        """The step the log had reached at ``when``; None when that is before every moment."""
        with self._lock:
            moments = sorted(self._moments)
        i = bisect.bisect_right(moments, (when, float("inf")))
        return moments[i - 1][1] if i else None
