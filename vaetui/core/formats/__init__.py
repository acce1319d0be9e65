"""Log formats: one parser per family, and ``sniff`` to pick one from the first lines."""

from __future__ import annotations

import csv

from vaetui.core.formats.base import Parser, Record, parse_number
from vaetui.core.formats.csvlog import CsvParser, looks_like_header
from vaetui.core.formats.custom import LineFormat
from vaetui.core.formats.jsondoc import JsonDocumentParser
from vaetui.core.formats.jsonl import JsonLinesParser
from vaetui.core.formats.text import TextParser

FORMAT_NAMES = ("auto", "kv", "jsonl", "json", "csv", "tsv", "tfevents")

_PARSERS: dict[str, type] = {
    "kv": TextParser,
    "jsonl": JsonLinesParser,
    "json": JsonDocumentParser,
    "csv": CsvParser,
}

__all__ = ["FORMAT_NAMES", "Parser", "Record", "make_parser", "parse_number", "sniff"]


def make_parser(name: str, rank: int | None = None, formats: tuple[LineFormat, ...] = ()) -> Parser:
    """Build the parser for a format name (``kv``, ``jsonl``, ``csv``, ``tsv``, ``json``).

    ``formats`` are a profile's own line formats: tried first by the text parsers, and a
    ``name`` that is one of them reads the log with that format only.
    """
    own = next((f for f in formats if f.name == name), None)
    if own is not None:
        return TextParser(rank=rank, formats=(own,), forced=True)
    if name in ("kv", "jsonl"):
        return _PARSERS[name](rank=rank, formats=formats)
    if name == "tsv":
        return CsvParser(rank=rank, delimiter="\t")
    try:
        return _PARSERS[name](rank=rank)
    except KeyError:
        raise ValueError(f"unknown format {name!r}") from None


def sniff(text: str) -> str | None:
    """Guess the format from the first complete lines; None when there is too little text."""
    lines = [ln.strip() for ln in text.replace("\r", "\n").split("\n") if ln.strip()]
    if not lines:
        return None
    first = lines[0]
    if first.startswith("{") and first.endswith("}"):
        return "jsonl"
    if first in ("[", "{") or (first.startswith("[") and first[1:2] in ("{", "")):
        return "json"
    for name, delimiter in (("csv", ","), ("tsv", "\t")):
        table = _table(lines, delimiter)
        if table is not False:
            return name if table else None
    return "kv"


def _table(lines: list[str], delimiter: str) -> bool | None:
    """A header of names over a row of numbers, split by ``delimiter``: True; False when the
    first line is no such header; None when the header waits for its first row."""
    first = lines[0]
    cells = next(csv.reader([first], delimiter=delimiter), [])
    if delimiter not in first or not looks_like_header(cells):
        return False
    if len(lines) < 2:
        return None
    row = next(csv.reader([lines[1]], delimiter=delimiter), [])
    return len(row) == len(cells) and any(parse_number(c) is not None for c in row if c)
