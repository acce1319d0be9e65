"""Line formats of a user's own, from a profile's ``[[formats]]`` tables.

A format is a name and a regular expression whose named groups are ``step``, ``epoch`` and
metric names (``(?P<kl_loss>...)``, mapped through the alias table like any other key). Where
a format matches a line it is used first; ``--format NAME`` uses only that one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vaetui.core.formats.base import Record, parse_number

_COUNTER_GROUPS = ("step", "epoch")


class FormatError(ValueError):
    """A ``[[formats]]`` table that cannot be used; the message is one sentence."""


@dataclass(frozen=True)
class LineFormat:
    """A named line pattern from a profile."""

    name: str
    pattern: str

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


def compile_format(name: object, pattern: object) -> LineFormat:
    """Check a ``[[formats]]`` table; raise ``FormatError`` with one sentence if unusable."""
    if not isinstance(name, str) or not name.strip():
        raise FormatError('every [[formats]] table needs a name = "..."')
    if not isinstance(pattern, str) or not pattern:
        raise FormatError(f"format {name!r} needs a pattern = '...' (a regular expression)")
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise FormatError(f"format {name!r} has a broken pattern: {exc}") from None
    metrics = [g for g in regex.groupindex if g not in _COUNTER_GROUPS]
    if not metrics:
        raise FormatError(
            f"format {name!r} names no metric: add a named group such as (?P<kl_loss>...)"
        )
    return LineFormat(name.strip(), pattern)


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    regex = _CACHE.get(pattern)
    if regex is None:
        regex = _CACHE[pattern] = re.compile(pattern)
    return regex


def match_format(fmt: LineFormat, seg: str, line: int) -> Record | None:
    """The record ``fmt`` reads from ``seg``, or None where it does not match."""
    m = fmt.regex.search(seg)
    if m is None:
        return None
    groups = {k: v for k, v in m.groupdict().items() if v is not None}
    step = _number(groups.pop("step", None))
    epoch = _number(groups.pop("epoch", None))
    values: dict[str, float] = {}
    for name, text in groups.items():
        number = parse_number(text)
        if number is not None:
            values[name] = number
    if not values:
        return None
    if step is None and epoch is not None:
        step = epoch
    return Record(step, line, values, epoch)


def _number(text: str | None) -> float | None:
    return None if text is None else parse_number(text)
