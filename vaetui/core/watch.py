"""Tell the follower when its log file may have changed, so an idle log costs no CPU.

The watch is on the file's parent directory (and on a symlink target's directory), not on the
file: that way creation, rename, deletion and a retargeted symlink are all seen, and the watch
survives the file being replaced. inotify is used when it works; on NFS/Lustre (`--poll`), or when
inotify cannot start (e.g. out of watches), watchdog's `PollingObserver` takes over. The watcher
knows nothing of readers or widgets: it only calls `on_change()` from its own thread.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from collections.abc import Callable

from watchdog.events import (
    DirDeletedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers.api import BaseObserver, ObservedWatch

from vaetui.core import observers

# Only writes and namespace changes: open/close-without-write events are excluded, or the
# follower's own reads would wake it up again.
_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    DirDeletedEvent,
]

_INOTIFY_EXHAUSTED = {errno.ENOSPC, errno.EMFILE, errno.ENFILE, errno.ENOSYS}
"""errno values that mean "inotify cannot take another watch here", not "bad directory"."""


_CONTENT_EVENTS = (FileModifiedEvent, FileAttribEvent, FileClosedEvent)


def _dir_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of a directory, or None if `path` is not one (yet)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


class _Handler(FileSystemEventHandler):
    """Forwards every event to one callback."""

    def __init__(self, callback: Callable[[FileSystemEvent], None]) -> None:
        self._callback = callback

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._callback(event)


class FileWatcher:
    """Calls `on_change()` from a watchdog thread whenever the file at `path` may have changed.

    It has no thread of its own: the shared observer (see ``vaetui.core.observers``) delivers
    the events, and the follower calls ``maintain()`` on each of its steps, which re-aims the
    watches after a directory changed and, while the file or its directory is missing, looks
    again every ``poll_interval`` seconds.

    Args:
        path: the log file; neither it nor its directory need exist yet.
        on_change: called on watchdog's thread; keep it quick (e.g. wake a task).
        poll: use polling instead of inotify (network filesystems).
        poll_interval: seconds between polls, for polling and for a missing directory.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        on_change: Callable[[], None],
        poll: bool = False,
        poll_interval: float = 0.5,
    ) -> None:
        self._path = os.path.abspath(os.fspath(path))
        self._target = os.path.realpath(self._path)
        self._on_change = on_change
        self._interval = poll_interval
        self._mode = "polling" if poll else "inotify"
        self._observer: BaseObserver | None = None
        self._handler = _Handler(self._on_event)
        self._watches: dict[str, tuple[ObservedWatch, tuple[int, int]]] = {}
        self._uncertain = False
        self._resync = threading.Event()
        self._synced_at = 0.0
        self._paused = False
        self._lock = threading.Lock()

    @property
    def mode(self) -> str:
        """How changes are seen: "inotify", "polling" or "polling (inotify unavailable)"."""
        return self._mode

    @property
    def path(self) -> str:
        """The absolute path being watched."""
        return self._path

    @property
    def interval(self) -> float:
        """Seconds between looks while the file or its directory is missing."""
        return self._interval

    @property
    def paused(self) -> bool:
        """True while the watcher does not listen (see ``pause``)."""
        return self._paused

    def pause(self) -> None:
        """Stop listening for now: a file written line by line sends an event per write,
        and each costs watchdog's threads, while its follower reads it on a timer anyway.
        ``resume`` listens again; the caller reads once more after it (nothing is missed)."""
        with self._lock:
            if self._paused or self._observer is None:
                return
            self._paused = True
            for directory in list(self._watches):
                self._unschedule(directory, self._observer)

    def resume(self) -> None:
        """Listen again after ``pause``; every wanted directory is watched when it returns."""
        with self._lock:
            if not self._paused:
                return
            self._paused = False
            if self._observer is not None:
                self._sync_watches()

    @property
    def uncertain(self) -> bool:
        """True while the file or a directory to watch is missing: look again soon."""
        return self._uncertain

    def start(self) -> None:
        """Start watching; when this returns, every existing directory is already watched."""
        if self._observer is not None:
            return
        self._observer = self._new_observer()
        with self._lock:
            self._sync_watches()

    def stop(self) -> None:
        """Stop watching; safe to call twice."""
        with self._lock:
            observer, self._observer = self._observer, None
            if observer is not None:
                for directory in list(self._watches):
                    self._unschedule(directory, observer)
                observers.release(observer)
            self._watches.clear()

    def check(self) -> None:
        """Re-check the watched directories now, e.g. after `mv run run.old && mkdir run`.

        Such a move sends no event into the watched directory; the follower calls this on its
        safety tick so a stale watch is repaired within a tick. Costs a few stat() calls.
        """
        self._resync.set()
        self.maintain()

    def maintain(self) -> None:
        """Re-aim the watches if asked to, or if uncertain and a poll interval has passed.

        Polling is needed while the file is missing: `rm -r run && mkdir run` sends no event
        while a handle on the old file pins the old directory. Calls `on_change()` when a new
        watch was added, since the file may already be in a directory that just appeared.
        """
        if self._paused:
            return  # re-aimed when it listens again
        due = self._uncertain and time.monotonic() - self._synced_at >= self._interval
        if not (self._resync.is_set() or due):
            return
        self._resync.clear()
        with self._lock:
            if self._observer is None:
                return
            added = self._sync_watches()
        if added:
            self._on_change()

    def _new_observer(self) -> BaseObserver:
        """A started observer: inotify unless polling is asked for or inotify cannot start."""
        if self._mode == "inotify":
            try:
                return observers.acquire(False, self._interval)
            except OSError:
                self._mode = "polling (inotify unavailable)"
        return observers.acquire(True, self._interval)

    def _wanted_dirs(self) -> set[str]:
        """The file's directory and, for a symlink, its target's directory."""
        return {os.path.dirname(self._path), os.path.dirname(self._target)}

    def _sync_watches(self) -> bool:
        """Watch each wanted directory as it is now; return True if a new watch was added."""
        self._synced_at = time.monotonic()
        wanted = self._wanted_dirs()
        present = {d: ident for d in wanted if (ident := _dir_identity(d)) is not None}
        for directory, (_, ident) in list(self._watches.items()):
            if present.get(directory) != ident:  # gone, or replaced by a new directory
                self._unschedule(directory, self._observer)
        added = False
        for directory in sorted(present):
            if directory not in self._watches:  # re-checked: a fallback may have re-scheduled
                added = self._schedule(directory, present[directory]) or added
        self._uncertain = len(self._watches) < len(wanted) or not os.path.exists(self._path)
        return added

    def _schedule(self, directory: str, ident: tuple[int, int]) -> bool:
        assert self._observer is not None
        try:
            watch = observers.schedule(self._observer, self._handler, directory, _EVENTS)
        except OSError as error:
            if self._mode == "inotify" and error.errno in _INOTIFY_EXHAUSTED:
                self._fall_back_to_polling()
                return True
            return False  # vanished again, or unreadable: retried while `_uncertain`
        self._watches[directory] = (watch, ident)
        return True

    def _unschedule(self, directory: str, observer: BaseObserver | None) -> None:
        watch, _ = self._watches.pop(directory)
        if observer is not None:
            observers.unschedule(observer, self._handler, watch)

    def _fall_back_to_polling(self) -> None:
        """inotify ran out of watches: move every directory to the shared PollingObserver."""
        old = self._observer
        for directory in list(self._watches):
            self._unschedule(directory, old)
        self._mode = "polling (inotify unavailable)"
        self._observer = observers.acquire(True, self._interval)
        if old is not None:
            observers.release(old)
        self._sync_watches()

    def _on_event(self, event: FileSystemEvent) -> None:
        """On watchdog's thread: wake the follower if the event touches our file."""
        paths = {os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", b""))}
        if isinstance(event, DirDeletedEvent):
            if paths & self._wanted_dirs():
                self._resync.set()
                self._on_change()
            return
        if not paths & {self._path, self._target}:
            return
        if not isinstance(event, _CONTENT_EVENTS):  # created, deleted or moved
            # A retargeted symlink: writes to the new target count from now on.
            self._target = os.path.realpath(self._path)
            self._resync.set()
        self._on_change()
