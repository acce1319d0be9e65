"""Steady badges: a new level shows only once it has held for a minimum dwell.

Between the criteria and the verdict tracker of a live run. A criterion's raw level that
differs from the one shown becomes a candidate; it is shown once it has held for
``dwell_records`` records, counted from where its evidence began when the criterion knows that
step (so lines that arrive in one batch count as the records they are), else from the read
that first saw it. The dwell is measured in evidence, not in records alone: a trend
criterion's move between ``excellent`` and ``ok`` (reassurance, or mild worry) must also hold
for ``calm_fraction`` of the segment's records, while a move toward ``watch``/``bad`` needs only
the trend dwell (alarms fast, reassurance slow). A shown level falls back to ``pending`` only
after the dwell too (a warm-up seen one refresh and not the next must not flap). NaN/inf,
``n/a`` and the first level after ``pending`` show at once. Each shown change carries the step
where its evidence began. The levels shown are also what the criteria read for their
hysteresis (``JudgeInput.previous``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from vaetui.core.snapshot import LEVELS, PENDING, Verdict

#: Levels between which a trend's move is "calm": neither side is an alarm.
_CALM = frozenset({"excellent", "ok"})


def _sense(level: str, shown: str) -> int:
    """+1 when ``level`` is worse than ``shown``, -1 when better, 0 outside the ranking.

    A candidate is a move in one sense: a run improving from watch through ok toward
    excellent is one move, held from its start and shown at the level it has reached.
    """
    if level not in LEVELS or shown not in LEVELS:
        return 0
    return 1 if LEVELS.index(level) > LEVELS.index(shown) else -1


class Stabiliser:
    """The verdicts shown, and the candidates waiting for their dwell."""

    def __init__(
        self,
        dwell_records: int,
        trend_dwell: int = 0,
        trends: tuple[str, ...] = (),
        calm_fraction: float = 0.0,
    ) -> None:
        self._dwell = max(int(dwell_records), 0)
        #: Trend criteria judge a window: their healthy levels need the longer dwell.
        self._trend_dwell = max(int(trend_dwell), self._dwell)
        self._trends = frozenset(trends)
        self._calm_fraction = max(float(calm_fraction), 0.0)
        self.shown: dict[str, Verdict] = {}
        #: criterion -> (sense of the move, step first seen, records read then)
        self._candidates: dict[str, tuple[int, float | None, int]] = {}

    def settle(
        self,
        verdicts: Sequence[Verdict],
        records: int,
        step: float | None,
        records_since: Callable[[float], int],
        segment_records: int | None = None,
        flush: bool = False,
    ) -> tuple[tuple[Verdict, ...], dict[str, float | None]]:
        """The verdicts to show now, and the evidence step of each level that changed.

        With ``flush`` (the run is finished: no more evidence will come) every level shows
        as judged, without its dwell.
        """
        out: list[Verdict] = []
        stamps: dict[str, float | None] = {}
        for v in verdicts:
            shown = self.shown.get(v.id)
            if shown is None or shown.level == v.level or flush or self._at_once(v, shown):
                if shown is not None and shown.level != v.level:
                    stamps[v.id] = v.since if v.since is not None else step
                self._show(v)
                out.append(v)
                continue
            sense = _sense(v.level, shown.level)
            cand = self._candidates.get(v.id)
            if cand is None or cand[0] != sense:
                cand = (sense, step, records)
                self._candidates[v.id] = cand
            held = records - cand[2]
            if v.since is not None:
                held = max(held, records_since(v.since) - 1)
            if held >= self._need(
                v, shown, records if segment_records is None else segment_records
            ):
                stamps[v.id] = v.since if v.since is not None else cand[1]
                self._show(v)
                out.append(v)
            else:
                out.append(shown)
        return tuple(out), stamps

    def _need(self, v: Verdict, shown: Verdict, segment_records: int) -> int:
        """Records the candidate ``v`` must hold before it replaces ``shown``.

        A trend's alarm (toward watch) needs the trend dwell; its reassurance (toward
        excellent) and a calm move (excellent to ok) also a share of the segment.
        """
        if v.id not in self._trends or v.level == "bad":
            return self._dwell
        alarm = _sense(v.level, shown.level) > 0 and v.level not in _CALM
        if alarm:
            return self._trend_dwell
        return max(self._trend_dwell, math.ceil(self._calm_fraction * segment_records))

    def _show(self, v: Verdict) -> None:
        self.shown[v.id] = v
        self._candidates.pop(v.id, None)

    @staticmethod
    def _at_once(v: Verdict, shown: Verdict) -> bool:
        if v.immediate:
            return True
        if v.level == PENDING and shown.level in LEVELS:
            return False
        return v.level not in LEVELS or shown.level not in LEVELS
