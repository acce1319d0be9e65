"""Route the core's verdict changes to the sinks the user asked for.

``observe`` is called by a reader (a follower thread, the TUI) with each new snapshot; it
picks the changes it has not seen (by their number), keeps only those that are news, and
queues them. One dispatcher thread then hands every alert to the hooks (all of them: a hook
is a program, and may want each change), and the alerts at or above ``--alert-level`` through
the quiet-period :class:`~vaetui.core.alerts.fold.Folder` to the webhooks and the terminal.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vaetui.core.alerts.fold import QUIET_SECONDS, Folder
from vaetui.core.alerts.hooks import HOOK_TIMEOUT, HookSink
from vaetui.core.alerts.model import Alert, is_news
from vaetui.core.alerts.sinks import Report, Sink
from vaetui.core.alerts.terminal import TerminalSink
from vaetui.core.alerts.webhook import WebhookSink
from vaetui.core.snapshot import OVERALL, Snapshot

#: Alerts waiting for the dispatcher thread at most.
PENDING_ALERTS = 1000


@dataclass(frozen=True)
class AlertConfig:
    """What to do on a verdict change (the alert options of ``tail`` and ``check --follow``)."""

    on_change: tuple[str, ...] = ()
    on_bad: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    webhook_format: str = "generic"
    #: Minimum level for webhooks and terminal notifications: "watch" or "bad".
    alert_level: str = "watch"
    notify: bool = False
    quiet: float = QUIET_SECONDS
    hook_timeout: float = HOOK_TIMEOUT

    @property
    def active(self) -> bool:
        """True when any alert is wanted."""
        return bool(self.on_change or self.on_bad or self.webhooks or self.notify)


class AlertDispatcher:
    """Turns snapshots into alerts and delivers them without ever blocking the caller.

    Args:
        config: The sinks to build.
        report: Where failures are told, one sentence each (called from worker threads).
        terminal_write: Writes escape sequences to the user's terminal (for ``--notify``).
        clock: Wall-clock time, for timestamps and quiet periods.
    """

    def __init__(
        self,
        config: AlertConfig,
        report: Report,
        terminal_write: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._clock = clock
        self._hooks: list[Sink] = [
            *(HookSink(c, report, False, config.hook_timeout) for c in config.on_change),
            *(HookSink(c, report, True, config.hook_timeout) for c in config.on_bad),
        ]
        self._folded: list[Sink] = [
            WebhookSink(url, report, config.webhook_format) for url in config.webhooks
        ]
        if config.notify and terminal_write is not None:
            self._folded.append(TerminalSink(terminal_write))
        self._folder = Folder(config.quiet)
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[Alert | None] = queue.Queue(maxsize=PENDING_ALERTS)
        self._report = report
        self._thread = threading.Thread(target=self._loop, name="vaetui-alerts", daemon=True)
        self._thread.start()

    def observe(self, snapshot: Snapshot, run: str, file: str) -> list[Alert]:
        """Queue the alerts for the changes in ``snapshot`` not seen before; return them.

        Thread-safe and quick: the delivery happens on the dispatcher's thread.
        """
        now = self._clock()
        with self._lock:
            seen = self._seen.get(file, 0)
            fresh = [c for c in snapshot.changes if c.seq > seen]
            if fresh:
                self._seen[file] = fresh[-1].seq
        alerts = [
            Alert.from_change(c, run, file, now)
            for c in fresh
            if c.criterion != OVERALL and is_news(c)
        ]
        for alert in alerts:
            try:
                self._queue.put_nowait(alert)
            except queue.Full:
                self._report(f"alert dropped, too many waiting: {alert.headline()}")
        return alerts

    def close(self, timeout: float = 5.0) -> None:
        """Send what is pending (held alerts included) within about ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(max(deadline - time.monotonic(), 0.0))
        for alert in self._folder.flush():
            self._deliver_folded(alert)
        for sink in [*self._hooks, *self._folded]:
            sink.close(max(deadline - time.monotonic(), 0.1))

    def _loop(self) -> None:
        while True:
            try:
                alert = self._queue.get(timeout=0.5)
            except queue.Empty:
                alert = None
            else:
                if alert is None:
                    return
                self._route(alert)
            for held in self._folder.due(self._clock()):
                self._deliver_folded(held)

    def _route(self, alert: Alert) -> None:
        for sink in self._hooks:
            sink.send(alert)
        if self._folded and alert.reaches(self.config.alert_level):
            for ready in self._folder.offer(alert, self._clock()):
                self._deliver_folded(ready)

    def _deliver_folded(self, alert: Alert) -> None:
        for sink in self._folded:
            try:
                sink.send(alert)
            except Exception as exc:  # a terminal gone away must not stop the webhooks
                self._report(f"alert delivery failed: {exc}")
