"""What an alert sink is, and the bounded worker every slow sink runs on.

A sink's ``send`` returns at once: the work (a process, an HTTP request) happens on the
sink's own thread, from a bounded queue. A full queue drops the alert and says so, because a
reader that waits for a stuck receiver would stop reading the log.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from vaetui.core.alerts.model import Alert

Report = Callable[[str], None]
"""Where a sink tells of a failure: one sentence (stderr, or the TUI's notification)."""

T = TypeVar("T")


class Sink(Protocol):
    """Receives alerts; ``send`` never blocks, ``close`` waits a bounded time."""

    def send(self, alert: Alert) -> None: ...

    def close(self, timeout: float) -> None: ...


class Worker(Generic[T]):
    """A daemon thread handling items from a bounded queue, one at a time, in order.

    Args:
        name: Thread name (shown by ``py-spy`` and in crash logs).
        handle: Called on the worker thread for each item; its exceptions are reported.
        report: Told when the queue is full or ``handle`` raised.
        size: Items waiting at most.
    """

    def __init__(self, name: str, handle: Callable[[T], None], report: Report, size: int) -> None:
        self._handle = handle
        self._report = report
        self._queue: queue.Queue[T | None] = queue.Queue(maxsize=size)
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._started = False
        self._lock = threading.Lock()
        self.dropped = 0

    def put(self, item: T, what: str) -> None:
        """Queue ``item``; when the queue is full, drop it and report ``what`` was lost."""
        with self._lock:
            if not self._started:
                self._thread.start()
                self._started = True
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
            self._report(f"{what} dropped: {self._queue.maxsize} alerts are still waiting")

    def close(self, timeout: float) -> None:
        """Let the queued items finish for up to ``timeout`` seconds, then stop."""
        if not self._started:
            return
        try:
            self._queue.put(None, timeout=max(timeout, 0.01))
        except queue.Full:
            return
        self._thread.join(timeout)

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self._handle(item)
            except Exception as exc:  # a sink's bug must not end its thread silently
                self._report(f"alert delivery failed: {exc}")
