"""JSON-lines logs: one object per line (detectron2 ``metrics.json``, custom ``json.dumps``).

Python's ``json`` reads the bare ``NaN`` / ``Infinity`` tokens that ``json.dumps`` writes.
Nested objects are flattened with ``/``; numbers written as strings are read as numbers.
A line that is not a JSON object falls back to the text parser, so a trainer that mixes
``print`` and ``json.dumps`` in one file still parses.
"""

from __future__ import annotations

from vaetui.core.formats.base import Record, iter_segments
from vaetui.core.formats.jsonrec import loads_object, record_from_mapping
from vaetui.core.formats.text import TextParser
from vaetui.core.lines import TextBlock

__all__ = ["JsonLinesParser", "record_from_mapping"]


class JsonLinesParser:
    """Parser for one JSON object per line."""

    name = "jsonl"

    def __init__(self, rank: int | None = None, formats: tuple = ()) -> None:
        self._text = TextParser(rank=rank, formats=formats)

    def reset(self) -> None:
        self._text.reset()

    def parse(self, block: TextBlock) -> list[Record]:
        out: list[Record] = []
        for line, seg in iter_segments(block):
            stripped = seg.strip()
            if stripped.startswith("{") and not self._text.has_formats:
                rec = record_from_mapping(loads_object(stripped), line)
            else:
                rec = self._text.parse_segment(seg, line)
            if rec is not None:
                out.append(rec)
        return out
