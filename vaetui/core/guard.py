"""No single line can stop the reader: a line a parser chokes on is skipped and counted.

Parsers read whole blocks of lines at once (that is what makes them fast). When a block
raises (a JSON object nested ten thousand deep, a number no float holds, text no codec
reads), it is split in halves and each half parsed again, down to the one line that fails:
that line is skipped and its reason counted, and every other line of the block is read as
usual. A block that parses is never split, so well-formed logs pay nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

from vaetui.core.formats.base import Parser, Record
from vaetui.core.formats.fastkv import Batch
from vaetui.core.lines import TextBlock

T = TypeVar("T")
Item = Record | Batch

#: Plain words for what went wrong, by exception type (the key of ``Snapshot.skip_reasons``).
_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (RecursionError, "nested too deeply"),
    (OverflowError, "number out of range"),
    (UnicodeError, "cannot be decoded"),
    (MemoryError, "too large to parse"),
    (ValueError, "malformed value"),
)


def skip_reason(error: BaseException) -> str:
    """One or two words for why a line was skipped, from the error its parser raised."""
    for kind, words in _REASONS:
        if isinstance(error, kind):
            return words
    return f"parser error ({type(error).__name__})"


def _lines(block: TextBlock) -> list[TextBlock]:
    """The block as one block per physical line (the last may lack its newline)."""
    pieces = block.text.split("\n")
    if pieces and pieces[-1] == "":
        pieces.pop()
        ends = ["\n"] * len(pieces)
    else:
        ends = ["\n"] * (len(pieces) - 1) + [""]
    return [
        TextBlock(piece + end, block.first_line + i)
        for i, (piece, end) in enumerate(zip(pieces, ends))
    ]


def _join(lines: Sequence[TextBlock]) -> TextBlock:
    return TextBlock("".join(b.text for b in lines), lines[0].first_line)


def parse_guarded(parser: Parser, block: TextBlock, skipped: Counter[str]) -> list[Item]:
    """``parser.parse(block)``, but a line that raises is skipped and counted in ``skipped``.

    Returns the records and batches of every line that parsed, in file order.
    """
    try:
        return list(parser.parse(block))
    except Exception:
        pass
    return _bisect(parser, _lines(block), skipped)


def _bisect(parser: Parser, lines: list[TextBlock], skipped: Counter[str]) -> list[Item]:
    if not lines:
        return []
    if len(lines) == 1:
        try:
            return list(parser.parse(lines[0]))
        except Exception as error:
            skipped[skip_reason(error)] += 1
            return []
    half = len(lines) // 2
    out: list[Item] = []
    for part in (lines[:half], lines[half:]):
        try:
            out.extend(parser.parse(_join(part)))
        except Exception:
            out.extend(_bisect(parser, part, skipped))
    return out


def item_lines(item: Item) -> int:
    """How many lines an item stands for (a batch: one per row)."""
    return int(item.steps.size) if isinstance(item, Batch) else 1


def each_guarded(
    items: Sequence[T], take: Callable[[T], None], size: Callable[[T], int], skipped: Counter[str]
) -> None:
    """``take(item)`` for each item; one that raises is counted (``size(item)`` lines)."""
    for item in items:
        try:
            take(item)
        except Exception as error:
            skipped[skip_reason(error)] += size(item)
