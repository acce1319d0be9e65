"""Read the bytes a training log gains, whatever happens to the file underneath.

A trainer's log grows, gets truncated by `copytruncate`, renamed away by logrotate, deleted and
written again, or is a symlink that someone points at a newer run. `FileSource` turns all of that
into a plain sequence of byte chunks plus a `reset` flag, so the caller's line splitter only has
to drop its held-back partial line when told to: every complete line arrives exactly once.
Pipes and standard input are read on a thread so `read()` never blocks.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass

from vaetui.core.filekind import refusal
from vaetui.core.pipe import PipeReader

CHUNK_BYTES = 4 * 1024 * 1024
"""Default upper bound on one `read()`; keeps memory flat on a huge log."""

_BLOCK_BYTES = 4096
"""The file's first block and the block before the offset are kept, so that a file truncated
and written again is told from one that only grew, even when its lines end alike."""

TRUNCATED, REWRITTEN = "file was truncated", "file was rewritten"
#: Reset reasons that mean "the same file, with new content from its start".
TRUNCATIONS = frozenset({TRUNCATED, REWRITTEN})


class SourceError(Exception):
    """A problem with the log path the user can fix; `str()` is one sentence for them."""


@dataclass(frozen=True)
class ReadResult:
    """What one `FileSource.read()` produced.

    `reset` means: drop any held-back partial line *before* feeding `data`, because the file was
    truncated or replaced. `exists` tells whether the path currently exists.
    """

    data: bytes
    reset: bool
    exists: bool
    reason: str = ""


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def _describe(error: OSError, name: str) -> SourceError:
    """Turn an OS error about `name` into a sentence for the user."""
    if isinstance(error, IsADirectoryError):
        return SourceError(f"{name} is a directory, not a log file")
    if isinstance(error, PermissionError):
        return SourceError(f"cannot read {name}: permission denied")
    if isinstance(error, NotADirectoryError):
        return SourceError(f"cannot open {name}: a folder in its path is a file")
    return SourceError(f"cannot read {name}: {error.strerror or error}")


class FileSource:
    """Newly appended bytes of one path, from an offset, across truncation and rotation.

    Args:
        path: the log file, or ``"-"`` for standard input. It need not exist yet.
        on_data: called from the reader thread when a pipe or standard input has new bytes
            (regular files are woken by `vaetui.core.watch` instead).
    """

    def __init__(
        self, path: str | os.PathLike[str], on_data: Callable[[], None] | None = None
    ) -> None:
        self._path = os.fspath(path)
        self._name = "standard input" if self._path == "-" else self._path
        self._on_data = on_data
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None
        self._link: str | None = None
        self._offset = 0
        self._size = 0
        self._mtime = 0
        self._head = b""
        self._tail = b""
        self._reset_reason = ""
        self._stream: PipeReader | None = None

    @property
    def path(self) -> str:
        """The path as given (``"-"`` for standard input)."""
        return self._path

    @property
    def offset(self) -> int:
        """Bytes consumed from the file currently open."""
        return self._stream.offset if self._stream else self._offset

    @property
    def size(self) -> int:
        """Last known size of the file currently open."""
        return self._stream.offset if self._stream else self._size

    @property
    def is_stream(self) -> bool:
        """True for standard input, a FIFO or a device: no size, no rotation, ends at EOF."""
        return self._path == "-" or self._stream is not None

    @property
    def finished(self) -> bool:
        """True once a stream has hit end of file and every byte of it was returned."""
        return self._stream is not None and self._stream.finished

    def read(self, max_bytes: int = CHUNK_BYTES) -> ReadResult:
        """Return up to `max_bytes` new bytes; never blocks.

        Raises:
            SourceError: the path is a directory, unreadable, or reading failed.
        """
        if self._stream is None and self._path == "-":
            self._stream = PipeReader(None, self._name, self._on_data)  # started on first use
        if self._stream is not None:
            return self._read_stream(max_bytes)
        if self._fd is None:
            return self._open(max_bytes)
        path_stat = self._stat_path()
        replaced = path_stat is not None and _identity(path_stat) != self._identity
        reason = self._check_truncation()
        data = self._read_fd(max_bytes)
        if data or reason or not replaced:
            return ReadResult(data, bool(reason), path_stat is not None, reason)
        # The old handle is finished: only now move on to the file that replaced it.
        self._reset_reason = self._replacement_reason()
        self._close_fd()
        return self._open(max_bytes)

    def _read_stream(self, max_bytes: int) -> ReadResult:
        assert self._stream is not None
        try:
            return ReadResult(self._stream.read(max_bytes), False, True)
        except OSError as error:
            raise _describe(error, self._name) from None

    def close(self) -> None:
        """Release the file handle or stop the pipe reader; safe to call twice."""
        self._close_fd()
        if self._stream is not None:
            self._stream.close()

    def _stat_path(self) -> os.stat_result | None:
        try:
            return os.stat(self._path)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _describe(error, self._name) from None

    def _open(self, max_bytes: int) -> ReadResult:
        """Open the path (if it exists) and read its first chunk."""
        path_stat = self._stat_path()
        if path_stat is None:
            return ReadResult(b"", False, False)
        if stat.S_ISFIFO(path_stat.st_mode):
            # Checked before opening: opening a FIFO here would block, or break its writer.
            self._stream = PipeReader(self._path, self._name, self._on_data)
            return self._read_stream(max_bytes)
        refused = refusal(self._name, path_stat.st_mode)
        if refused is not None:
            raise SourceError(refused)  # a device is never read
        try:
            fd = os.open(self._path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return ReadResult(b"", False, False)
        except OSError as error:
            raise _describe(error, self._name) from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            if stat.S_ISDIR(st.st_mode):
                raise SourceError(f"{self._name} is a directory, not a log file")
            raise SourceError(f"{self._name} changed type while being opened; retrying")
        self._fd, self._identity, self._link = fd, _identity(st), self._read_link()
        self._offset, self._size, self._mtime = 0, st.st_size, st.st_mtime_ns
        self._head = self._tail = b""
        reason, self._reset_reason = self._reset_reason, ""
        return ReadResult(self._read_fd(max_bytes), bool(reason), True, reason)

    def _read_link(self) -> str | None:
        try:
            return os.readlink(self._path)
        except OSError:
            return None

    def _replacement_reason(self) -> str:
        link = self._read_link()
        if link is not None and link != self._link:
            return "symlink target changed"
        return "file was replaced"

    def _check_truncation(self) -> str:
        """Start over from 0 if the open file shrank or its bytes before the offset changed.

        Looked at only when the size or the modification time moved. Returns the reason
        (``TRUNCATED`` or ``REWRITTEN``) when it started over, else "".
        """
        assert self._fd is not None
        st = os.fstat(self._fd)
        size = st.st_size
        changed = size != self._size or st.st_mtime_ns != self._mtime
        self._size, self._mtime = max(size, self._offset), st.st_mtime_ns
        if size >= self._offset and (not changed or self._content_matches()):
            return ""
        reason = TRUNCATED if size < self._offset else REWRITTEN
        os.lseek(self._fd, 0, os.SEEK_SET)
        self._offset, self._size, self._head, self._tail = 0, size, b"", b""
        return reason

    def _content_matches(self) -> bool:
        """True if the file's first block and the block before the offset are unchanged."""
        assert self._fd is not None
        head_ok = not self._head or os.pread(self._fd, len(self._head), 0) == self._head
        if not head_ok or not self._tail:
            return head_ok
        start = self._offset - len(self._tail)
        return os.pread(self._fd, len(self._tail), start) == self._tail

    def _read_fd(self, max_bytes: int) -> bytes:
        assert self._fd is not None
        if self._size <= self._offset:
            return b""  # idle: spare the read() call; the size came from a fresh fstat()
        try:
            data = os.read(self._fd, max_bytes)
        except OSError as error:
            raise _describe(error, self._name) from None
        self._offset += len(data)
        self._size = max(self._size, self._offset)
        if len(self._head) < _BLOCK_BYTES:
            self._head += data[: _BLOCK_BYTES - len(self._head)]
        self._tail = (self._tail + data[-_BLOCK_BYTES:])[-_BLOCK_BYTES:]
        return data

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def newest_part(path: str, limit: int, lines: int | None = None) -> tuple[bytes, int] | None:
    """The last ``limit`` bytes of a big regular file, from a line or refresh boundary, and
    its size; of those only the last ``lines`` lines when ``lines`` is given.

    None for standard input, a file of at most ``2 * limit`` bytes (read it whole instead), or
    one that cannot be read. Used to judge a big log's newest part while its history loads.
    """
    if path == "-":
        return None
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size <= 2 * limit:
                return None
            fh.seek(size - limit)
            tail = fh.read(limit)
    except OSError:
        return None
    # From the first segment's end: a ``\n``, or the ``\r`` that ends a progress-bar refresh
    # (a tqdm log's newest megabyte may hold no ``\n`` before its last lines).
    ends = [i for i in (tail.find(b"\n"), tail.find(b"\r")) if i >= 0]
    tail = tail[min(ends) + 1 :] if ends else b""
    return (tail if lines is None else last_lines(tail, lines)), size


def last_lines(data: bytes, count: int) -> bytes:
    """The last ``count`` lines of ``data`` (an unfinished last line counts as one), or all
    of it when it has no more."""
    pos = len(data) - 1 if data.endswith(b"\n") else len(data)
    for _ in range(count):
        pos = data.rfind(b"\n", 0, pos)
        if pos < 0:
            return data
    return data[pos + 1 :]
