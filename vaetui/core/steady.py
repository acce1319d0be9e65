"""Steady badges: a new level shows only once it has held for a minimum dwell.

Between the criteria and the verdict tracker of a live run. A criterion's raw level that
differs from the one shown becomes a candidate; it is shown once it has held for
``dwell_records`` records, counted from where its evidence began when the criterion knows that
step (so lines that arrive in one batch count as the records they are), else from the read
that first saw it. NaN/inf, ``pending`` and ``n/a`` show at once. Each shown change carries the
step where its evidence began. The levels shown are also what the criteria read for their
hysteresis (``JudgeInput.previous``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vaetui.core.snapshot import LEVELS, Verdict


class Stabiliser:
    """The verdicts shown, and the candidates waiting for their dwell."""

    def __init__(
        self, dwell_records: int, trend_dwell: int = 0, trends: tuple[str, ...] = ()
    ) -> None:
        self._dwell = max(int(dwell_records), 0)
        #: Trend criteria judge a window: their healthy levels need the longer dwell.
        self._trend_dwell = max(int(trend_dwell), self._dwell)
        self._trends = frozenset(trends)
        self.shown: dict[str, Verdict] = {}
        #: criterion -> (level, step first seen, records read then)
        self._candidates: dict[str, tuple[str, float | None, int]] = {}

    def settle(
        self,
        verdicts: Sequence[Verdict],
        records: int,
        step: float | None,
        records_since: Callable[[float], int],
    ) -> tuple[tuple[Verdict, ...], dict[str, float | None]]:
        """The verdicts to show now, and the evidence step of each level that changed."""
        out: list[Verdict] = []
        stamps: dict[str, float | None] = {}
        for v in verdicts:
            shown = self.shown.get(v.id)
            if shown is None or shown.level == v.level or self._at_once(v, shown):
                if shown is not None and shown.level != v.level:
                    stamps[v.id] = v.since if v.since is not None else step
                self._show(v)
                out.append(v)
                continue
            cand = self._candidates.get(v.id)
            if cand is None or cand[0] != v.level:
                cand = (v.level, step, records)
                self._candidates[v.id] = cand
            held = records - cand[2]
            if v.since is not None:
                held = max(held, records_since(v.since) - 1)
            need = self._trend_dwell if v.id in self._trends and v.level != "bad" else self._dwell
            if held >= need:
                stamps[v.id] = v.since if v.since is not None else cand[1]
                self._show(v)
                out.append(v)
            else:
                out.append(shown)
        return tuple(out), stamps

    def _show(self, v: Verdict) -> None:
        self.shown[v.id] = v
        self._candidates.pop(v.id, None)

    @staticmethod
    def _at_once(v: Verdict, shown: Verdict) -> bool:
        return v.immediate or v.level not in LEVELS or shown.level not in LEVELS
