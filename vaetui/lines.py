"""Turn arbitrary byte chunks from a growing log into clean, complete text.

A live log arrives in pieces: a chunk may end mid-line or mid-character. ``LineSplitter``
holds back the unfinished tail, decodes what is complete (bad bytes replaced and counted),
strips terminal escape sequences and control characters so that nothing from the log can
drive the terminal, and cuts absurdly long lines so memory stays flat.

Both ``\\n`` and ``\\r`` end a *segment*: tqdm redraws its bar with ``\\r`` and a whole run can
be one physical line, so waiting for ``\\n`` would show nothing until training ends. Line
numbers count physical (``\\n``-terminated) lines, as an editor would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: A line longer than this is cut here and counted (SPEC: "a line over 1 MiB is cut").
MAX_LINE_BYTES = 1 << 20

# CSI (colours, cursor moves), OSC (titles, hyperlinks), other two-byte ESC sequences,
# and every C0 control except tab, LF and CR.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)


#: Bytes whose presence means the escape regex has work to do (C0 controls but tab/LF/CR).
_CONTROL_BYTES = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"


@dataclass(frozen=True)
class TextBlock:
    """Complete, cleaned segments separated by ``\\n`` or ``\\r``.

    ``first_line`` is the 1-based physical line number of the block's first character.
    """

    text: str
    first_line: int


def clean_text(text: str) -> str:
    """Remove escape sequences and control characters from decoded log text."""
    return _ESCAPES.sub("", text)


class LineSplitter:
    """Feed bytes in any chunking; get back the same complete text as reading it whole."""

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._max = max_line_bytes
        self._pending = b""
        self._skipping = False  # inside an over-long segment: drop bytes until a terminator
        self._newlines = 0  # physical lines completed so far
        self._open_line = False  # the current physical line already has emitted content
        self.bad_bytes = 0
        self.cut_lines = 0

    @property
    def lines(self) -> int:
        """Physical lines seen so far, counting an unfinished last line that has content."""
        return self._newlines + (1 if self._open_line or self._pending else 0)

    def reset(self) -> None:
        """Drop the unfinished tail (the file was truncated or replaced)."""
        if self._open_line or self._pending:
            self._newlines += 1
        self._pending = b""
        self._skipping = False
        self._open_line = False

    def feed(self, data: bytes) -> TextBlock | None:
        """Add bytes; return the newly completed text, if any."""
        if not data:
            return None
        buf = self._pending + data if self._pending else data
        self._pending = b""
        if self._skipping:
            end = _first_terminator(buf)
            if end < 0:
                return None
            self._skipping = False
            buf = buf[end:]  # keep the terminator so line counting stays right
        last = max(buf.rfind(b"\n"), buf.rfind(b"\r"))
        complete, tail = (b"", buf) if last < 0 else (buf[: last + 1], buf[last + 1 :])
        text = self._decode(complete) if complete else ""
        if len(complete) > self._max and _longest_segment(complete) > self._max:
            text = self._cut_long_segments(text)
        if len(tail) > self._max:
            # Emit the head of the over-long segment, drop the rest until its terminator.
            self.cut_lines += 1
            self._skipping = True
            text += self._decode(tail[: self._max]) + "\r"
            tail = b""
        self._pending = tail
        return self._block(text)

    def flush(self) -> TextBlock | None:
        """End of input: return the unterminated last segment, if any."""
        tail, self._pending = self._pending, b""
        self._skipping = False
        if not tail:
            return None
        return self._block(self._decode(tail) + "\n")

    def _block(self, text: str) -> TextBlock | None:
        if not text:
            return None
        block = TextBlock(text, self._newlines + 1)
        self._newlines += text.count("\n")
        self._open_line = not text.endswith("\n")
        return block

    def _decode(self, raw: bytes) -> str:
        text = raw.decode("utf-8", errors="replace")
        if "\ufffd" in text:
            self.bad_bytes += text.count("\ufffd")
        if "\x00" in text:
            self.bad_bytes += text.count("\x00")
        # The escape regex is slow on megabytes; most logs have nothing for it to remove.
        if len(raw.translate(None, _CONTROL_BYTES)) != len(raw) or b"\xc2\x9b" in raw:
            text = clean_text(text)
        return text

    def _cut_long_segments(self, text: str) -> str:
        parts = re.split(r"([\r\n])", text)
        for i in range(0, len(parts), 2):
            if len(parts[i]) > self._max:
                parts[i] = parts[i][: self._max]
                self.cut_lines += 1
        return "".join(parts)


def _longest_segment(raw: bytes) -> int:
    """Length of the longest run of bytes without a line terminator."""
    a = np.frombuffer(raw, dtype=np.uint8)
    ends = np.flatnonzero((a == 10) | (a == 13))
    bounds = np.concatenate(([-1], ends, [a.size]))
    return int(np.max(np.diff(bounds)) - 1)


def _first_terminator(buf: bytes) -> int:
    hits = [i for i in (buf.find(b"\n"), buf.find(b"\r")) if i >= 0]
    return min(hits) if hits else -1
