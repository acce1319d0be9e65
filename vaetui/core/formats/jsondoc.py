"""Whole-document JSON logs, rewritten as training goes (Chainer ``LogReport``, Hugging Face
``trainer_state.json``).

The document is only parsed once it is complete: a half-written rewrite is not JSON yet,
so the parser waits for the closing bracket. Records already emitted are not emitted again;
a rewrite of the file (the source resets) starts over.
"""

from __future__ import annotations

import json
from typing import Any

from vaetui.core.formats.base import Record
from vaetui.core.formats.jsonrec import record_from_mapping
from vaetui.core.lines import TextBlock

#: Keys that mark a Hugging Face ``log_history`` entry as the run summary.
_SUMMARY_KEYS = frozenset({"train_runtime", "total_flos", "train_samples_per_second"})


class JsonDocumentParser:
    """Parser for one JSON array of records, or an object with a ``log_history`` list."""

    name = "json"

    def __init__(self, rank: int | None = None) -> None:
        self.reset()

    def reset(self) -> None:
        self._parts: list[str] = []
        self._emitted = 0
        self._lines = 0

    def parse(self, block: TextBlock) -> list[Record]:
        self._parts.append(block.text)
        self._lines = block.first_line + block.text.count("\n")
        if not block.text.rstrip().endswith(("]", "}")):
            return []
        try:
            doc = json.loads("".join(self._parts))
        except ValueError:
            return []  # not complete yet
        items = _records_of(doc)
        out: list[Record] = []
        for item in items[self._emitted :]:
            if isinstance(item, dict) and _SUMMARY_KEYS & item.keys():
                continue  # a trainer's end-of-run summary, not a training step
            rec = record_from_mapping(item, self._lines)
            if rec is not None:
                out.append(rec)
        self._emitted = len(items)
        return out


def _records_of(doc: Any) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in ("log_history", "history", "logs", "records"):
            if isinstance(doc.get(key), list):
                return doc[key]
    return []
