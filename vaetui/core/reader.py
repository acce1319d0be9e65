"""Bytes of a log to parsed items: complete lines, the format chosen once, the parser's output.

The first stage of a run. Bytes arrive in any chunking; :class:`~vaetui.core.lines.LineSplitter`
turns them into complete text blocks; until the format is known (``--format``, else sniffed from
the first lines), blocks wait; then every block goes through the one parser of that format.
"""

from __future__ import annotations

from collections import Counter

from vaetui.core import formats
from vaetui.core.encoding import ByteDecoder
from vaetui.core.formats.base import Parser, Record
from vaetui.core.formats.columns import Reader
from vaetui.core.formats.custom import LineFormat
from vaetui.core.formats.fastkv import Batch
from vaetui.core.guard import parse_guarded
from vaetui.core.lines import LineSplitter, TextBlock

#: Bytes of text the format sniffer wants before deciding.
SNIFF_BYTES = 4096

Item = Record | Batch


def _records(text: str) -> int:
    """Lines in ``text``, a bare ``\\r`` (a progress bar's refresh) ending one as ``\\n`` does."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class RecordReader:
    """Feeds bytes through line splitting and one format parser.

    Args:
        fmt: A format name, or ``"auto"`` to sniff it from the first lines.
        rank: In multi-rank logs, the rank whose lines are read.
        line_formats: A profile's own line formats (``[[formats]]``); ``fmt`` may name one.
        number_reader: What reads the numbers of text lines of one shape (see
            ``vaetui.core.formats.columns``).
    """

    def __init__(
        self,
        fmt: str = "auto",
        rank: int | None = None,
        line_formats: tuple[LineFormat, ...] = (),
        number_reader: Reader = "numpy",
    ) -> None:
        self._rank = rank
        self._number_reader: Reader = number_reader
        self._line_formats = line_formats
        self.decoder = ByteDecoder()
        self.splitter = LineSplitter()
        self.format: str | None = None if fmt == "auto" else fmt
        self._parser: Parser | None = self._make_parser(self.format) if self.format else None
        self._waiting: list[TextBlock] = []
        #: Lines a parser choked on, by reason (see ``vaetui.core.guard``).
        self.skipped: Counter[str] = Counter()

    def feed(self, data: bytes) -> list[Item]:
        """The items parsed from the complete lines that ``data`` finishes (maybe none)."""
        block = self.splitter.feed(self.decoder.feed(data))
        return [] if block is None else self._take(block, final=False)

    @property
    def refused(self) -> str | None:
        """Why the input cannot be read as text at all (gzip), once that is known."""
        return self.decoder.refused

    def finish(self) -> list[Item]:
        """End of input: the unterminated last line, and any text still waiting for a format."""
        items: list[Item] = []
        rest = self.decoder.flush()
        held = self.splitter.feed(rest) if rest else None
        if held is not None:
            items = self._take(held, final=False)
        block = self.splitter.flush()
        if block is not None:
            return items + self._take(block, final=True)
        return items + (self._choose_format(final=True) if self._waiting else [])

    def reset(self) -> None:
        """The source started over (truncated or replaced): drop the partial line and context."""
        self.splitter.reset()
        self.decoder.reset()
        if self._parser is not None:
            self._parser.reset()

    def _make_parser(self, fmt: str) -> Parser:
        return formats.make_parser(fmt, self._rank, self._line_formats, self._number_reader)

    def _take(self, block: TextBlock, final: bool) -> list[Item]:
        if self._parser is None:
            self._waiting.append(block)
            return self._choose_format(final)
        return parse_guarded(self._parser, block, self.skipped)

    def _choose_format(self, final: bool) -> list[Item]:
        """Sniff the format once enough text waits (or at the end); parse what waited."""
        text = "".join(b.text for b in self._waiting)
        try:
            fmt = formats.sniff(text)
        except Exception:  # text no sniffing rule can read: the general text parser
            fmt = "kv"
        if fmt is None or (len(text) < SNIFF_BYTES and not final and _records(text) < 5):
            if not final:
                return []
            fmt = fmt or "kv"
        self.format = fmt
        parser = self._parser = self._make_parser(fmt)
        waiting, self._waiting = self._waiting, []
        items: list[Item] = []
        for block in waiting:
            items.extend(parse_guarded(parser, block, self.skipped))
        return items
