"""Coalesce snapshot messages and apply them at a bounded rate.

However fast a log grows, the screen is redrawn at most ``1 / interval`` times a second: only
the newest snapshot per run is kept, and a one-shot timer exists only while something waits,
so a quiet log costs no CPU at all here. Pausing keeps collecting without applying; resuming
applies the newest at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer

from vaetui.ui.messages import SnapshotUpdated


class Throttle:
    """Holds the newest pending snapshot per run and hands them over, rate-limited.

    Args:
        host: Owner of the timer (the app).
        apply: Receives ``{run index: newest message}`` when it is time to redraw.
        interval: Minimum seconds between two calls of ``apply``.
    """

    def __init__(
        self,
        host: MessagePump,
        apply: Callable[[dict[int, SnapshotUpdated]], None],
        interval: float = 0.2,
    ) -> None:
        self._host = host
        self._apply = apply
        self.interval = interval
        self.paused = False
        self.pending: dict[int, SnapshotUpdated] = {}
        self.last_apply = 0.0
        self._timer: Timer | None = None

    def offer(self, message: SnapshotUpdated) -> None:
        """Keep ``message`` (replacing an older one of the same run) and schedule a redraw."""
        self.pending[message.run_index] = message
        self._schedule()

    def set_paused(self, paused: bool) -> None:
        """Stop or resume applying; on resume the newest snapshots are applied at once."""
        self.paused = paused
        if not paused:
            self._schedule()

    def flush(self) -> None:
        """Apply everything pending now (used on mount and by the timer)."""
        self._timer = None
        if self.paused or not self.pending:
            return
        pending, self.pending = self.pending, {}
        self.last_apply = time.monotonic()
        self._apply(pending)

    def _schedule(self) -> None:
        if self.paused or self._timer is not None or not self.pending:
            return
        delay = self.last_apply + self.interval - time.monotonic()
        if delay <= 0:
            self.flush()
        else:
            self._timer = self._host.set_timer(delay, self.flush)
