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

import numpy as np

from vaetui.core import native

#: A line longer than this is cut here and counted (SPEC: "a line over 1 MiB is cut").
MAX_LINE_BYTES = 1 << 20

# CSI (colours, cursor moves), OSC (titles, hyperlinks), other two-byte ESC sequences,
# and every C0 control except tab, LF and CR. A string sequence (OSC, DCS...) left open
# ends at the line's end: it never swallows a line break.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\n\r]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b\n\r]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)


#: Bytes whose presence means the escape regex has work to do (C0 controls but tab/LF/CR).
_CONTROL_BYTES = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20)) + b"\x7f"


class TextBlock:
    """Complete, cleaned segments separated by ``\\n`` or ``\\r``.

    ``first_line`` is the 1-based physical line number of the block's first character.
    ``raw`` holds the same text as UTF-8 bytes when nothing had to be replaced or stripped
    (no escapes, no bad bytes); plain ASCII is then only decoded if a parser asks for it.
    """

    __slots__ = ("_text", "breaks", "first_line", "newlines", "raw")

    def __init__(
        self, text: str | None, first_line: int, raw: bytes | None = None, newlines: int = -1
    ) -> None:
        self._text = text
        self.first_line = first_line
        self.raw = raw
        #: Number of newlines in the block when already counted (-1: not counted).
        self.newlines = newlines
        #: Where ``raw``'s ``\\n`` and ``\\r`` are, when already found (None: not found).
        self.breaks: np.ndarray | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = (self.raw or b"").decode("utf-8")
        return self._text

    def __repr__(self) -> str:
        return f"TextBlock({self.text!r}, {self.first_line})"


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
        self._clean = False  # whether the last decoded bytes needed no change
        self._clean_newlines = 0  # the newlines in them
        self._clean_breaks: np.ndarray | None = None  # and where their line terminators are

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
        head, self._pending = self._pending, b""
        if self._skipping:
            buf = head + data
            end = _first_terminator(buf)
            if end < 0:
                return None
            self._skipping = False
            head, data = b"", buf[end:]  # keep the terminator so line counting stays right
        complete, tail = _cut_after_last_terminator(head, data)
        newlines = _plain_newlines(complete)
        if newlines >= 0 and len(tail) <= self._max and not _has_long_segment(complete, self._max):
            self._pending = tail
            return self._raw_block(complete, newlines)
        cut = len(complete) > self._max and _has_long_segment(complete, self._max)
        if cut:
            complete = self._cut_long_segments(complete)
        text = self._decode(complete) if complete else ""
        if self._clean and not cut and text and len(tail) <= self._max:
            # UTF-8 with nothing replaced or stripped: the bytes stay for the fast paths, and
            # the text is decoded again only if a parser asks for it (the fast paths do not).
            self._pending = tail
            block = self._raw_block(complete, self._clean_newlines)
            if block is not None:
                block.breaks = self._clean_breaks
            return block
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

    def _raw_block(self, raw: bytes, newlines: int) -> TextBlock | None:
        if not raw:
            return None
        block = TextBlock(None, self._newlines + 1, raw, newlines)
        self._newlines += newlines
        self._open_line = not raw.endswith(b"\n")
        return block

    def _block(self, text: str, newlines: int = -1) -> TextBlock | None:
        """A block of ``text``, holding ``newlines`` newlines (-1: count them here)."""
        if not text:
            return None
        block = TextBlock(text, self._newlines + 1)
        self._newlines += text.count("\n") if newlines < 0 else newlines
        self._open_line = not text.endswith("\n")
        return block

    def _decode(self, raw: bytes) -> str:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            replaced, csi = True, b"\xc2\x9b" in raw
        else:
            # Valid UTF-8: one character is found faster in the text than two bytes in the raw.
            replaced = "\ufffd" in text  # a U+FFFD the log itself holds counts too
            csi = "\x9b" in text
        if replaced:
            self.bad_bytes += text.count("\ufffd")
        nul = b"\x00" in raw
        if nul:
            self.bad_bytes += text.count("\x00")
        # The escape regex is slow on megabytes; most logs have nothing for it to remove.
        controls, self._clean_newlines, self._clean_breaks = _controls(raw)
        stripped = controls or csi
        if stripped:
            text = clean_text(text)
        #: The text is exactly the bytes decoded (nothing replaced, nothing stripped).
        self._clean = not (replaced or nul or stripped)
        return text

    def _cut_long_segments(self, raw: bytes) -> bytes:
        """Cut every segment over the limit, exactly as when it arrives in pieces."""
        parts = re.split(rb"([\r\n])", raw)
        for i in range(0, len(parts), 2):
            if len(parts[i]) > self._max:
                parts[i] = parts[i][: self._max] + b"\r"
                self.cut_lines += 1
        return b"".join(parts)


def _cut_after_last_terminator(head: bytes, data: bytes) -> tuple[bytes, bytes]:
    """``head + data`` (``head`` holding no terminator) cut after its last ``\\n`` or ``\\r``:
    the complete segments and the rest. The complete part is copied at most once (a chunk that
    ends a line and follows nothing is not copied at all)."""
    last = data.rfind(b"\n")
    last = max(last, data.rfind(b"\r", last + 1))  # a ``\r`` after it, scanning only the tail
    if last < 0:
        return b"", head + data
    tail = data[last + 1 :]
    if not head:
        return (data[: last + 1] if tail else data), tail
    return b"".join((head, memoryview(data)[: last + 1])), tail


def _plain_newlines(raw: bytes) -> int:
    """The newlines in ``raw`` when nothing in it is to be replaced or stripped; -1 when
    something may be (then it is decoded and cleaned).

    The compiled reader checks in one pass for control bytes, and that it is UTF-8 with
    nothing to replace or strip. Without it, only ASCII passes: one numpy pass counts the
    bytes below 32 and another the newlines; when they agree (no tab, no ``\\r``), only
    ``\\x7f`` is left to look for, else the exact test runs.
    """
    counted = native.plain_newlines(raw)
    if counted is not None:
        return counted
    if not raw.isascii():
        return -1
    codes = np.frombuffer(raw, dtype=np.uint8)
    newlines = int(np.count_nonzero(codes == 10))
    if int(np.count_nonzero(codes < 32)) == newlines:
        return -1 if b"\x7f" in raw else newlines
    return newlines if len(raw.translate(None, _CONTROL_BYTES)) == len(raw) else -1


def _controls(raw: bytes) -> tuple[bool, int, np.ndarray]:
    """Whether ``raw`` holds a control byte the cleaning strips (C0 but tab, LF and CR; DEL),
    how many newlines it holds and where its ``\\n`` and ``\\r`` are: one numpy pass finds
    the bytes below 32."""
    codes = np.frombuffer(raw, dtype=np.uint8)
    at = np.flatnonzero(codes < 32)
    low = codes[at]
    newline, tab = low == 10, low == 9
    breaks = at[~tab]
    others = breaks.size - int(np.count_nonzero(newline)) - int(np.count_nonzero(low == 13))
    return bool(others) or b"\x7f" in raw, int(np.count_nonzero(newline)), breaks


def _has_long_segment(raw: bytes, limit: int) -> bool:
    """True when some run of more than ``limit`` bytes has no line terminator.

    Jumps from terminator to terminator at most ``limit + 1`` bytes apart, so it costs a
    few calls per megabyte instead of a pass over every byte.
    """
    start, size = 0, len(raw)
    while size - start > limit:
        window_end = start + limit + 1
        # Any terminator in the window will do; ``\r`` is looked for only when no ``\n`` is.
        last = raw.rfind(b"\n", start, window_end)
        if last < 0:
            last = raw.rfind(b"\r", start, window_end)
        if last < 0:
            return True
        start = last + 1
    return False


def _first_terminator(buf: bytes) -> int:
    hits = [i for i in (buf.find(b"\n"), buf.find(b"\r")) if i >= 0]
    return min(hits) if hits else -1
