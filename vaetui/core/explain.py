"""What was read from a log, and what was not: the answer to "why is my metric missing?".

``explain_file`` reads a log exactly as ``vaetui check`` does (the same :class:`Run`, the same
parsers), noting which physical lines became records and which keys each gave. It then walks
the same decoded text again and groups the lines by *shape* (the line with its numbers
replaced by ``#``): the shapes that became records, each with a sample line and the fields
taken from it; and the lines that carry numbers but were skipped, with counts, one literal
example each (escapes already stripped by :mod:`vaetui.core.lines`) and the likely reason.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from vaetui.core.encoding import ByteDecoder
from vaetui.core.formats.grammar import find_pairs
from vaetui.core.formats.text import has_loss, is_counter_key
from vaetui.core.lines import LineSplitter
from vaetui.core.options import RunOptions
from vaetui.core.run import Run

#: Longest example shown for a line (a tqdm line can hold thousands of bar states).
EXAMPLE_CHARS = 200
#: Most groups kept per list; the rest are counted in ``more_*``.
MAX_GROUPS = 60

_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,:]\d+)*(?:[eE][-+]?\d+)?|\.\d+)|\b(?:nan|inf)\b", re.I)
_GLYPHS = re.compile(r"[\u2580-\u259f\u2500-\u257f\ufffd]+")
_WORDS = re.compile(r"[^\W\d_]\w*")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")


@dataclass
class ShapeGroup:
    """Lines of one shape: how many, the first one (literal), and what was taken from them."""

    shape: str
    count: int
    first_line: int
    example: str
    #: ``raw key -> metric name`` taken from these lines (record shapes only).
    fields: dict[str, str] = field(default_factory=dict)
    #: Why lines of this shape were skipped (skipped shapes only).
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "shape": self.shape,
            "count": self.count,
            "first_line": self.first_line,
            "example": self.example,
        }
        if self.fields:
            out["fields"] = dict(self.fields)
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Explanation:
    """The read and skipped shapes of one log (see the module docstring)."""

    file: str
    format: str
    lines: int
    records: int
    read: tuple[ShapeGroup, ...]
    skipped: tuple[ShapeGroup, ...]
    #: Skipped lines that carry numbers, and shapes left out of ``skipped`` (over the cap).
    skipped_with_numbers: int = 0
    more_skipped: int = 0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "lines": self.lines,
            "records": self.records,
            "read": [g.to_json() for g in self.read],
            "skipped": [g.to_json() for g in self.skipped],
            "skipped_with_numbers": self.skipped_with_numbers,
            "more_skipped_shapes": self.more_skipped,
            "error": self.error,
        }


def shape_of(text: str) -> str:
    """A line's shape: numbers as ``#``, bar glyphs as one ``▮``, spaces collapsed."""
    text = _GLYPHS.sub("▮", _NUMBER.sub("#", text))
    return _SPACES.sub(" ", text).strip()[:EXAMPLE_CHARS]


def _coarse(shape: str) -> str:
    """A shape with its words too replaced: groups one-off lines (a config dump) together."""
    return _WORDS.sub("w", shape)


def _example(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


class _Taps:
    """Which lines gave records, and the fields each gave (compact: one int per line)."""

    def __init__(self) -> None:
        self.kinds: list[tuple[tuple[str, str], ...]] = []
        self._index: dict[tuple[tuple[str, str], ...], int] = {}
        self.by_line = array("i")

    def __call__(self, line: int, taken: tuple[tuple[str, str], ...]) -> None:
        kind = self._index.get(taken)
        if kind is None:
            kind = self._index[taken] = len(self.kinds)
            self.kinds.append(taken)
        if line >= len(self.by_line):
            self.by_line.extend([-1] * (line + 1 - len(self.by_line) + 1024))
        self.by_line[line] = kind

    def fields_at(self, line: int) -> tuple[tuple[str, str], ...] | None:
        if line < len(self.by_line) and self.by_line[line] >= 0:
            return self.kinds[self.by_line[line]]
        return None


def explain_bytes(name: str, data: bytes, options: RunOptions | None = None) -> Explanation:
    """Explain a log held in memory (the whole file's bytes)."""
    options = options or RunOptions()
    run = Run(name, options)
    taps = _Taps()
    run.record_tap = taps
    run.feed(data)
    run.finish()
    snap = run.snapshot()
    if snap.format == "json":
        return _document(name, data, snap.format, snap.lines, snap.records, taps)
    read: dict[str, ShapeGroup] = {}
    skipped: dict[str, ShapeGroup] = {}
    numbered = 0
    for line, text in _physical_lines(data):
        taken = taps.fields_at(line)
        if taken is not None:
            _add(read, text, line).fields.update(taken)
            continue
        for seg in text.split("\r"):
            if _DIGIT.search(seg):
                numbered += 1
                _add(skipped, seg, line)
    kept, more = _grouped(skipped)
    for group in kept:
        group.reason = _reason(group.example)
    return Explanation(
        file=name,
        format=snap.format,
        lines=snap.lines,
        records=snap.records,
        read=tuple(sorted(read.values(), key=lambda g: g.first_line)),
        skipped=kept,
        skipped_with_numbers=numbered,
        more_skipped=more,
        error=snap.read_error,
    )


def _document(
    name: str, data: bytes, fmt: str, lines: int, records: int, taps: _Taps
) -> Explanation:
    """A whole JSON document is one shape: its list of objects (line shapes mean nothing)."""
    group = ShapeGroup("a JSON document: a list of objects", records, 1, "")
    group.example = _example(" ".join(data[:400].decode("utf-8", "replace").split()))
    for kind in taps.kinds:
        group.fields.update(kind)
    read = (group,) if records else ()
    return Explanation(name, fmt, lines, records, read, ())


def explain_file(path: str, options: RunOptions | None = None) -> Explanation:
    """Explain the log at ``path`` (raises ``OSError`` when it cannot be read)."""
    with open(path, "rb") as f:
        data = f.read()
    return explain_bytes(path, data, options)


def _physical_lines(data: bytes) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every physical line, decoded and cleaned as the run does."""
    decoder, splitter = ByteDecoder(), LineSplitter()
    blocks = [splitter.feed(decoder.feed(data)), splitter.feed(decoder.flush()), splitter.flush()]
    for block in blocks:
        if block is None:
            continue
        for offset, text in enumerate(block.text.split("\n")):
            if text.strip():
                yield block.first_line + offset, text


def _add(groups: dict[str, ShapeGroup], text: str, line: int) -> ShapeGroup:
    last = text.rsplit("\r", 1)[-1] if "\r" in text else text
    if not last.strip():
        last = next((s for s in reversed(text.split("\r")) if s.strip()), text)
    key = shape_of(last)
    group = groups.get(key)
    if group is None:
        group = groups[key] = ShapeGroup(key, 0, line, _example(last))
    group.count += 1
    return group


def _grouped(groups: dict[str, ShapeGroup]) -> tuple[tuple[ShapeGroup, ...], int]:
    """Shapes seen more than once stay apart; one-off shapes are pooled by coarse shape."""
    out: dict[str, ShapeGroup] = {}
    for key, group in groups.items():
        if group.count > 1:
            out[key] = group
            continue
        coarse = _coarse(key)
        pooled = out.get(coarse)
        if pooled is None:
            out[coarse] = ShapeGroup(coarse, group.count, group.first_line, group.example)
        else:
            pooled.count += group.count
            pooled.first_line = min(pooled.first_line, group.first_line)
    ranked = sorted(out.values(), key=lambda g: (-g.count, g.first_line))
    return tuple(ranked[:MAX_GROUPS]), max(len(ranked) - MAX_GROUPS, 0)


def _reason(example: str) -> str:
    """Why a line like ``example`` gives no record, in a few words."""
    pairs = find_pairs(example)
    if not pairs:
        return "numbers, but no name/value pair"
    metrics = [k for k in pairs if not is_counter_key(k)]
    if not metrics:
        return "a counter only (an epoch or step header), no metric"
    if has_loss(dict.fromkeys(metrics, 0.0)) or any("loss" in k.lower() for k in metrics):
        return "a loss without a step of its own: a summary, not a training record"
    return "no step and no loss: read as settings, not a record"
