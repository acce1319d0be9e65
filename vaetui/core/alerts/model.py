"""The alert document: one verdict change of one run, with everything a receiver shows."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from vaetui.core.snapshot import LEVELS, PENDING, VerdictChange, json_step, level_rank

#: ``--alert-level`` choices, least severe first.
ALERT_LEVELS: tuple[str, ...] = ("watch", "bad")


def is_news(change: VerdictChange) -> bool:
    """True when a change deserves attention.

    Every move away from a ranked level is news; a criterion's *first* ranked level is news
    only when it is ``watch`` or ``bad`` (a run that starts healthy is not an alert, a log
    that is already collapsed when opened is). A level that follows ``pending`` or ``n/a``
    counts as a first one: whether a picture happened to be taken before the first lines
    were read must not decide whether a healthy start blinks or runs a hook.
    """
    if change.before not in LEVELS:
        return change.after in ("watch", "bad")
    return True


@dataclass(frozen=True)
class Alert:
    """One verdict change of one run, as hooks, webhooks and the terminal receive it."""

    run: str
    file: str
    criterion: str
    title: str
    before: str
    after: str
    step: float | None
    line: int | None
    summary: str
    advice: str
    #: Wall-clock time (``time.time()``) the change was seen.
    timestamp: float
    #: Changes of the same criterion folded into this one during a quiet period.
    folded: int = 0

    @classmethod
    def from_change(cls, change: VerdictChange, run: str, file: str, now: float) -> Alert:
        """The alert for ``change`` of ``run`` (read from ``file``), seen at ``now``."""
        return cls(
            run=run,
            file=file,
            criterion=change.criterion,
            title=change.title,
            before=change.before or PENDING,
            after=change.after,
            step=change.step,
            line=change.line,
            summary=change.summary,
            advice=change.advice,
            timestamp=now,
        )

    @property
    def level(self) -> str:
        """The severity of the alert: the level the criterion moved to."""
        return self.after

    @property
    def recovered(self) -> bool:
        """True when the criterion got better (a "resolved" notice rather than a warning)."""
        return level_rank(self.after) < level_rank(self.before)

    def with_folded(self, count: int) -> Alert:
        return replace(self, folded=count)

    def reaches(self, minimum: str) -> bool:
        """True when either side of the change is at least ``minimum`` (watch or bad).

        A criterion that leaves ``bad`` is reported to those who heard it turn bad.
        """
        floor = LEVELS.index(minimum)
        return max(level_rank(self.before), level_rank(self.after)) >= floor

    def headline(self) -> str:
        """``train.log: KL zone ok -> bad at step 1200``: one line for a title or a toast."""
        where = f" at step {step_text(self.step)}" if self.step is not None else ""
        return f"{self.run}: {self.title} {self.before} -> {self.after}{where}"

    def iso_time(self) -> str:
        return datetime.fromtimestamp(self.timestamp, tz=timezone.utc).isoformat()

    def to_json(self) -> dict[str, Any]:
        """The generic webhook document (a stable interface, see docs/fleet.md)."""
        return {
            "level": self.level,
            "criterion": self.criterion,
            "from": self.before,
            "to": self.after,
            "run": self.run,
            "file": self.file,
            "step": json_step(self.step),
            "line": self.line,
            "summary": self.summary,
            "advice": self.advice,
            "timestamp": self.iso_time(),
            "folded": self.folded,
        }

    def environment(self) -> dict[str, str]:
        """The ``VAETUI_*`` variables a hook command receives."""
        return {
            "VAETUI_FILE": self.file,
            "VAETUI_RUN": self.run,
            "VAETUI_CRITERION": self.criterion,
            "VAETUI_FROM": self.before,
            "VAETUI_TO": self.after,
            "VAETUI_STEP": step_text(self.step),
            "VAETUI_LINE": "" if self.line is None else str(self.line),
            "VAETUI_SUMMARY": self.summary,
            "VAETUI_ADVICE": self.advice,
            "VAETUI_LEVEL": self.level,
        }


def step_text(step: float | None) -> str:
    """A step as people write it: ``1200``, ``12.5``, or empty when unknown."""
    if step is None or not math.isfinite(step):
        return ""
    value = json_step(step)
    return str(value)
