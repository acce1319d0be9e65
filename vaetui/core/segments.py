"""Step continuity: which step a record has, and when training started over.

A step that goes back is a restart or a resume (a new segment); the same step logged again
on a new line with other values is a restart too (the same values again are a redraw).
Evaluation passes that count their own batches keep the training step. A restart is placed
where the new process announced its run (its banner line), else at its first record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vaetui.core.formats.base import Record
from vaetui.core.formats.fastkv import Batch
from vaetui.core.metrics import is_eval_key


@dataclass(frozen=True)
class Placement:
    """Where one record goes."""

    step: float
    #: The record adds values to the previous record's step (one step, several lines).
    merge: bool
    #: A new segment begins here: (the step before it, the line where it began).
    restart: tuple[float | None, int] | None = None


class StepContinuity:
    """Follows the steps of a run's records and decides segments and merges."""

    def __init__(self) -> None:
        self.first_step: float | None = None
        self.last_step: float | None = None
        self.epoch: float | None = None
        #: Records (distinct steps) and the lines they came from.
        self.records = 0
        self.record_lines = 0
        self.last_record_line = -1
        self._last_values: dict[str, float] = {}
        #: Line of the first banner since the last record: where a restarted process began.
        self._banner_line: int | None = None
        #: The newest record's step counts training steps: the log gave it, and it is not
        #: the epoch number (a log counted in epochs, or numbered by the run, is not).
        self.steps_counted = False

    def note_banner(self, line: int) -> None:
        """A line announced a run (its config); a restart that follows began there."""
        if self._banner_line is None:
            self._banner_line = line

    def place(self, rec: Record, values: Mapping[str, float]) -> Placement:
        """The step of ``rec`` (whose canonical values are ``values``), and what it starts."""
        last = self.last_step
        step = rec.step
        if step is None:
            if last is not None and all(is_eval_key(name) for name in values):
                return Placement(last, merge=True)  # a step-less evaluation row: the last step
            step = 0.0 if last is None else last + 1
        restart_line = self._banner_line if self._banner_line is not None else rec.line
        if last is not None and step < last:
            if all(is_eval_key(name) for name in values):
                return Placement(last, merge=True)  # an evaluation pass counts its own batches
            return Placement(step, merge=False, restart=(last, restart_line))
        if step == last and self._repeats_last(rec, values):
            return Placement(step, merge=False, restart=(last, restart_line))
        return Placement(step, merge=step == last)

    def accept(self, rec: Record, place: Placement, values: Mapping[str, float]) -> None:
        """``rec`` was stored as ``place`` says: move the step, counters and context on."""
        if not place.merge:
            self.records += 1
            self._last_values = {}
        if rec.line != self.last_record_line:
            self.record_lines += 1
            self.last_record_line = rec.line
        if rec.epoch is not None:
            self.epoch = rec.epoch
        self.steps_counted = rec.step is not None and not rec.numbered and rec.step != rec.epoch
        self._last_values.update(values)
        if self.first_step is None:
            self.first_step = place.step
        self.last_step = place.step
        self._banner_line = None

    def batch_continues(self, batch: Batch) -> bool:
        """True when every row of ``batch`` is a new, higher step (no restart, no repeat)."""
        steps = batch.steps
        prev = self.last_step
        return not (np.any(np.diff(steps) <= 0) or (prev is not None and steps[0] <= prev))

    def accept_batch(self, batch: Batch, last_values: dict[str, float]) -> None:
        """A continuing batch was stored column by column."""
        lines = batch.lines
        self.records += batch.steps.size
        # Records on one physical line (tqdm refreshes) count that line once.
        self.record_lines += int(np.count_nonzero(np.diff(lines))) + int(
            int(lines[0]) != self.last_record_line
        )
        self.last_record_line = int(lines[-1])
        if batch.epochs is not None:
            self.epoch = float(batch.epochs[-1])
        self.steps_counted = not batch.numbered and (
            batch.epochs is None or batch.epochs[-1] != batch.steps[-1]
        )
        if self.first_step is None:
            self.first_step = float(batch.steps[0])
        self.last_step = float(batch.steps[-1])
        self._last_values = last_values
        self._banner_line = None

    def _repeats_last(self, rec: Record, values: Mapping[str, float]) -> bool:
        """A record on a new line that logs a metric of the previous step again, with a
        different value."""
        if rec.continues or rec.line == self.last_record_line:
            return False
        last = self._last_values
        return any(
            name in last and not is_eval_key(name) and not _same(value, last[name])
            for name, value in values.items()
        )


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))
