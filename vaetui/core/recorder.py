"""Every metric's points by segment, and the events they raise: restart, NaN, spike.

``Run`` decides what a record is and which step it has; the recorder stores its values
(record by record, or a column at a time for a batch) and notices what a user must see:
the first non-finite loss of a segment and losses that jump far above their EMA.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from vaetui.core.assess import LOSSES
from vaetui.core.phase_watch import PhaseWatch
from vaetui.core.profile import Profile
from vaetui.core.snapshot import Event
from vaetui.core.stats import MAX_POINTS, Growable, MetricHistory, ema_before

#: Points a metric needs in its segment before spikes are reported.
SPIKE_MIN_POINTS = 10
#: At most this many events are kept (the oldest are dropped).
MAX_EVENTS = 2000
#: Distinct metrics kept; the values of any further name are counted, not stored, so a log
#: with a new key on every line cannot take all memory.
MAX_METRICS = 2000
#: Points kept across all metrics together; each metric's share is at most ``MAX_POINTS``.
TOTAL_POINTS = 2_000_000
#: However many metrics there are, each keeps at least this many points.
MIN_POINTS = 512
#: Refused metric names remembered (for ``check --explain``); beyond that only counted.
_DROPPED_NAMES = 10_000


class Recorder:
    """Histories of all metrics, the segment they are in, and the events so far."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self.histories: dict[str, MetricHistory] = {}
        self.segment = 0
        self.segment_starts: list[float] = []
        self.events: deque[Event] = deque(maxlen=MAX_EVENTS)
        #: First non-finite loss of the newest segment, as (step, metric).
        self.nonfinite: tuple[float, str] | None = None
        #: Spikes of the newest segment, as (step, ratio to the EMA, metric).
        self.spikes: list[tuple[float, float, str]] = []
        #: The discriminator's start and learning-rate turns of the newest segment.
        self.watch = PhaseWatch(jump=profile.phases.jump)
        #: Names refused once ``MAX_METRICS`` were kept (in first-seen order), and their values.
        self.dropped_names: dict[str, None] = {}
        self.dropped_values = 0
        #: Points each metric may keep: the total budget shared out.
        self.point_limit = MAX_POINTS
        self.index = RecordIndex()
        #: Schedule changes already listed, as (segment, step).
        self.phases: set[tuple[int, float]] = set()
        self.phase_steps: list[float] = []
        #: Histories kept without spare room (a run not on screen), see ``set_compact``.
        self.compact = False

    def set_compact(self, compact: bool) -> None:
        """Keep every history (and the record index) without spare room, or let them grow
        freely again. Lossless: the points, and so the verdicts, are the same either way."""
        self.compact = compact
        for h in self.histories.values():
            h.set_compact(compact)
        self.index.set_compact(compact)

    def _watched(self, events: list[Event]) -> None:
        """Phase events the watcher found (discriminator on, learning-rate turns)."""
        for e in events:
            if e.step is not None:
                self.phase_steps.append(e.step)
            self.events.append(e)

    def phase(self, step: float, message: str) -> None:
        """A kl_weight schedule change at ``step`` (listed once)."""
        key = (self.segment, step)
        if key in self.phases:
            return
        self.phases.add(key)
        self.phase_steps.append(step)
        self.event(step, self.index.line_at(step), "phase", message)

    def spike_steps(self) -> dict[str, frozenset[float]]:
        """Steps of the newest segment's spikes, per metric."""
        steps: dict[str, set[float]] = {}
        for step, _ratio, name in self.spikes:
            steps.setdefault(name, set()).add(step)
        return {name: frozenset(s) for name, s in steps.items()}

    def worst_spike(self) -> tuple[float, float, str] | None:
        """The newest segment's largest spike (step, ratio to its EMA, metric); of spikes
        equal to 9 significant digits, the first. A column's EMA and a point-by-point one
        differ in their last bits, so the last bits must not choose between two spikes."""
        if not self.spikes:
            return None
        return max(self.spikes, key=lambda spike: float(f"{spike[1]:.9g}"))

    def event(
        self,
        step: float | None,
        line: int | None,
        kind: str,
        message: str,
        change: tuple[str, str, str] = ("", "", ""),
    ) -> None:
        """Note an event; ``change`` is (criterion, before, after) for a verdict change."""
        self.events.append(Event(step, line, kind, message, *change))

    def new_segment(self, previous: float | None, step: float, line: int) -> None:
        """A restart or a resume: statistics and verdicts start over from here."""
        self.segment += 1
        self.segment_starts.append(step)
        for h in self.histories.values():
            h.new_segment()
        self.nonfinite = None
        self.spikes = []
        self.watch.new_segment()
        self.index = RecordIndex()
        self.index.set_compact(self.compact)
        self.event(
            step,
            line,
            "restart",
            f"step went back from {num(previous)} to {num(step)}: "
            f"segment {self.segment + 1} (restart or resume)",
        )

    def _history(self, name: str) -> MetricHistory | None:
        """The history of ``name``; None (and counted) once ``MAX_METRICS`` are kept."""
        h = self.histories.get(name)
        if h is None:
            if len(self.histories) >= MAX_METRICS:
                if len(self.dropped_names) < _DROPPED_NAMES:
                    self.dropped_names[name] = None
                return None
            h = self.histories[name] = MetricHistory.empty()
            h.set_compact(self.compact)
            self.point_limit = max(MIN_POINTS, min(MAX_POINTS, TOTAL_POINTS // len(self.histories)))
        return h

    def add_point(self, name: str, step: float, value: float, merge: bool, line: int) -> None:
        """One value of one record (``merge``: it updates the previous record's step)."""
        h = self._history(name)
        if h is None:
            self.dropped_values += 1
            return
        h.writes += 1
        finite = math.isfinite(value)
        if merge and len(h) > h.segment_start and h.steps.last() == step:
            h.seg_nan += int(not finite) - int(not math.isfinite(h.values.last()))
            h.values.set_last(value)
        else:
            h.steps.append(step)
            h.values.append(value)
            h.segments.append(self.segment)
            h.seg_count += 1
            h.seg_nan += int(not finite)
            h.thin_if_full(self.point_limit)
            if self.watch.watches(name):
                self._watched(self.watch.note_point(name, step, value, line))
        if name not in LOSSES:
            return
        if not finite:
            if self.nonfinite is None:
                self.nonfinite = (step, name)
                self.event(step, line, "nan", f"{name} is {value} at step {num(step)}")
            return
        ema = h.spike_ema
        if ema is not None and h.seg_count > SPIKE_MIN_POINTS and ema > 0:
            ratio = value / ema
            if ratio > self._profile.divergence.spike_factor:
                self.spikes.append((step, ratio, name))
                self.event(
                    step, line, "spike", f"{name} {num(value)} is {_times(ratio)} its EMA {ema:.4g}"
                )
        alpha = self._profile.smoothing.ema_alpha
        h.spike_ema = value if ema is None else (1 - alpha) * ema + alpha * value

    def add_columns(
        self,
        columns: list[tuple[int, str]],
        steps: np.ndarray,
        values: np.ndarray,
        lines: np.ndarray,
    ) -> None:
        """Many records at once: the same points and events as ``add_point`` row by row."""
        # Events go in file order, and within a line in column order, as record by record.
        events: list[tuple[int, int, Event]] = []
        first_bad: list[tuple[int, int, str]] = []
        for order, (col, name) in enumerate(columns):
            bad_row = self._add_column(name, steps, values[:, col], lines, order, events)
            if bad_row is not None:
                first_bad.append((bad_row, order, name))
        if first_bad and self.nonfinite is None:
            row, order, name = min(first_bad)
            step, line = float(steps[row]), int(lines[row])
            self.nonfinite = (step, name)
            message = f"{name} is {values[row, columns[order][0]]} at step {num(step)}"
            events.append((row, order, Event(step, line, "nan", message)))
        # In the order record by record would give: by the row that raised each event, then
        # by column (phase events before a spike or NaN of the same point).
        for _row, _order, event in sorted(events, key=lambda e: (e[0], e[1])):
            self.events.append(event)

    def _add_column(
        self,
        name: str,
        steps: np.ndarray,
        values: np.ndarray,
        lines: np.ndarray,
        order: int,
        events: list[tuple[int, int, Event]],
    ) -> int | None:
        """Append a column of points; collect its spike events; return its first NaN row."""
        h = self._history(name)
        if h is None:
            self.dropped_values += steps.size
            return None
        h.writes += 1
        before = h.seg_count
        # The column as the history took it: contiguous, so the passes below read it fast.
        values, finite = h.add_column(steps, values, self.segment, self.point_limit)
        bad = int(steps.size - np.count_nonzero(finite))
        h.seg_count += steps.size
        h.seg_nan += bad
        if self.watch.watches(name):
            found = self.watch.note_rows(name, steps, values, lines)
            self.phase_steps += [e.step for _row, e in found if e.step is not None]
            events += [(row, order, e) for row, e in found]
        if name not in LOSSES:
            return None
        alpha = self._profile.smoothing.ema_alpha
        prior, h.spike_ema = ema_before(values, alpha, h.spike_ema, finite)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = values / prior
        # A spike needs SPIKE_MIN_POINTS points of its segment before it and an EMA above 0.
        first = max(SPIKE_MIN_POINTS - before, 0)
        over = first + np.flatnonzero(ratio[first:] > self._profile.divergence.spike_factor)
        spikes = over[prior[over] > 0]
        for i in spikes.tolist():
            step, line = float(steps[i]), int(lines[i])
            self.spikes.append((step, float(ratio[i]), name))
            times = _times(float(ratio[i]))
            message = f"{name} {num(float(values[i]))} is {times} its EMA {prior[i]:.4g}"
            events.append((i, order, Event(step, line, "spike", message)))
        return int(np.argmin(finite)) if bad else None


def _times(ratio: float) -> str:
    """A spike's ratio to its EMA for a message (``31x``); huge ones in 3 digits, so the EMA's
    last bits (a column's and a point-by-point EMA differ there) do not show."""
    return f"{ratio:.0f}x" if ratio < 1e6 else f"{ratio:.3g}x"


class RecordIndex:
    """Step and line of each of the newest segment's records (the newest ``KEEP`` of them).

    Where a verdict's evidence began is a step; this finds its line and counts the records
    logged since.
    """

    KEEP = 1 << 15

    def __init__(self) -> None:
        self.steps = Growable()
        self.lines = Growable()
        self._compact = False

    def add(self, step: float, line: int) -> None:
        self.steps.append(step)
        self.lines.append(float(line))
        self._trim()

    def extend(self, steps: np.ndarray, lines: np.ndarray) -> None:
        self.steps.extend(steps)  # stored as float64
        self.lines.extend(lines)
        self._trim()

    def set_compact(self, compact: bool) -> None:
        """No spare room (``compact``), or room to grow (see ``Recorder.set_compact``)."""
        self._compact = compact
        for column in (self.steps, self.lines):
            if compact:
                column.compact()
            else:
                column.tight = False

    def _trim(self) -> None:
        if len(self.steps) > 2 * self.KEEP:
            steps, lines = self.steps.view()[-self.KEEP :], self.lines.view()[-self.KEEP :]
            self.steps, self.lines = Growable(2 * self.KEEP), Growable(2 * self.KEEP)
            self.steps.extend(steps.copy())
            self.lines.extend(lines.copy())
            if self._compact:
                self.set_compact(True)

    def __len__(self) -> int:
        return len(self.steps)

    def since(self, step: float) -> int:
        """Records at or after ``step``."""
        steps = self.steps.view()
        return int(steps.size - np.searchsorted(steps, step, side="left"))

    def line_at(self, step: float) -> int | None:
        """The line of the first record at or after ``step``."""
        steps = self.steps.view()
        i = int(np.searchsorted(steps, step, side="left"))
        return int(self.lines.view()[i]) if i < steps.size else None


def num(x: float | None) -> str:
    """A step or value for a message: an integer when whole."""
    if x is None:
        return "-"
    return str(int(x)) if float(x).is_integer() else f"{x:.4g}"
