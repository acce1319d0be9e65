"""One watchdog observer per way of watching, shared by every followed file.

Each observer runs a thread, and each directory it watches another; many logs in few
directories should cost few threads. Watchers ask here for the observer of their mode and
schedule their directory through it: a directory watched for several logs is one watch with
several handlers, removed when its last handler goes; an observer is stopped when its last
user releases it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

_lock = threading.Lock()


class _Entry:
    __slots__ = ("observer", "users")

    def __init__(self, observer: BaseObserver) -> None:
        self.observer = observer
        self.users = 0


#: (mode, poll interval) -> the observer and how many watchers use it
_observers: dict[tuple[str, float], _Entry] = {}
#: watch -> handlers scheduled on it through this module
_handlers: dict[tuple[int, ObservedWatch], int] = {}


def acquire(polling: bool, interval: float) -> BaseObserver:
    """The started shared observer for inotify (``polling`` False) or polling.

    Raises:
        OSError: inotify cannot start (out of instances, not supported here).
    """
    key = ("polling" if polling else "inotify", interval if polling else 0.0)
    with _lock:
        entry = _observers.get(key)
        if entry is None:
            observer = PollingObserver(timeout=interval) if polling else Observer()
            observer.start()
            entry = _observers[key] = _Entry(observer)
        entry.users += 1
        return entry.observer


def release(observer: BaseObserver) -> None:
    """One user less; the last one stops the observer and joins its threads."""
    stop = False
    with _lock:
        for key, entry in list(_observers.items()):
            if entry.observer is observer:
                entry.users -= 1
                if entry.users <= 0:
                    del _observers[key]
                    stop = True
                    for hkey in [k for k in _handlers if k[0] == id(observer)]:
                        del _handlers[hkey]
    if stop:
        observer.stop()
        observer.join()


def schedule(
    observer: BaseObserver,
    handler: FileSystemEventHandler,
    directory: str,
    events: Sequence[type[FileSystemEvent]],
) -> ObservedWatch:
    """Watch ``directory`` for ``handler``, sharing the watch other handlers have on it."""
    with _lock:
        watch = observer.schedule(handler, directory, event_filter=list(events))
        key = (id(observer), watch)
        _handlers[key] = _handlers.get(key, 0) + 1
        return watch


def unschedule(
    observer: BaseObserver, handler: FileSystemEventHandler, watch: ObservedWatch
) -> None:
    """Stop ``handler`` hearing of ``watch``; the watch goes with its last handler."""
    with _lock:
        key = (id(observer), watch)
        left = _handlers.get(key, 1) - 1
        try:
            if left > 0:
                _handlers[key] = left
                observer.remove_handler_for_watch(handler, watch)
            else:
                _handlers.pop(key, None)
                observer.unschedule(watch)
        except (KeyError, ValueError):
            pass  # already gone with its directory
