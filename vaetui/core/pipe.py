"""Standard input and named pipes, read without ever blocking the caller.

``vaetui tail -`` and a FIFO deliver bytes only when the writer sends them; a daemon thread
reads them into a small bounded queue (back-pressure keeps memory flat) and ``read()``
returns what has arrived so far.
"""

from __future__ import annotations

import os
import queue
import select
import threading
import time
from collections.abc import Callable

#: The descriptor standard input's log data is read from. ``vaetui tail -`` moves the
#: piped log here and gives descriptor 0 back to the terminal, for the keyboard.
STDIN_FD = 0

_PIPE_READ = 256 * 1024
_PIPE_QUEUE = 16
_POLL_SECONDS = 0.25


class PipeReader:
    """Standard input or a FIFO, read on a daemon thread into a small bounded queue.

    The bounded queue is the back-pressure that keeps memory flat when the writer is faster.
    """

    def __init__(self, path: str | None, name: str, on_data: Callable[[], None] | None) -> None:
        self._path = path
        self._name = name
        self._on_data = on_data
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_PIPE_QUEUE)
        self._stop = threading.Event()
        self._leftover = b""
        self._eof = False
        self._error: OSError | None = None
        self.offset = 0
        self._thread = threading.Thread(target=self._run, name=f"vaetui-pipe {name}", daemon=True)
        self._thread.start()

    @property
    def finished(self) -> bool:
        return self._eof and not self._leftover

    def read(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` that arrived so far (never blocks); raises ``PipeError`` once."""
        parts, size = [self._leftover], len(self._leftover)
        while size < max_bytes and not self._eof:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._eof = True
            else:
                parts.append(item)
                size += len(item)
        data = b"".join(parts)
        data, self._leftover = data[:max_bytes], data[max_bytes:]
        self.offset += len(data)
        if self._error and not data and self._eof:
            error, self._error = self._error, None  # reported once; then the stream is finished
            raise error
        return data

    def close(self) -> None:
        self._stop.set()
        deadline = time.monotonic() + 2.0
        while self._thread.is_alive() and time.monotonic() < deadline:
            if self._path is not None:
                self._unblock_open()  # repeated: the thread may not have reached open() yet
            self._thread.join(timeout=0.05)

    def _unblock_open(self) -> None:
        """A reader blocked opening a FIFO wakes up when a writer opens it: be that writer."""
        assert self._path is not None
        try:
            os.close(os.open(self._path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass

    def _run(self) -> None:
        fd = None
        try:
            fd = STDIN_FD if self._path is None else os.open(self._path, os.O_RDONLY)
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], _POLL_SECONDS)
                if not ready:
                    continue
                chunk = os.read(fd, _PIPE_READ)
                if not chunk:
                    break
                self._put(chunk)
        except OSError as error:
            self._error = error
        finally:
            if fd is not None and self._path is not None:
                os.close(fd)
            self._put(None)

    def _put(self, item: bytes | None) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
            except queue.Full:
                continue
            if self._on_data is not None:
                self._on_data()
            return
