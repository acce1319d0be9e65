"""The events list as a person reads it: what matters pinned on top, repeated flips folded.

A run's events are few that matter (a restart, the first NaN, a spike, a schedule change)
among many verdict changes, and a badge that flips between two levels for an hour would
push the rest out of view. :func:`arrange` gives the rows in the order to show them: pinned
events first, newest first; then verdict changes, where a criterion moving back and forth
between the same two levels is one row (``Balance ok↔excellent ×13``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vaetui.core.snapshot import CRITERIA_TITLES, Event

#: Kinds shown above verdict changes.
PINNED = ("restart", "nan", "spike", "phase", "truncation")
#: Which rows a filter keeps: every row, the pinned ones, or the verdict changes.
FILTERS = ("all", "pinned", "verdicts")


@dataclass(frozen=True)
class EventRow:
    """One row of the events list; ``step`` and ``line`` are its newest event's."""

    step: float | None
    line: int | None
    kind: str
    text: str
    #: Events folded into this row (verdict flips between the same two levels).
    count: int = 1
    #: Step of the oldest event of the row (for "since step ...").
    first_step: float | None = None

    @property
    def pinned(self) -> bool:
        return self.kind in PINNED


def arrange(events: Iterable[Event], keep: str = "all") -> list[EventRow]:
    """The rows to show for ``events`` (oldest first in), pinned first, newest first.

    Args:
        events: A run's events in the order they happened.
        keep: One of :data:`FILTERS`.
    """
    pinned: list[EventRow] = []
    flips: list[list[Event]] = []
    open_group: dict[str, int] = {}  # criterion -> index of its newest group in flips
    for e in events:
        if e.kind != "verdict":
            pinned.append(EventRow(e.step, e.line, e.kind, e.message, 1, e.step))
            continue
        at = open_group.get(e.criterion)
        if at is not None and e.criterion and _pair(flips[at][-1]) == _pair(e):
            flips[at].append(e)
        else:
            open_group[e.criterion] = len(flips)
            flips.append([e])
    folded = sorted((_fold(group) for group in flips), key=lambda r: _order(r.step), reverse=True)
    pinned.reverse()
    if keep == "pinned":
        return pinned
    if keep == "verdicts":
        return folded
    return pinned + folded


def _pair(e: Event) -> frozenset[str]:
    return frozenset((e.before, e.after))


def _order(step: float | None) -> float:
    return -1.0 if step is None else float(step)


def _fold(group: list[Event]) -> EventRow:
    """One row for a criterion's run of changes between the same two levels."""
    last = group[-1]
    if len(group) == 1 or not last.criterion:
        text = last.message
        if last.criterion:
            title = CRITERIA_TITLES.get(last.criterion, last.criterion)
            summary = last.message.partition(" (")[2].rstrip(")")
            text = f"{title} {last.before} → {last.after}" + (f": {summary}" if summary else "")
        return EventRow(last.step, last.line, "verdict", text, 1, last.step)
    title = CRITERIA_TITLES.get(last.criterion, last.criterion)
    first = group[0]
    text = f"{title} {first.before}↔{first.after} ×{len(group)}, now {last.after}"
    return EventRow(last.step, last.line, "verdict", text, len(group), first.step)
