"""Follow a run's image folders: new images show up as they are written.

Polling, not inotify: image folders often sit on the same network filesystems as the logs,
and a quiet folder costs a few ``stat`` calls every few seconds (looks that find nothing come
ever later, up to ``QUIET_STRETCH``). While there is work (new files, pairs to measure) the
next look comes sooner. Each look is a step on the shared reader pool
(``vaetui.core.pool``), so 64 runs do not cost 64 threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from vaetui.core.images.store import ImageStore, StepClock
from vaetui.core.pool import FollowPool, shared_pool

#: Seconds between looks while nothing changes, and while something just did.
QUIET_INTERVAL = 1.0
BUSY_INTERVAL = 0.2
#: Looks that keep finding nothing come ever later, doubling up to this many seconds.
QUIET_STRETCH = 4.0

_log = logging.getLogger(__name__)


class ImageWatcher:
    """Refreshes ``store`` on the shared pool and calls ``on_update`` after each change.

    Args:
        store: What to refresh.
        step_at: The log's step at a given time (for images whose name states none).
        on_update: Called on a pool thread after the summary changed.
        pool: The threads that run its looks (default: the process's shared pool).
    """

    def __init__(
        self,
        store: ImageStore,
        step_at: StepClock | None = None,
        on_update: Callable[[], None] | None = None,
        pool: FollowPool | None = None,
    ) -> None:
        self.store = store
        self._step_at = step_at
        self._on_update = on_update
        self._stop = threading.Event()
        self._pool = pool or shared_pool()
        self._started = False
        self._quiet = QUIET_INTERVAL

    def start(self) -> None:
        """Start looking; returns at once (a watcher runs once)."""
        if self._started or self._stop.is_set():
            return
        self._started = True
        self._pool.add(self)

    def stop(self) -> None:
        """Stop looking and wait for a look in progress; safe to call twice or before ``start``."""
        self._stop.set()
        self._pool.remove(self)

    def step(self, timed_out: bool) -> float | None:
        """One look at the folders; the seconds until the next (None once stopped)."""
        if self._stop.is_set():
            return None
        try:
            changed = self.store.refresh(self._step_at)
        except Exception:  # a bug must not end the looking silently and for good
            _log.exception("image watcher failed")
            changed = False
        if changed and self._on_update is not None:
            self._on_update()
        if changed:
            self._quiet = QUIET_INTERVAL
            return BUSY_INTERVAL
        wait, self._quiet = self._quiet, min(self._quiet * 2, QUIET_STRETCH)
        return wait
