"""Phases of a run as its points arrive: the discriminator switching on, learning-rate turns.

A VAE-GAN trains in phases: reconstruction and KL first, then (at ``disc_start``) the
adversarial loss joins; a learning rate warms up and follows its schedule. Each turn is a
``phase`` event, so the user sees it on the plot and in the events list, and the criteria know
where the discriminator began (its start bump is expected). The kl_weight schedule (warm-up,
changes, cycles) is :mod:`vaetui.core.phases`'s.

:class:`PhaseWatch` reads the few metrics that mark phases as the recorder stores them, a
column at a time (numpy finds the few points where something turns; only those are looked at
in Python) or a point at a time, and remembers the line where each phase's evidence begins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from vaetui.core.metrics import DISC_FACTOR, DISC_LOSS, G_LOSS
from vaetui.core.snapshot import Event

#: Signals that are exactly zero until the discriminator switches on, best evidence first.
TURN_ON: tuple[str, ...] = (DISC_FACTOR, DISC_LOSS, G_LOSS)
#: Zeros a signal must show before its first non-zero value counts as switching on.
_ZEROS_NEEDED = {DISC_FACTOR: 1, DISC_LOSS: 3, G_LOSS: 3}
#: A rising streak that starts at or below this share of its end (or at the segment's first
#: point) is a warm-up ramp.
RAMP_FROM = 0.1
#: Schedule events per metric and segment; a schedule that changes more is not listed further.
MAX_EVENTS_PER_METRIC = 30
#: More turning points than this in a segment: the value is noise, not a schedule.
MAX_CANDIDATES = 2000


def is_lr(name: str) -> bool:
    """True for learning-rate keys: ``lr``, ``learning_rate``, Lightning's ``lr_adam``."""
    return name in ("lr", "learning_rate") or name.startswith("lr_")


def _num(x: float) -> str:
    return f"{x:.3g}"


def _step_text(step: float) -> str:
    return str(int(step)) if float(step).is_integer() else f"{step:.4g}"


@dataclass
class _Schedule:
    """What one schedule metric (kl_weight, lr) did up to its newest point."""

    prev: float | None = None
    #: The value before ``prev`` (a drop counts only after a steady stretch).
    prev2: float | None = None
    prev_step: float = 0.0
    prev_line: int = 0
    rising: bool = False
    seen: int = 0
    #: The rising streak under way: (value before it, first step, first line, first index).
    streak: tuple[float, float, int, int] | None = None
    events: int = 0
    ramps: int = 0
    #: Turning points seen in the segment; past ``MAX_CANDIDATES`` the metric is noise.
    candidates: int = 0
    noisy: bool = False


@dataclass
class _TurnOn:
    zeros: int = 0
    done: bool = False


@dataclass
class PhaseWatch:
    """Phase events of the newest segment, found as the points arrive.

    Args:
        jump: A kl_weight / learning-rate change between two logged values larger than this
            fraction is a schedule change.
    """

    jump: float = 0.3
    #: Step where the discriminator switched on in the newest segment (None: not seen).
    disc_start: float | None = None
    _schedules: dict[str, _Schedule] = field(default_factory=dict)
    _turn_on: dict[str, _TurnOn] = field(default_factory=dict)

    def watches(self, name: str) -> bool:
        """Whether ``name`` marks phases (only these are passed to ``note``)."""
        return name in TURN_ON or is_lr(name)

    def new_segment(self) -> None:
        """A restart: phases start over."""
        self.disc_start = None
        self._schedules.clear()
        self._turn_on.clear()

    def note(
        self, name: str, steps: np.ndarray, values: np.ndarray, lines: np.ndarray
    ) -> list[Event]:
        """Points of ``name`` in file order; returns the phase events they complete."""
        return [event for _row, event in self.note_rows(name, steps, values, lines)]

    def note_rows(
        self, name: str, steps: np.ndarray, values: np.ndarray, lines: np.ndarray
    ) -> list[tuple[int, Event]]:
        """As ``note``, each event with the index of the point that completed it (an event
        may name an earlier point: a warm-up ends at its peak, seen from the next point)."""
        if name in TURN_ON:
            return self._note_turn_on(name, steps, values, lines)
        return self._note_schedule(name, steps, values, lines)

    def note_point(self, name: str, step: float, value: float, line: int) -> list[Event]:
        """One point (the record-by-record path): the same as ``note`` with one-point
        columns, in plain floats (a live log arrives a few lines at a time)."""
        if not math.isfinite(value):
            if name in TURN_ON:
                self._turn_on.setdefault(name, _TurnOn())
            else:
                self._schedules.setdefault(name, _Schedule())
            return []
        if name in TURN_ON:
            st = self._turn_on.setdefault(name, _TurnOn())
            if st.done or value == 0:
                st.zeros += int(not st.done)
                return []
        else:
            sched = self._schedules.get(name)
            if sched is None or sched.noisy or sched.prev is None or sched.prev2 is None:
                pass  # the first points, or a noisy one: the column path handles them
            else:
                return self._schedule_point(name, sched, float(step), float(value), int(line))
        return self.note(name, np.array([step]), np.array([value]), np.array([line]))

    def _schedule_point(
        self, name: str, st: _Schedule, step: float, value: float, line: int
    ) -> list[Event]:
        """``_note_schedule`` for one finite point after the first two."""
        prev, prev2 = st.prev, st.prev2
        assert prev is not None and prev2 is not None
        rising = value > prev and value - prev > 1e-9 * abs(prev)
        try:
            steady = abs(prev / prev2 - 1.0) < self.jump / 3
        except (ZeroDivisionError, OverflowError):
            steady = False  # the column path's inf or NaN ratio
        dropping = value < prev * (1.0 - self.jump) and steady
        events: list[Event] = []
        if rising != st.rising or dropping:
            st.candidates += 1  # counted as the column path counts them
            if st.candidates > MAX_CANDIDATES:
                st.noisy = True
                return []
            events = self._turn(name, st, (value, step, line, st.seen), rising, dropping)
        st.prev2 = prev
        st.prev, st.prev_step, st.prev_line = value, step, line
        st.rising = rising
        st.seen += 1
        return events

    # -- the discriminator switching on ----------------------------------------------------

    def _note_turn_on(
        self, name: str, steps: np.ndarray, values: np.ndarray, lines: np.ndarray
    ) -> list[tuple[int, Event]]:
        st = self._turn_on.setdefault(name, _TurnOn())
        if st.done:
            return []
        finite = np.isfinite(values)
        nonzero = np.flatnonzero(finite & (values != 0))
        if nonzero.size == 0:
            st.zeros += int(np.count_nonzero(finite))
            return []
        i = int(nonzero[0])
        zeros = st.zeros + int(np.count_nonzero(finite[:i]))
        st.done = True
        if zeros < _ZEROS_NEEDED[name] or self.disc_start is not None:
            return []  # on from the start, or another signal saw the switch first
        step = float(steps[i])
        self.disc_start = step
        message = (
            f"adversarial phase begins: {name} 0 -> {_num(float(values[i]))} "
            "(the discriminator switches on)"
        )
        return [(i, Event(step, int(lines[i]), "phase", message))]

    # -- kl_weight and learning-rate schedules ---------------------------------------------

    def _note_schedule(
        self, name: str, steps: np.ndarray, values: np.ndarray, lines: np.ndarray
    ) -> list[tuple[int, Event]]:
        st = self._schedules.setdefault(name, _Schedule())
        if st.noisy:
            return []
        ok = np.isfinite(values)
        rows: np.ndarray | None = None  # None: every point is finite, row i is point i
        if not ok.all():
            rows = np.flatnonzero(ok)
            steps, values, lines = steps[ok], values[ok], lines[ok]
        if values.size == 0:
            return []
        first = values[0] if st.prev is None else st.prev
        prev = np.concatenate(([first], values[:-1]))
        second = first if st.prev2 is None else st.prev2
        rising = (values > prev) & (values - prev > 1e-9 * np.abs(prev))
        dropping = self._drops(values, prev, second)
        was_rising = np.concatenate(([st.rising], rising[:-1]))
        turns = np.flatnonzero((rising != was_rising) | dropping)
        events: list[tuple[int, Event]] = []
        base = st.seen
        # Counted over the segment, not per call, so a column and its points one by one
        # give the same events: those of the first MAX_CANDIDATES turns, then no more.
        allowed = MAX_CANDIDATES - st.candidates
        st.candidates += turns.size
        if turns.size > allowed:
            st.noisy = True
            turns = turns[:allowed]
        for i in turns.tolist():
            if i > 0:
                st.prev, st.prev_step = float(prev[i]), float(steps[i - 1])
                st.prev_line = int(lines[i - 1])
            point = (float(values[i]), float(steps[i]), int(lines[i]), base + i)
            row = i if rows is None else int(rows[i])
            found = self._turn(name, st, point, bool(rising[i]), bool(dropping[i]))
            events += [(row, e) for e in found]
        if st.noisy:
            return events
        st.prev2 = float(prev[-1]) if values.size else st.prev2
        st.prev, st.prev_step, st.prev_line = float(values[-1]), float(steps[-1]), int(lines[-1])
        st.rising = bool(rising[-1])
        st.seen = base + values.size
        return events

    def _drops(self, values: np.ndarray, prev: np.ndarray, second: float) -> np.ndarray:
        """Where a value falls by more than ``jump`` from the one before (``prev``) after a
        steady stretch: a step decay, not the tail of a smooth decay that falls fast in
        relative terms (cosine to zero). ``second`` is the value before ``prev[0]``."""
        dropping = values < prev * (1.0 - self.jump)
        at = np.flatnonzero(dropping)
        if at.size:
            # The value two before each candidate: steadiness is judged only where it matters.
            prev2 = np.where(at > 0, prev[np.maximum(at - 1, 0)], second)
            with np.errstate(divide="ignore", invalid="ignore"):
                dropping[at] = np.abs(prev[at] / prev2 - 1.0) < self.jump / 3
        return dropping

    def _turn(
        self,
        name: str,
        st: _Schedule,
        point: tuple[float, float, int, int],
        rising: bool,
        dropping: bool,
    ) -> list[Event]:
        """One turning point of a schedule: a rise begins or ends, or the value drops."""
        value, step, line, index = point
        out: list[Event] = []
        if rising and st.streak is None and st.prev is not None:
            st.streak = (st.prev, step, line, index)
        elif not rising and st.streak is not None:
            out += self._streak_ended(name, st, index)
        if dropping and st.prev is not None:
            what = "learning rate" if is_lr(name) else name
            out.append(
                Event(
                    step,
                    line,
                    "phase",
                    f"{what} drops {_num(st.prev)} -> {_num(value)} (schedule change)",
                )
            )
        return self._limit(name, st, out)

    def _streak_ended(self, name: str, st: _Schedule, index: int) -> list[Event]:
        """A rising streak ended at the previous point: a warm-up, or a schedule rise."""
        assert st.streak is not None
        start, first_step, first_line, first_index = st.streak
        st.streak = None
        end = st.prev if st.prev is not None else start
        lr = is_lr(name)
        if start <= RAMP_FROM * end or first_index == 1:  # from ~0, or from the first point
            st.ramps += 1
            cycle = f" (cycle {st.ramps})" if st.ramps > 1 else ""
            what = "learning-rate warm-up" if lr else "KL warm-up"
            message = f"{what} ends{cycle}: {name} reached {_num(end)}"
            return [Event(st.prev_step, st.prev_line, "phase", message)]
        if start > 0 and end / start - 1.0 > self.jump:
            what = "learning rate" if lr else name
            gradual = index - first_index > 2
            message = f"{what} rises {_num(start)} -> {_num(end)} (schedule change)"
            if gradual:
                message = (
                    f"{what} rises {_num(start)} -> {_num(end)} from step "
                    f"{_step_text(first_step)} to {_step_text(st.prev_step)} (schedule change)"
                )
            return [Event(first_step, first_line, "phase", message)]
        return []

    def _limit(self, name: str, st: _Schedule, events: list[Event]) -> list[Event]:
        """At most ``MAX_EVENTS_PER_METRIC`` events per schedule, then one saying so."""
        out = []
        for e in events:
            st.events += 1
            if st.events <= MAX_EVENTS_PER_METRIC:
                out.append(e)
            elif st.events == MAX_EVENTS_PER_METRIC + 1:
                out.append(
                    Event(
                        e.step,
                        e.line,
                        "phase",
                        f"{name} keeps changing: further schedule changes are not listed",
                    )
                )
        return out


def disc_grace_end(steps: np.ndarray, start: float | None, points: int) -> float | None:
    """The step where the discriminator's grace ends: ``points`` records after ``start``.

    ``steps`` are the newest segment's steps of a signal logged with the adversarial half;
    None when there is no start; ``inf`` while fewer records exist (the grace is running).
    """
    if start is None or points <= 0:
        return None
    after = steps[steps >= start]
    if after.size > points:
        return float(after[points])
    return math.inf
