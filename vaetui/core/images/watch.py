"""Follow a run's image folders on a thread: new images show up as they are written.

Polling, not inotify: image folders often sit on the same network filesystems as the logs,
and a quiet folder costs one ``stat`` a second. While there is work (new files, pairs to
measure) the next look comes sooner.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from vaetui.core.images.store import ImageStore, StepClock

#: Seconds between looks while nothing changes, and while something just did.
QUIET_INTERVAL = 1.0
BUSY_INTERVAL = 0.2

_log = logging.getLogger(__name__)


class ImageWatcher:
    """Refreshes ``store`` on its own thread and calls ``on_update`` after each change.

    Args:
        store: What to refresh.
        step_at: The log's step at a given time (for images whose name states none).
        on_update: Called on the watcher's thread after the summary changed.
    """

    def __init__(
        self,
        store: ImageStore,
        step_at: StepClock | None = None,
        on_update: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self._step_at = step_at
        self._on_update = on_update
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start looking; returns at once (a watcher runs once)."""
        if self._thread is not None or self._stop.is_set():
            return
        self._thread = threading.Thread(target=self._run, name="vaetui-images", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the thread; safe to call twice or before ``start``."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                changed = self.store.refresh(self._step_at)
            except Exception:  # a bug must not end the thread silently and for good
                _log.exception("image watcher failed")
                changed = False
            if changed and self._on_update is not None:
                self._on_update()
            self._stop.wait(BUSY_INTERVAL if changed else QUIET_INTERVAL)
