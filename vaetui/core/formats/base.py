"""What every log-format parser produces, and the number syntax they share."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from vaetui.core.formats.fastkv import Batch
    from vaetui.core.lines import TextBlock

#: A number as loggers print it: ints, floats, exponents, nan/inf in their many spellings
#: (``nan.0`` from Lightning bars, ``Infinity`` from json.dumps, ``tensor(0.01, ...)``).
NUMBER = (
    r"[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?"
    r"|[nN][aA][nN](?:\.0)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?(?:\.0)?)"
)
_NUMBER_RE = re.compile(rf"\s*(?:tensor\(\s*)?['\"]?({NUMBER})['\"]?")


def parse_number(text: str) -> float | None:
    """Parse one number as loggers print it; None when ``text`` is not a number."""
    m = _NUMBER_RE.match(text)
    if m is None:
        return None
    return to_float(m.group(1))


def to_float(token: str) -> float:
    """Convert a token matched by ``NUMBER`` (``nan.0``, ``-inf``, ``1e-4``) to a float."""
    try:
        return float(token)
    except ValueError:
        low = token.lower().rstrip("0").rstrip(".")
        if "nan" in low:
            return math.nan
        return -math.inf if low.startswith("-") else math.inf


@dataclass(slots=True)
class Record:
    """One training record: a step and the metrics logged for it.

    ``step`` is None when the log gave no counter; the run then numbers records itself.
    ``values`` holds raw keys as the log wrote them; the run canonicalises them.
    """

    step: float | None
    line: int
    values: dict[str, float]
    epoch: float | None = None
    #: Config values seen in the log (latent size, kl weight printed in a banner).
    config: dict[str, float] = field(default_factory=dict)
    #: True when the record adds to the previous one (an epoch summary, a bar at 0/N), so
    #: a repeated step is not a restart.
    continues: bool = False
    #: The log gave no counter: ``step`` is the parser's own row number.
    numbered: bool = False
    #: The line says training is over (``training finished``): once quiet, the run is done.
    ends: bool = False


class Parser(Protocol):
    """A format parser: stateful, fed complete text blocks in order."""

    name: str

    def parse(self, block: TextBlock) -> Sequence[Record | Batch]:
        """Parse a block of complete segments into records."""
        ...

    def reset(self) -> None:
        """The source restarted from scratch (file rewritten): forget context."""
        ...


def iter_segments(block: TextBlock):
    """Yield ``(line_number, segment)`` for each non-blank segment of a block."""
    line = block.first_line
    for physical in block.text.split("\n"):
        if "\r" in physical:
            for seg in physical.split("\r"):
                if seg.strip():
                    yield line, seg
        elif physical.strip():
            yield line, physical
        line += 1


#: Column rules of a printed table (Markdown's ``|``, box drawing's ``│`` and ``┃``): between
#: the cells of an aligned table, read as whitespace.
_TABLE_RULES = str.maketrans("|│┃", "   ")


def table_cells(line: str) -> list[str]:
    """The cells of an aligned table's row: runs of whitespace and column rules split them
    (``| 10 | 0.05 |`` and ``10   0.05`` are the same two cells)."""
    return line.translate(_TABLE_RULES).split()
