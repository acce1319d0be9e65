"""``vaetui check``: judge a whole log (or follow it) and print the checklist or JSON.

``--follow`` keeps standard output machine-readable with or without ``--json``: one JSON line
per verdict change (the overall verdict's included), the final summary as the last JSON line;
the human checklist, when asked for, goes to standard error.

Reads through the same core as the TUI: ``read_whole`` for a whole file, standard input or
a TensorBoard run, the follower ``make_follower`` picks for ``--follow``; the verdict changes it
prints are the core's (``Snapshot.changes``).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from vaetui.commands.alerting import run_label, start_dispatcher
from vaetui.core.failure import FAILED, reader_failed
from vaetui.core.follow import RunFollower, make_follower, read_whole
from vaetui.core.images.store import ImageStore, read_once, store_for
from vaetui.core.options import RunOptions
from vaetui.core.run import Run
from vaetui.core.snapshot import Snapshot
from vaetui.core.source import SourceError
from vaetui.errors import (
    EXIT_BAD,
    EXIT_NO_METRICS,
    EXIT_OK,
    EXIT_UNREADABLE,
    EXIT_WATCH,
    InputError,
    UsageError,
)

if TYPE_CHECKING:  # alerts are for --follow only, and imported there
    from vaetui.core.alerts import AlertConfig, AlertDispatcher


def check(
    path: str,
    options: RunOptions,
    as_json: bool,
    follow: bool,
    poll: bool,
    alerts: AlertConfig | None = None,
) -> int:
    """Run ``vaetui check`` and return its exit code (0 healthy, 1 watch, 2 bad).

    With ``follow``, ``alerts`` says which hooks, webhooks and notifications hear of changes.
    """
    run = Run(path, options)
    failure = None
    images = store_for(path, options.images)
    if images is not None:
        run.attach_images(images)
    try:
        if follow:
            snap, failure = _follow(path, run, poll=poll, alerts=alerts, images=images)
        else:
            _read_whole(path, run)
            _read_images(path, run, images)
            snap = run.snapshot()
            _refuse_empty(path, snap)
    except InputError as exc:
        if as_json:
            print(json.dumps(error_json(run, exc)))
        raise
    if as_json or follow:
        # Followed, stdout stays JSON lines to the end: the summary is its last line.
        print(json.dumps(snap.to_json()), flush=True)
    if not as_json:
        from rich.console import Console

        from vaetui.commands.report import print_report

        print_report(snap, Console(highlight=False, stderr=follow))
    if failure is not None:
        raise InputError(failure, EXIT_UNREADABLE)
    return exit_code(snap)


def _refuse_empty(path: str, snap: Snapshot) -> None:
    """A file that is not text (exit 66) or holds no metric lines (exit 65) is an error."""
    if snap.read_error:
        raise InputError(f"{path}: {snap.read_error}", EXIT_UNREADABLE)
    if snap.records == 0:
        raise InputError(
            f"{path}: no metric lines found ({snap.lines} lines read)", EXIT_NO_METRICS
        )


def error_json(run: Run, exc: InputError) -> dict:
    """The ``--json`` object of a log that could not be judged: the usual fields (what
    was read, ``"records": 0``) and ``"error": {"code": ..., "message": ...}``."""
    out = run.snapshot().to_json()
    out["records"] = 0
    out["overall"] = "n/a"  # nothing was judged
    out["error"] = {"code": exc.code, "message": str(exc)}
    return out


def exit_code(snap: Snapshot) -> int:
    """0 healthy, 1 some WATCH, 2 some BAD."""
    levels = {v.level for v in snap.criteria}
    if "bad" in levels:
        return EXIT_BAD
    if "watch" in levels:
        return EXIT_WATCH
    return EXIT_OK


def _read_whole(path: str, run: Run) -> None:
    """The whole log into ``run``; a problem with the path is an input error (exit 66)."""
    from vaetui.core.formats.tfevents import TensorBoardMissing

    try:
        read_whole(path, run)
    except TensorBoardMissing as exc:
        raise UsageError(str(exc)) from None
    except SourceError as exc:
        raise InputError(str(exc), EXIT_UNREADABLE) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _read_images(path: str, run: Run, images: ImageStore | None) -> None:
    """Every sample image beside the log, measured; their steps from names or the log's time."""
    if images is None:
        return
    try:
        run.note_history_time(os.stat(path).st_mtime)
    except (OSError, ValueError):
        pass  # standard input: images without a step in their name stay without one
    read_once(images, run.step_times.step_at)


class _ChangePrinter:
    """Prints the core's verdict changes as JSON lines, each once, and hands them to alerts.

    Called from the log's follower and the image watcher, each on its own thread: one call at
    a time. A problem with the path is said once on stderr; a closed stdout (``| jq`` left)
    sets ``stop`` as SIGPIPE would.
    """

    def __init__(
        self, path: str, run: Run, stop: threading.Event, dispatcher: AlertDispatcher | None
    ) -> None:
        self._path, self._run, self._stop, self._dispatcher = path, run, stop, dispatcher
        self._printed = 0  # the number of the newest change printed
        self._said: str | None = None
        self._lock = threading.Lock()
        self.follower: RunFollower | None = None
        #: When (``time.time()``) the stall verdict turns watch if no line comes: the follow
        #: loop asks for a fresh picture then, as no read will (None: not due).
        self.stall_at: float | None = None

    def stall_due(self, now: float) -> bool:
        """The stall verdict may have changed with time alone since the last picture."""
        at = self.stall_at
        return at is not None and now > at

    def __call__(self) -> None:
        follower = self.follower
        if follower is None:
            return
        with self._lock:
            error = follower.status().error
            if error is not None and error != self._said:
                print(f"vaetui: {error}", file=sys.stderr, flush=True)
            self._said = error
            with follower.lock:
                snap = self._run.snapshot()
            if snap.records == 0:
                return
            self.stall_at = snap.stall_watch_at()
            self._print(snap)
            if self._dispatcher is not None:
                self._dispatcher.observe(snap, run_label(self._path), self._path)

    def _print(self, snap: Snapshot) -> None:
        for change in snap.changes:
            if change.seq > self._printed:
                try:
                    print(json.dumps(change.to_json()), flush=True)
                except BrokenPipeError:
                    self._stop.set()
                    return
                self._printed = change.seq


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP set ``stop`` while the block runs; handlers restored after."""
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _follow(
    path: str,
    run: Run,
    poll: bool,
    alerts: AlertConfig | None = None,
    images: ImageStore | None = None,
) -> tuple[Snapshot, str | None]:
    """Follow ``path`` until SIGINT/SIGTERM/SIGHUP; print a JSON line per verdict change.

    Changes of the overall verdict are lines of their own (``"criterion": "overall"``).
    Returns the final picture and, if the reader stopped for good, why (its verdicts n/a).
    A problem with the path (it became a device, it went unreadable) is said on stderr.
    """
    stop = threading.Event()
    dispatcher = start_dispatcher(alerts) if alerts is not None else None
    printer = _ChangePrinter(path, run, stop, dispatcher)
    follower = printer.follower = make_follower(path, run, on_update=printer, poll=poll)
    from vaetui.core.images.watch import ImageWatcher

    watcher = ImageWatcher(images, run.step_times.step_at, printer) if images else None
    with _stopped_by_signals(stop):
        try:
            follower.start()
            if watcher is not None:
                watcher.start()
            while not stop.wait(0.5):
                if follower.status().state in ("finished", FAILED):
                    break
                if printer.stall_due(time.time()):
                    printer()  # a quiet log: no read comes to judge the stall
        finally:
            status = follower.status()  # before stop(), which turns every state into "stopped"
            follower.stop()
            if watcher is not None:
                watcher.stop()
            # The last read may have been fed after its picture was asked for, or stopped
            # before it: its changes are printed (and alerted) now, never lost to the stop.
            printer()
            if dispatcher is not None:
                dispatcher.close()
    with follower.lock:
        run.finish()
        snap = run.snapshot()
    if status.state == FAILED:
        message = status.error or f"reading {path} stopped"
        return reader_failed(snap, message), message
    return snap, None
