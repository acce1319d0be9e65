"""Tell the follower when its log file may have changed, so an idle log costs no CPU.

The watch is on the file's parent directory (and on a symlink target's directory), not on the
file: that way creation, rename, deletion and a retargeted symlink are all seen, and the watch
survives the file being replaced. inotify is used when it works; on NFS/Lustre (`--poll`), or when
inotify cannot start (e.g. out of watches), watchdog's `PollingObserver` takes over. The watcher
knows nothing of readers or widgets: it only calls `on_change()` from its own thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
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
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

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
    """Calls `on_change()` from a background thread whenever the file at `path` may have changed.

    Args:
        path: the log file; neither it nor its directory need exist yet.
        on_change: called on the watcher's threads; keep it quick (e.g. set an Event).
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
        self._watches: dict[str, tuple[ObservedWatch, tuple[int, int]]] = {}
        self._uncertain = False
        self._resync = threading.Event()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    @property
    def mode(self) -> str:
        """How changes are seen: "inotify", "polling" or "polling (inotify unavailable)"."""
        return self._mode

    @property
    def path(self) -> str:
        """The absolute path being watched."""
        return self._path

    def start(self) -> None:
        """Start watching; when this returns, every existing directory is already watched."""
        if self._supervisor is not None:
            return
        self._observer = self._new_observer()
        self._sync_watches()
        self._supervisor = threading.Thread(
            target=self._supervise, name="vaetui-watch", daemon=True
        )
        self._supervisor.start()

    def stop(self) -> None:
        """Stop watching and join the threads; safe to call twice."""
        self._stopping.set()
        self._resync.set()
        if self._supervisor is not None:
            self._supervisor.join()
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join()
        self._watches.clear()

    def check(self) -> None:
        """Re-check the watched directories soon, e.g. after `mv run run.old && mkdir run`.

        Such a move sends no event into the watched directory; the follower calls this on its
        safety tick so a stale watch is repaired within a tick. Costs a few stat() calls.
        """
        self._resync.set()

    def _new_observer(self) -> BaseObserver:
        """A started observer: inotify unless polling is asked for or inotify cannot start."""
        if self._mode == "inotify":
            try:
                observer = Observer()
                observer.start()
                return observer
            except OSError:
                self._mode = "polling (inotify unavailable)"
        observer = PollingObserver(timeout=self._interval)
        observer.start()
        return observer

    def _supervise(self) -> None:
        """Re-aim the watches after a file or directory changed; poll while the file is missing.

        Polling is needed then: `rm -r run && mkdir run` sends no event while a handle on the old
        file pins the old directory. Only this thread (and `start()` before it) schedules
        watches, so there is no locking against watchdog's dispatch thread, which only reads.
        """
        while not self._stopping.is_set():
            self._resync.wait(self._interval if self._uncertain else None)
            if self._stopping.is_set():
                return
            self._resync.clear()
            if self._sync_watches():
                self._on_change()  # the file may already be in a directory that just appeared

    def _wanted_dirs(self) -> set[str]:
        """The file's directory and, for a symlink, its target's directory."""
        return {os.path.dirname(self._path), os.path.dirname(self._target)}

    def _sync_watches(self) -> bool:
        """Watch each wanted directory as it is now; return True if a new watch was added."""
        wanted = self._wanted_dirs()
        present = {d: ident for d in wanted if (ident := _dir_identity(d)) is not None}
        for directory, (_, ident) in list(self._watches.items()):
            if present.get(directory) != ident:  # gone, or replaced by a new directory
                self._unschedule(directory)
        added = False
        for directory in sorted(present):
            if directory not in self._watches:  # re-checked: a fallback may have re-scheduled
                added = self._schedule(directory, present[directory]) or added
        self._uncertain = len(self._watches) < len(wanted) or not os.path.exists(self._path)
        return added

    def _schedule(self, directory: str, ident: tuple[int, int]) -> bool:
        assert self._observer is not None
        try:
            watch = self._observer.schedule(
                _Handler(self._on_event), directory, event_filter=_EVENTS
            )
        except OSError as error:
            if self._mode == "inotify" and error.errno in _INOTIFY_EXHAUSTED:
                self._fall_back_to_polling()
                return True
            return False  # vanished again, or unreadable: retried while `_uncertain`
        self._watches[directory] = (watch, ident)
        return True

    def _unschedule(self, directory: str) -> None:
        watch, _ = self._watches.pop(directory)
        if self._observer is not None:
            with contextlib.suppress(KeyError):
                self._observer.unschedule(watch)

    def _fall_back_to_polling(self) -> None:
        """inotify ran out of watches: swap in a PollingObserver for every directory."""
        old, self._watches = self._observer, {}
        self._mode = "polling (inotify unavailable)"
        self._observer = self._new_observer()
        if old is not None:
            old.stop()
            old.join()
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
