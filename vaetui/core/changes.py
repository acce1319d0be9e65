"""Verdict changes: the one place that decides a criterion's level has changed.

A live run keeps a :class:`VerdictTracker`; every snapshot taken passes its verdicts through
it. ``check --follow`` prints the changes, the TUI lists them as events, alerts act on them:
all read the same :class:`VerdictChange` records, numbered so a reader can ask for the ones
it has not seen.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from vaetui.core.snapshot import LEVELS, OVERALL, Verdict, VerdictChange, worst_level

#: Changes kept for readers that fall behind (the oldest are dropped).
MAX_CHANGES = 1000


class VerdictTracker:
    """Remembers each criterion's last level and numbers every change.

    A change is reported when a criterion's level differs from the one it had, or when a
    criterion gets a ranked level (excellent/ok/watch/bad) for the first time; a first
    ``pending`` or ``n/a`` is not news. The overall verdict is tracked as :data:`OVERALL`.
    """

    def __init__(self) -> None:
        self._levels: dict[str, str] = {}
        self._seq = 0
        self.changes: deque[VerdictChange] = deque(maxlen=MAX_CHANGES)

    @property
    def last_seq(self) -> int:
        """The number of the newest change (0 before the first)."""
        return self._seq

    def update(
        self,
        verdicts: Iterable[Verdict],
        step: float | None,
        line: int | None,
        evidence: Mapping[str, tuple[float | None, int | None]] | None = None,
    ) -> list[VerdictChange]:
        """Compare ``verdicts`` with the levels seen last; return (and keep) the changes.

        ``step`` and ``line`` are those of the read; ``evidence`` gives, per criterion, the
        step and line where the evidence for its new level began, which a change carries
        instead when known. The overall change carries the stamp of the criterion behind it.
        """
        verdicts = list(verdicts)
        evidence = evidence or {}
        found: list[VerdictChange] = []
        for v in verdicts:
            at_step, at_line = evidence.get(v.id, (step, line))
            if at_step is None:
                at_step, at_line = step, line
            change = self._compare(v.id, v.level, at_step, at_line, v.summary, v.advice)
            if change is not None:
                found.append(change)
        overall = worst_level([v.level for v in verdicts])
        behind = next((c for c in found if c.after == overall), None)
        o_step, o_line = (behind.step, behind.line) if behind else (step, line)
        change = self._compare(OVERALL, overall, o_step, o_line, _overall_summary(verdicts), "")
        if change is not None:
            found.append(change)
        return found

    def since(self, seq: int) -> list[VerdictChange]:
        """The changes numbered after ``seq`` that are still kept, oldest first."""
        return [c for c in self.changes if c.seq > seq]

    def _compare(
        self,
        criterion: str,
        level: str,
        step: float | None,
        line: int | None,
        summary: str,
        advice: str,
    ) -> VerdictChange | None:
        before = self._levels.get(criterion)
        self._levels[criterion] = level
        if before == level or (before is None and level not in LEVELS):
            return None
        self._seq += 1
        change = VerdictChange(self._seq, criterion, before, level, step, line, summary, advice)
        self.changes.append(change)
        return change


def _overall_summary(verdicts: list[Verdict]) -> str:
    """Which criteria make the overall level: the worst ones, by title."""
    overall = worst_level([v.level for v in verdicts])
    worst = [v.title for v in verdicts if v.level == overall]
    return f"{overall}: {', '.join(worst)}" if worst else overall
