"""Keep a consumer fed with a log's bytes, on a thread, from the first byte to the last.

`Follower` joins `FileSource` (what the bytes are) and `FileWatcher` (when to look): it backfills
the existing file in bounded chunks, reporting progress, then sleeps until the watcher says the
file changed, or a safety timeout passes so a missed event is never fatal. The consumer (in the app
a `vaetui.core.run.Run`) only ever sees `feed`, `source_reset` and `finish`, always under
`Follower.lock`. `follow_once` is the same pipeline without a thread, for `vaetui check`.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from vaetui.core.failure import FAILED
from vaetui.core.filekind import stdin_refusal
from vaetui.core.heap import hold_freed_memory, return_freed_memory
from vaetui.core.pool import FollowPool, shared_pool
from vaetui.core.source import FileSource, ReadResult, SourceError

if TYPE_CHECKING:
    from vaetui.core.run import Run
    from vaetui.core.watch import FileWatcher

CHUNK_BYTES = 4 * 1024 * 1024
"""Bytes fed per step; `on_update` runs between steps, so a UI can show backfill progress."""

#: Reads per turn on a pool thread: then the other followed files get theirs.
STEP_CHUNKS = 4

#: Seconds between two reads of a file that keeps being written: the first line after a
#: quiet spell is read at once, the lines of a steady stream in batches (one snapshot each),
#: no more often than the app redraws (``vaetui.ui.app.MIN_INTERVAL``).
COALESCE_SECONDS = 0.3

#: Two reads that found data at most ``coalesce`` plus this apart are a stream (read on a
#: timer with the watcher paused); a line every half second is not one, it is read on events.
PACE_SLACK = 0.1

#: A quiet file's safety look (made in case the watcher missed an event) comes ever later,
#: doubling from ``safety_interval`` up to this many times it; any change or event resets it.
SAFETY_STRETCH = 4

BATCH_CHUNK_BYTES = 4 * 1024 * 1024  # bigger chunks buy no speed and cost memory
"""Bytes per step in `follow_once`, where nobody watches progress."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FollowStatus:
    """What a follower reports about the file itself (not about the training run)."""

    #: "waiting for file", "reading", "following", "finished", "stopped" or "failed" (the
    #: reader stopped for good: see ``vaetui.core.failure``).
    state: str = "waiting for file"
    #: How changes are noticed ("inotify", "polling", "stream", "read once", ...).
    mode: str = ""
    #: The last problem with the path, in one sentence.
    error: str | None = None
    bytes_read: int = 0
    bytes_total: int = 0


class Consumer(Protocol):
    """What a follower feeds: the bytes, a reset (drop the partial line), and the end."""

    def feed(self, data: bytes) -> None: ...

    def source_reset(self, reason: str = "") -> None: ...

    def finish(self) -> None: ...


class RunFollower(Protocol):
    """A thread that keeps one run fed from its path: the text follower or the event reader.

    The run may be read only with ``lock`` held; ``on_update`` (given at construction) is
    called on the follower's thread after each change.
    """

    lock: threading.Lock

    def start(self) -> None:
        """Begin following on a thread of its own; returns at once."""

    def stop(self) -> None:
        """Stop following and join the thread; safe to call twice."""

    def status(self) -> FollowStatus:
        """The follower's state now (cheap: attribute reads only)."""


class Follower:
    """Follows one path on a background thread and feeds `consumer` with everything appended.

    Args:
        source_path: the log file (need not exist yet), or ``"-"`` for standard input.
        consumer: receives the bytes; called only with `lock` held.
        on_update: called on a pool thread after each chunk or state change.
        poll: poll the directory instead of using inotify (NFS, Lustre).
        safety_interval: seconds between checks when no event arrives (stretched up to
            ``SAFETY_STRETCH`` times while looks find nothing).
        on_history_time: called (with `lock` held) with the file's modification time once
            the existing file has been read, so an old log does not look fresh.
        pool: the worker threads that run its steps (default: the process's shared pool).
        coalesce: seconds between two reads while the file keeps changing (0: read on every
            change).
    """

    def __init__(
        self,
        source_path: str | os.PathLike[str],
        consumer: Consumer,
        on_update: Callable[[], None] | None = None,
        poll: bool = False,
        safety_interval: float = 1.0,
        on_history_time: Callable[[float], None] | None = None,
        pool: FollowPool | None = None,
        coalesce: float = COALESCE_SECONDS,
    ) -> None:
        self.lock = threading.Lock()
        self._coalesce = coalesce
        #: When the last read that found data began, and whether a step is running now.
        self._data_at = -math.inf
        self._stepping = False
        #: Something changed since ``on_update`` last ran (told once per step).
        self._unreported = False
        self._on_history_time = on_history_time
        self._path = os.fspath(source_path)
        self._consumer = consumer
        self._on_update = on_update
        self._safety_interval = safety_interval
        #: The current wait of the safety look (see ``_safety_wait``).
        self._safety_wait = safety_interval
        self._stopping = threading.Event()
        self._pool = pool or shared_pool()
        self._source = FileSource(self._path, on_data=self._wake)
        self._watcher = None if self._path == "-" else _watcher(self._path, self._wake, poll)
        self._started = False
        self._history_noted = False
        self._holds_memory = False  # freed blocks kept for reuse until the backfill ends
        self._state = "waiting for file"
        self._error: str | None = None

    @property
    def state(self) -> str:
        """One of "waiting for file", "reading", "following", "finished", "stopped"."""
        return self._state

    @property
    def mode(self) -> str:
        """How changes are noticed: the watcher's mode, or "stream" for standard input."""
        return self._watcher.mode if self._watcher is not None else "stream"

    @property
    def error(self) -> str | None:
        """The last problem with the path, in one sentence; None once reading works again."""
        return self._error

    @property
    def bytes_read(self) -> int:
        """Bytes read from the current file (progress of the backfill)."""
        return self._source.offset

    @property
    def bytes_total(self) -> int:
        """Size of the current file as last seen."""
        return self._source.size

    def status(self) -> FollowStatus:
        """State, mode, error and progress in one picture; "failed" if the reader died."""
        state, error = self._state, self._error
        active = state not in ("stopped", "finished", FAILED) and not self._stopping.is_set()
        if active and self._started and not self._pool.has(self):
            state, error = FAILED, error or f"reading {self._path} stopped"
        return FollowStatus(state, self.mode, error, self.bytes_read, self.bytes_total)

    def start(self) -> None:
        """Start watching, then backfill and follow on the pool's threads; returns at once."""
        if self._started:
            return
        if self._watcher is not None:
            self._watcher.start()  # before the first read, so no change falls in between
        self._state = "reading"
        self._started = True
        self._holds_memory = hold_freed_memory()
        self._pool.add(self)

    def stop(self) -> None:
        """Stop following and wait for a running step; safe to call twice, or before `start()`."""
        self._stopping.set()
        self._pool.remove(self)
        if self._watcher is not None:
            self._watcher.stop()
        self._source.close()
        self._state = "stopped"
        self._release_memory()

    def _release_memory(self) -> None:
        """The backfill is over (or never will be): stop keeping freed blocks for it."""
        if self._holds_memory:
            self._holds_memory = False
            return_freed_memory()

    def _wake(self) -> None:
        """The file may have changed (called by the watcher or the pipe reader).

        Read at once after a quiet spell; while the file keeps changing, at most once per
        ``coalesce`` seconds (a step running now counts as a read that found data).
        """
        now = time.monotonic()
        last = now if self._stepping else self._data_at
        self._pool.wake(self, at=last + self._coalesce)

    def step(self, timed_out: bool) -> float | None:
        """One turn on a pool thread: read up to ``STEP_CHUNKS`` chunks, then say when to
        look again (0: at once, more is waiting; None: finished, stopped or failed)."""
        if self._stopping.is_set():
            return None
        self._stepping = True
        try:
            return self._step(timed_out)
        except Exception as exc:  # a bug must not vanish silently with the reader
            _log.exception("follower for %s crashed", self._path)
            self._error = f"reading {self._path} stopped: {type(exc).__name__}: {exc}"
            self._state = FAILED
            self._notify()
            return None
        finally:
            self._stepping = False

    def _step(self, timed_out: bool) -> float | None:
        watcher = self._watcher
        if watcher is not None and not watcher.paused:
            if timed_out:
                watcher.check()  # no event for a while: make sure the watch is sound
            else:
                watcher.maintain()
        data_before = self._data_at
        finished, more = self._drain(STEP_CHUNKS)
        if finished:
            return None
        if more:
            return 0.0
        if not self._history_noted:
            self._history_noted = True
            self._release_memory()
            self._note_history_age()
        if watcher is not None and self._coalesce > 0:
            paced = self._paced(watcher, data_before)
            if paced is not None:
                return paced
        if watcher is not None and watcher.uncertain:
            return min(self._safety_interval, watcher.interval)
        return self._next_safety(timed_out and self._data_at == data_before)

    def _next_safety(self, found_nothing: bool) -> float:
        """Seconds until the next safety look: doubled after each one that found nothing
        (up to ``SAFETY_STRETCH`` times ``safety_interval``), back to ``safety_interval``
        after any event or data, so a missed event is still caught within a few seconds."""
        if found_nothing:
            wait = self._safety_wait
            self._safety_wait = min(wait * 2, self._safety_interval * SAFETY_STRETCH)
            return wait
        self._safety_wait = self._safety_interval
        return self._safety_interval

    def _paced(self, watcher: FileWatcher, data_before: float) -> float | None:
        """While the file grows read after read, read it every ``coalesce`` seconds on a
        timer, with the watcher paused (each write would be an event for nothing); once a
        read finds nothing new, listen again and look once more at once. None: no change."""
        found = self._data_at > data_before
        if found and self._data_at - data_before <= self._coalesce + PACE_SLACK:
            watcher.pause()
            return self._coalesce
        if watcher.paused:
            watcher.resume()
            return 0.0  # what was written while nobody listened is read now
        return None

    def _note_history_age(self) -> None:
        """Tell the consumer when the history it just read was written (the file's mtime),
        so an old log does not look fresh only because it was read a moment ago."""
        if self._on_history_time is None or self._source.is_stream:
            return
        try:
            mtime = os.stat(self._path).st_mtime
        except (OSError, TypeError, ValueError):
            return
        with self.lock:
            self._on_history_time(mtime)
        self._notify()

    def _drain(self, chunks: int) -> tuple[bool, bool]:
        """Feed up to ``chunks`` reads; return (a stream has ended, more may be waiting).

        ``on_update`` runs after each full chunk (backfill progress) and once at the end for
        the small reads of a growing file, however many there were: one snapshot per step.
        """
        try:
            return self._drain_reads(chunks)
        finally:
            if self._unreported:
                self._notify()

    def _drain_reads(self, chunks: int) -> tuple[bool, bool]:
        for _ in range(chunks):
            if self._stopping.is_set():
                return False, False
            started = time.monotonic()
            try:
                result = self._source.read(CHUNK_BYTES)
            except SourceError as exc:
                self._set(str(exc), "waiting for file")
                return False, False
            if result.data:
                self._data_at = started
            self._deliver(result)
            if self._source.finished:
                with self.lock:
                    self._consumer.finish()
                self._set(None, "finished", force=True)
                return True, False
            if not result.data and not result.reset:
                return False, False
        return False, True

    def _deliver(self, result: ReadResult) -> None:
        """Hand one read to the consumer, then tell the UI."""
        with self.lock:
            if result.reset:
                self._consumer.source_reset(result.reason)
            if result.data:
                self._consumer.feed(result.data)
        state = self._state_after(result)
        changed = bool(result.data or result.reset) or state != self._state or self._error
        self._error, self._state = None, state
        self._unreported |= bool(changed)
        if len(result.data) >= CHUNK_BYTES:
            self._notify()

    def _state_after(self, result: ReadResult) -> str:
        if len(result.data) >= CHUNK_BYTES:
            return "reading"
        if result.data or result.exists or self._source.is_stream:
            return "following"
        return "waiting for file"

    def _set(self, error: str | None, state: str, force: bool = False) -> None:
        """Record error and state; call `on_update` if anything changed."""
        changed = force or error != self._error or state != self._state
        self._error, self._state = error, state
        if changed:
            self._notify()

    def _notify(self) -> None:
        self._unreported = False
        if self._on_update is not None:
            self._on_update()


def wants_event_reader(path: str, fmt: str = "auto") -> bool:
    """True when ``path`` is read as TensorBoard event files rather than as text.

    ``--format tfevents`` forces it; with ``auto``, an event file or a folder holding event
    files is one. Standard input never is. The one place this choice is made.
    """
    if path == "-":
        return False
    if fmt == "tfevents":
        return True
    if fmt != "auto":
        return False
    from vaetui.core.formats.tfevents import is_event_path

    return is_event_path(Path(path))


def make_follower(
    path: str,
    run: Run,
    on_update: Callable[[], None] | None = None,
    poll: bool = False,
    tap: Consumer | None = None,
) -> RunFollower:
    """The follower ``path`` needs: event files are re-read, everything else is tailed.

    ``tap``, if given, sees the same bytes as ``run`` (the raw lines of standard input).
    """
    if wants_event_reader(path, run.options.fmt):
        from vaetui.core.eventfollow import EventFollower

        return EventFollower(path, run, on_update=on_update)
    consumer: Consumer = run if tap is None else Tee(run, tap)
    return Follower(
        path, consumer, on_update=on_update, poll=poll, on_history_time=run.note_history_time
    )


class Tee:
    """Feeds two consumers the same bytes, resets and end, in order."""

    def __init__(self, first: Consumer, second: Consumer) -> None:
        self._both = (first, second)

    def feed(self, data: bytes) -> None:
        for c in self._both:
            c.feed(data)

    def source_reset(self, reason: str = "") -> None:
        for c in self._both:
            c.source_reset(reason)

    def finish(self) -> None:
        for c in self._both:
            c.finish()


def read_whole(path: str, run: Run) -> FollowStatus:
    """Read everything ``path`` holds now into ``run`` and finish it, on the calling thread.

    Text files and standard input are read to their end; event files through TensorBoard's
    loader. The one whole-file read of the project (``check``, screenshots and tests).

    Raises:
        SourceError: the path does not exist, is a directory or cannot be read.
        TensorBoardMissing: event files, but the ``tensorboard`` extra is not installed.
    """
    if wants_event_reader(path, run.options.fmt):
        from vaetui.core.eventfollow import EventFollower

        reader = EventFollower(path, run)
        reader.read_now(strict=True)
        return FollowStatus(
            "finished", "read once", reader.error, reader.bytes_read, reader.bytes_read
        )
    if path == "-" and (refused := stdin_refusal()) is not None:
        raise SourceError(refused)
    size = _read_stdin(run) if path == "-" else follow_once(path, run)
    return FollowStatus("finished", "read once", None, size, size)


def _read_stdin(consumer: Consumer) -> int:
    """Standard input to its end, blocking (a batch read has nothing else to do meanwhile)."""
    total = 0
    while chunk := sys.stdin.buffer.read(BATCH_CHUNK_BYTES):
        consumer.feed(chunk)
        total += len(chunk)
    consumer.finish()
    return total


def _watcher(path: str, wake: Callable[[], None], poll: bool) -> FileWatcher:
    """The watchdog observer for ``path`` (imported here: one-shot reads never need it)."""
    from vaetui.core.watch import FileWatcher

    return FileWatcher(path, wake, poll)


def follow_once(path: str | os.PathLike[str], consumer: Consumer, finish: bool = True) -> int:
    """Read a whole file (or standard input to EOF) into `consumer`, in large chunks.

    Args:
        path: the log file, or ``"-"`` for standard input.
        consumer: receives `feed` / `source_reset`, then `finish` if `finish` is true.
        finish: call `consumer.finish()` at the end (the last line needs no newline).

    Returns:
        The number of bytes read.

    Raises:
        SourceError: the file does not exist, is a directory or cannot be read.
    """
    arrived = threading.Event()
    source = FileSource(path, on_data=arrived.set)
    total = 0
    held = hold_freed_memory()
    try:
        while True:
            arrived.clear()
            result = source.read(BATCH_CHUNK_BYTES)
            if not (result.exists or result.data or total):
                raise SourceError(f"{source.path} does not exist")
            if result.reset:
                consumer.source_reset(result.reason)
            if result.data:
                consumer.feed(result.data)
                total += len(result.data)
            elif source.is_stream and not source.finished:
                arrived.wait()  # set by the reader thread when more arrives or at EOF
            elif not result.reset:
                break
    finally:
        source.close()
        if held:
            return_freed_memory()
    if finish:
        consumer.finish()
    return total
