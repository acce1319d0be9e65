"""Log formats: one parser per family, and ``sniff`` to pick one from the first lines.

The parsers (and numpy with them) are imported when one is made or a log is sniffed: a
command that only names ``FORMAT_NAMES`` (``vaetui tail``'s help line, before its first
screen) does not pay for them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaetui.core.formats.base import Parser
    from vaetui.core.formats.columns import Reader
    from vaetui.core.formats.custom import LineFormat

#: A column name of an aligned table: one word, no ``=`` or ``:`` (those are pairs).
_NAME_CELL = re.compile(r"^[A-Za-z_][\w./-]*$")

#: A table's horizontal rule (``|---|:--:|``, ``+-----+``, ``=====``): no cells, no data.
_RULE_ROW = re.compile(r"[-=+:|│┃─━┼╇┡┩└┘┌┐╭╮╰╯ ]+")

#: A line's text between line ends (``\n`` or ``\r``).
_LINE = re.compile(r"[^\r\n]+")
#: The lines ``sniff`` looks at: the first two (JSON, a table's header and first row) and
#: the first six (an aligned table's header and two rows somewhere in them).
_SNIFF_LINES = 6

FORMAT_NAMES = ("auto", "kv", "jsonl", "json", "csv", "tsv", "table", "tfevents")


__all__ = ["FORMAT_NAMES", "make_parser", "sniff"]


def make_parser(
    name: str,
    rank: int | None = None,
    formats: tuple[LineFormat, ...] = (),
    number_reader: Reader = "numpy",
) -> Parser:
    """Build the parser for a format name (``kv``, ``jsonl``, ``csv``, ``tsv``, ``table``,
    ``json``).

    ``formats`` are a profile's own line formats: tried first by the text parsers, and a
    ``name`` that is one of them reads the log with that format only. ``number_reader`` is
    the library the text parsers read numbers of many lines with (see ``formats.columns``);
    JSON and CSV always use polars.
    """
    from vaetui.core.formats.csvlog import TABLE_FORMATS, CsvParser
    from vaetui.core.formats.text import TextParser

    own = next((f for f in formats if f.name == name), None)
    if own is not None:
        return TextParser(rank=rank, formats=(own,), forced=True, number_reader=number_reader)
    if name == "kv":
        return TextParser(rank=rank, formats=formats, number_reader=number_reader)
    if name == "jsonl":  # the JSON parsers (and orjson) are imported for JSON logs only
        from vaetui.core.formats.jsonl import JsonLinesParser

        return JsonLinesParser(rank=rank, formats=formats)
    if name == "json":
        from vaetui.core.formats.jsondoc import JsonDocumentParser

        return JsonDocumentParser(rank=rank)
    delimiter = next((d for d, n in TABLE_FORMATS.items() if n == name), None)
    if delimiter is not None:
        return CsvParser(rank=rank, delimiter=delimiter)
    raise ValueError(f"unknown format {name!r}")


def sniff(text: str) -> str | None:
    """Guess the format from the first complete lines; None when there is too little text."""
    from vaetui.core.formats.csvlog import TABLE_FORMATS

    lines = _first_lines(text, _SNIFF_LINES)
    if not lines:
        return None
    first = lines[0]
    if first.startswith("{") and first.endswith("}"):
        # ``{'loss': 0.12, 'epoch': 0.01}`` is a Python dict printed (Hugging Face's Trainer
        # prints its logs so), not JSON: its keys and values read as ``key: value`` text.
        return "kv" if first[1:].lstrip().startswith("'") else "jsonl"
    if first in ("[", "{") or (first.startswith("[") and first[1:2] in ("{", "")):
        return "json"
    for delimiter in (",", "\t"):
        table = _table(lines, delimiter)
        if table is not False:
            return TABLE_FORMATS[delimiter] if table else None
    if _aligned_table(lines[:6]):
        return "table"
    return "kv"


def _first_lines(text: str, count: int) -> list[str]:
    """The first ``count`` non-blank lines of ``text``, stripped (``\\r`` ends a line too);
    the rest of a big block is not split (sniffing the preview's megabyte reads six)."""
    lines: list[str] = []
    for match in _LINE.finditer(text):
        line = match.group().strip()
        if line:
            lines.append(line)
            if len(lines) == count:
                break
    return lines


def _table(lines: list[str], delimiter: str) -> bool | None:
    """A header of names over a row of numbers, split by ``delimiter``: True; False when the
    first line is no such header; None when the header waits for its first row."""
    from vaetui.core.formats.base import parse_number
    from vaetui.core.formats.csvlog import looks_like_header, split_cells

    first = lines[0]
    cells = split_cells(first, delimiter)
    if delimiter not in first or not looks_like_header(cells):
        return False
    if len(lines) < 2:
        return None
    row = split_cells(lines[1], delimiter)
    return len(row) == len(cells) and any(parse_number(c) is not None for c in row if c)


def _aligned_table(lines: list[str]) -> bool:
    """Somewhere in the first lines, a row of single-word names (``step loss kl_loss``) over
    two rows of as many numbers and nothing else: columns aligned with spaces (or ruled
    with ``|``, under a Markdown ``|---|`` line, which is left out here)."""
    from vaetui.core.formats.base import parse_number, table_cells

    lines = [line for line in lines if not _RULE_ROW.fullmatch(line)]
    for i in range(len(lines) - 2):
        names = table_cells(lines[i])
        if len(names) < 2 or any(not _NAME_CELL.match(n) for n in names):
            continue
        rows = [table_cells(lines[i + 1]), table_cells(lines[i + 2])]
        if all(len(r) == len(names) and all(parse_number(c) is not None for c in r) for r in rows):
            return True
    return False
