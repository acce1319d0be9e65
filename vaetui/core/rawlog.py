"""The log's own lines by number: where a user finds the traceback behind a BAD verdict.

:class:`RawLog` answers "lines 7,400 to 7,440", "how many lines are there" and "the next line
matching this regex" without holding the log in memory. For a file it keeps the byte offset
of every ``EVERY``-th line (an index built as the file is scanned, a few bytes a thousand
lines), and reads the few lines asked for from disk. Standard input cannot be read again, so
for it the newest ``RING_LINES`` lines are kept in a ring, fed by the follower (``feed``).

Line numbers are 1-based physical (``\\n``-terminated) lines, as the core numbers an event's
``line``, so an event jumps straight to its line. Text is shown literally: escape sequences
and control characters are stripped, a ``\\r``-redrawn progress bar shows its last frame, and a
very long line is cut.
"""

from __future__ import annotations

import os
import re
import threading
from collections import deque
from collections.abc import Iterator
from typing import Protocol

import numpy as np

from vaetui.core.lines import clean_text

#: One offset is kept every this many lines.
EVERY = 256
#: Lines kept for standard input.
RING_LINES = 20_000
#: Characters of one line that are shown (a whole tqdm run can be one line).
MAX_CHARS = 2_000
_SCAN_BYTES = 1 << 20
_READ_BYTES = 64 << 10


def display_text(raw: bytes) -> str:
    """One physical line as it reads on a terminal: decoded, escapes stripped, last frame."""
    text = raw.decode("utf-8", errors="replace").rstrip("\n")
    if "\r" in text:
        frames = [f for f in text.split("\r") if f.strip()]
        text = frames[-1] if frames else ""
    text = clean_text(text).replace("\t", "    ")
    return text[:MAX_CHARS]


class RawLines(Protocol):
    """What the UI may ask of a log's own lines (a file or standard input)."""

    def refresh(self) -> None:
        """Take in what the log gained since the last call (cheap when nothing changed)."""

    def first_line(self) -> int:
        """The oldest line number that can still be read (1 for a file)."""

    def last_line(self) -> int:
        """The newest line number (0 for an empty log)."""

    def lines(self, first: int, count: int) -> list[tuple[int, str]]:
        """Up to ``count`` (number, text) pairs from line ``first`` on, oldest first."""

    def search(self, pattern: re.Pattern[str], start: int, forward: bool) -> int | None:
        """The nearest line after (or before) ``start`` whose text matches, or None."""


class FileLines:
    """The lines of a regular file, read on demand through an index of byte offsets."""

    def __init__(self, path: str, every: int = EVERY) -> None:
        self.path = path
        self.every = every
        self._lock = threading.Lock()
        self._reset(None)

    def _reset(self, identity: tuple[int, int] | None) -> None:
        self._identity = identity
        #: ``_offsets[k]`` is where line ``k * every + 1`` starts.
        self._offsets: list[int] = [0]
        self._complete = 0  # lines ended by "\n" so far
        self._scanned = 0  # bytes looked at
        self._open = False  # the last byte scanned is not a newline: an unfinished line
        self._size = 0

    def refresh(self) -> None:
        """Index the bytes appended since the last call; start over if the file was replaced
        or truncated."""
        try:
            st = os.stat(self.path)
        except OSError:
            return
        with self._lock:
            identity = (st.st_dev, st.st_ino)
            if identity != self._identity or st.st_size < self._scanned:
                self._reset(identity)
            self._size = st.st_size
            if self._scanned < st.st_size:
                self._scan(st.st_size)

    def _scan(self, size: int) -> None:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self._scanned)
                while self._scanned < size:
                    chunk = fh.read(min(_SCAN_BYTES, size - self._scanned))
                    if not chunk:
                        break
                    self._index(chunk)
        except OSError:
            return

    def _index(self, chunk: bytes) -> None:
        """Note the start of every ``every``-th line that begins in ``chunk``."""
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        # Line n + 1 starts after the n-th newline; keep those with n a multiple of every.
        numbers = self._complete + 1 + np.arange(ends.size)
        wanted = ends[numbers % self.every == 0]
        self._offsets.extend((self._scanned + wanted + 1).tolist())
        self._complete += int(ends.size)
        self._scanned += len(chunk)
        self._open = chunk[-1:] != b"\n"

    def first_line(self) -> int:
        return 1

    def last_line(self) -> int:
        with self._lock:
            return self._complete + int(self._open)

    def lines(self, first: int, count: int) -> list[tuple[int, str]]:
        first = max(first, 1)
        out: list[tuple[int, str]] = []
        for number, raw in self._raw_lines(first):
            out.append((number, display_text(raw)))
            if len(out) >= count:
                break
        return out

    def _raw_lines(self, first: int) -> Iterator[tuple[int, bytes]]:
        """(number, bytes) of every indexed line from ``first`` on."""
        with self._lock:
            block = min((first - 1) // self.every, len(self._offsets) - 1)
            offset, number, end = self._offsets[block], block * self.every + 1, self._scanned
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 (a generator: closed by the with below)
        except OSError:
            return
        with fh:
            fh.seek(offset)
            pending = b""
            while offset < end:
                chunk = fh.read(min(_READ_BYTES, end - offset))
                if not chunk:
                    break
                offset += len(chunk)
                parts = (pending + chunk).split(b"\n")
                pending = parts.pop()
                for raw in parts:
                    if number >= first:
                        yield number, raw
                    number += 1
            if pending and number >= first:
                yield number, pending

    def search(self, pattern: re.Pattern[str], start: int, forward: bool) -> int | None:
        if forward:
            for number, raw in self._raw_lines(start + 1):
                if pattern.search(display_text(raw)):
                    return number
            return None
        return self._search_back(pattern, start)

    def _search_back(self, pattern: re.Pattern[str], start: int) -> int | None:
        """Block by block towards the top: the newest match above ``start``."""
        block = (start - 2) // self.every
        while block >= 0:
            first = block * self.every + 1
            found = None
            for number, raw in self._raw_lines(first):
                if number >= start or number >= first + self.every:
                    break
                if pattern.search(display_text(raw)):
                    found = number
            if found is not None:
                return found
            block -= 1
        return None


class StreamLines:
    """The newest lines of standard input, kept as they pass (it cannot be read again).

    Fed by the follower's thread (``feed``), read by the UI's; both under one lock.
    """

    def __init__(self, keep: int = RING_LINES) -> None:
        self._lock = threading.Lock()
        self._keep = keep
        self._ring: deque[str] = deque(maxlen=keep)
        self._complete = 0
        self._pending = b""

    def feed(self, data: bytes) -> None:
        """Bytes as they were read (any chunking)."""
        parts = (self._pending + data).split(b"\n")
        pending = parts.pop()
        with self._lock:
            self._pending = pending[-(1 << 20) :]
            self._ring.extend(display_text(p) for p in parts[-self._keep :])
            self._complete += len(parts)

    def source_reset(self, reason: str = "") -> None:
        """Nothing to undo: a stream is never truncated."""

    def finish(self) -> None:
        """The stream ended: its unfinished last line becomes a line."""
        with self._lock:
            if self._pending:
                self._ring.append(display_text(self._pending))
                self._complete += 1
                self._pending = b""

    def refresh(self) -> None:
        """Nothing to do: lines arrive through ``feed``."""

    def first_line(self) -> int:
        with self._lock:
            return self._complete - len(self._ring) + 1

    def last_line(self) -> int:
        with self._lock:
            return self._complete

    def lines(self, first: int, count: int) -> list[tuple[int, str]]:
        with self._lock:
            oldest = self._complete - len(self._ring) + 1
            start = max(first, oldest)
            kept = list(self._ring)
        return [(n, kept[n - oldest]) for n in range(start, min(start + count, oldest + len(kept)))]

    def search(self, pattern: re.Pattern[str], start: int, forward: bool) -> int | None:
        with self._lock:
            oldest = self._complete - len(self._ring) + 1
            kept = list(self._ring)
        order = (
            range(start + 1, oldest + len(kept)) if forward else range(start - 1, oldest - 1, -1)
        )
        for n in order:
            if n >= oldest and pattern.search(kept[n - oldest]):
                return n
        return None


def raw_lines_for(path: str) -> FileLines | StreamLines:
    """The line reader ``path`` needs: kept lines for standard input, an index for a file."""
    return StreamLines() if path == "-" else FileLines(path)


def compile_search(text: str) -> re.Pattern[str] | str:
    """The user's search as a case-insensitive regex, or the reason it is not one."""
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as exc:
        return f"not a regular expression: {exc}"
