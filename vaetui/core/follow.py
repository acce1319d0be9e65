"""Keep a consumer fed with a log's bytes, on a thread, from the first byte to the last.

`Follower` joins `FileSource` (what the bytes are) and `FileWatcher` (when to look): it backfills
the existing file in bounded chunks, reporting progress, then sleeps until the watcher says the
file changed, or a safety timeout passes so a missed event is never fatal. The consumer (in the app
a `vaetui.core.run.Run`) only ever sees `feed`, `source_reset` and `finish`, always under
`Follower.lock`. `follow_once` is the same pipeline without a thread, for `vaetui check`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Protocol

from vaetui.core.source import FileSource, ReadResult, SourceError

CHUNK_BYTES = 4 * 1024 * 1024
"""Bytes fed per step; `on_update` runs between steps, so a UI can show backfill progress."""

BATCH_CHUNK_BYTES = 4 * 1024 * 1024  # bigger chunks buy no speed and cost memory
"""Bytes per step in `follow_once`, where nobody watches progress."""

_log = logging.getLogger(__name__)


class Consumer(Protocol):
    """What a follower feeds: the bytes, a reset (drop the partial line), and the end."""

    def feed(self, data: bytes) -> None: ...

    def source_reset(self) -> None: ...

    def finish(self) -> None: ...


class Follower:
    """Follows one path on a background thread and feeds `consumer` with everything appended.

    Args:
        source_path: the log file (need not exist yet), or ``"-"`` for standard input.
        consumer: receives the bytes; called only with `lock` held.
        on_update: called on the follower's thread after each chunk or state change.
        poll: poll the directory instead of using inotify (NFS, Lustre).
        safety_interval: seconds between checks when no event arrives.
    """

    def __init__(
        self,
        source_path: str | os.PathLike[str],
        consumer: Consumer,
        on_update: Callable[[], None] | None = None,
        poll: bool = False,
        safety_interval: float = 1.0,
    ) -> None:
        self.lock = threading.Lock()
        self._path = os.fspath(source_path)
        self._consumer = consumer
        self._on_update = on_update
        self._safety_interval = safety_interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._source = FileSource(self._path, on_data=self._wake.set)
        self._watcher = None if self._path == "-" else _watcher(self._path, self._wake.set, poll)
        self._thread: threading.Thread | None = None
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

    def start(self) -> None:
        """Start watching, then backfill and follow on a thread; returns at once.

        A follower runs once: `start()` after `stop()` does nothing.
        """
        if self._thread is not None or self._stopping.is_set():
            return
        if self._watcher is not None:
            self._watcher.start()  # before the first read, so no change falls in between
        self._state = "reading"
        self._thread = threading.Thread(
            target=self._run, name=f"vaetui-follow {self._path}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop following and join every thread; safe to call twice, or before `start()`."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        if self._watcher is not None:
            self._watcher.stop()
        self._source.close()
        self._state = "stopped"

    def _run(self) -> None:
        try:
            finished = self._drain()
            self._note_history_age()
            while not finished and not self._stopping.is_set():
                if not self._wake.wait(self._safety_interval) and self._watcher is not None:
                    self._watcher.check()  # no event for a while: make sure the watch is sound
                self._wake.clear()  # before reading: a change during the read wakes us again
                if not self._stopping.is_set():
                    finished = self._drain()
        except Exception as exc:  # a bug must not vanish silently with the thread
            _log.exception("follower for %s crashed", self._path)
            self._error = f"internal error while reading {self._path}: {exc}"
            self._state = "stopped"
            self._notify()

    def _note_history_age(self) -> None:
        """Tell the consumer when the history it just read was written (the file's mtime),
        so an old log does not look fresh only because it was read a moment ago."""
        note = getattr(self._consumer, "note_history_time", None)
        if note is None or self._source.is_stream:
            return
        try:
            mtime = os.stat(self._path).st_mtime
        except (OSError, TypeError, ValueError):
            return
        with self.lock:
            note(mtime)
        self._notify()

    def _drain(self) -> bool:
        """Feed everything available now; return True once a stream has ended."""
        while not self._stopping.is_set():
            try:
                result = self._source.read(CHUNK_BYTES)
            except SourceError as exc:
                self._set(str(exc), "waiting for file")
                return False
            self._deliver(result)
            if self._source.finished:
                with self.lock:
                    self._consumer.finish()
                self._set(None, "finished", force=True)
                return True
            if not result.data and not result.reset:
                return False
        return False

    def _deliver(self, result: ReadResult) -> None:
        """Hand one read to the consumer, then tell the UI."""
        with self.lock:
            if result.reset:
                self._consumer.source_reset()
            if result.data:
                self._consumer.feed(result.data)
        state = self._state_after(result)
        self._set(None, state, force=bool(result.data or result.reset))

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
        if self._on_update is not None:
            self._on_update()


def _watcher(path: str, wake: Callable[[], None], poll: bool):
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
    try:
        while True:
            arrived.clear()
            result = source.read(BATCH_CHUNK_BYTES)
            if not (result.exists or result.data or total):
                raise SourceError(f"{source.path} does not exist")
            if result.reset:
                consumer.source_reset()
            if result.data:
                consumer.feed(result.data)
                total += len(result.data)
            elif source.is_stream and not source.finished:
                arrived.wait()  # set by the reader thread when more arrives or at EOF
            elif not result.reset:
                break
    finally:
        source.close()
    if finish:
        consumer.finish()
    return total
