"""What the first bytes of a log say about how to read the rest.

A UTF-8 byte-order mark is dropped (a CSV or JSON-lines file written by an editor or by
Windows tools starts with one); UTF-16 with a byte-order mark is decoded to UTF-8 as it
arrives; a gzip-compressed file is refused by name instead of being read as garbage.
Everything else passes through untouched, so the common case costs one comparison.
"""

from __future__ import annotations

import codecs

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_GZIP_MAGIC = b"\x1f\x8b"

#: The sentence a gzip-compressed log is refused with.
GZIP_MESSAGE = "this file is gzip-compressed; decompress it first (zcat FILE | vaetui check -)"


#: Bytes needed to decide: a UTF-16 byte-order mark and the first character after it.
_DECIDE_BYTES = 4
_MAGICS = (_UTF8_BOM, *_UTF16_BOMS, _GZIP_MAGIC)


def _may_be_magic(head: bytes) -> bool:
    """True while ``head`` may still grow into a byte-order mark or the gzip magic."""
    return any(m.startswith(head[: len(m)]) for m in _MAGICS)


def _utf16(head: bytes) -> bool:
    """A UTF-16 byte-order mark followed by an ASCII character (a log starts with text, and
    random bytes that happen to start like a mark are not decoded as UTF-16)."""
    if head.startswith(codecs.BOM_UTF16_LE):
        return len(head) >= 4 and head[3] == 0 and 0 < head[2] < 0x80
    if head.startswith(codecs.BOM_UTF16_BE):
        return len(head) >= 4 and head[2] == 0 and 0 < head[3] < 0x80
    return False


class ByteDecoder:
    """Feed the bytes of one file in any chunking; get UTF-8 (or ASCII) bytes back."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """The file starts over (rewritten or replaced): look at its first bytes again."""
        self._head = b""
        self._mode: str | None = None  # "plain", "utf16" or "gzip" once decided
        self._decoder: codecs.IncrementalDecoder | None = None
        #: Why the file cannot be read as text, once that is known.
        self.refused: str | None = None

    def feed(self, data: bytes) -> bytes:
        """The text bytes ``data`` completes (held back while the first bytes are unsure)."""
        if self._mode == "plain":
            return data
        if self._mode is None:
            self._head += data
            if len(self._head) < _DECIDE_BYTES and _may_be_magic(self._head):
                return b""  # the same decision in any chunking: wait for enough bytes
            data, self._head = self._decide(self._head), b""
        return self._convert(data)

    def flush(self) -> bytes:
        """End of input: whatever is still held back."""
        if self._mode is None:
            data, self._head = self._decide(self._head), b""
            return self._convert(data)
        if self._decoder is not None:
            return self._decoder.decode(b"", final=True).encode("utf-8")
        return b""

    def _decide(self, head: bytes) -> bytes:
        if head.startswith(_UTF8_BOM):
            self._mode = "plain"
            return head[len(_UTF8_BOM) :]
        if _utf16(head):
            self._mode = "utf16"
            self._decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
            return head
        if head.startswith(_GZIP_MAGIC):
            self._mode = "gzip"
            self.refused = GZIP_MESSAGE
            return b""
        self._mode = "plain"
        return head

    def _convert(self, data: bytes) -> bytes:
        if self._mode == "plain":
            return data
        if self._mode == "utf16" and self._decoder is not None:
            return self._decoder.decode(data).encode("utf-8")
        return b""  # gzip: nothing of it is text
