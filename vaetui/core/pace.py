"""The pace of a live run: steps per second and how long it has been quiet.

Only reads that arrive apart in time count as pace: history read in bulk at start-up says
nothing about how fast the trainer writes. A history read from an old file is as old as the
file (its modification time), so a log last written hours ago never looks fresh.
"""

from __future__ import annotations

import itertools
from collections import deque

import numpy as np

from vaetui.core.stats import median

#: Reads remembered for the pace (one entry per read that brought a new step).
PACE_READS = 64
#: Reads closer together than this do not measure a pace (a backlog read in pieces).
MIN_READ_GAP = 0.05


class Pace:
    """Times of the recent reads that brought new steps, and of the newest record."""

    def __init__(self) -> None:
        self._reads: deque[tuple[float, float]] = deque(maxlen=PACE_READS)
        #: Wall-clock time (``time.time()``) of the newest record, None before the first.
        self.last_record_time: float | None = None
        #: How old the history was when it had been read (None until told), and the
        #: records that arrived after it.
        self._history_age: float | None = None
        self._records_after_history = 0
        #: The usual seconds between reads, worked out once per new read (stale: not yet).
        self._usual: float | None = None
        self._usual_stale = True
        #: The newest line said training is over, and no record came after it.
        self._ended = False

    def clear(self) -> None:
        """Forget the reads (history arrived in bulk); the newest record's time stays."""
        self._reads.clear()
        self._usual_stale = True

    def note_read(self, when: float, step: float) -> None:
        """A read at ``when`` brought records up to ``step`` (counted once per new step)."""
        if not self._reads or self._reads[-1][1] != step:
            self._reads.append((when, step))
            self._usual_stale = True

    def note_end(self) -> None:
        """The log said training is over: quiet from now on is the end, not a stall."""
        self._ended = True

    @property
    def ended(self) -> bool:
        """The newest line said training is over and no record came after it."""
        return self._ended

    def note_record(self, when: float) -> None:
        """A record was read at ``when`` (after an end line: the run goes on, or again)."""
        self._ended = False
        self.last_record_time = when
        if self._history_age is not None:
            self._records_after_history += 1

    def note_history_time(self, mtime: float) -> None:
        """The records read so far were written by ``mtime`` at the latest."""
        if self.last_record_time is not None:
            self._history_age = max(self.last_record_time - mtime, 0.0)
            self.last_record_time = min(self.last_record_time, mtime)

    def finished(self, now: float, stale_seconds: float, finished_seconds: float) -> bool:
        """The log looks finished: it was already ``stale_seconds`` old when read and nothing
        came since, or it has been quiet for ``finished_seconds``."""
        if self.last_record_time is None:
            return False
        if now - self.last_record_time > finished_seconds:
            return True
        age = self._history_age
        return age is not None and age > stale_seconds and self._records_after_history == 0

    def quiet_after(self) -> float:
        """Seconds without a record after which a live run no longer reads LIVE."""
        _quiet, usual = self.quiet(self.last_record_time or 0.0)
        return max(5.0, 3.0 * usual) if usual else 5.0

    def quiet(self, now: float) -> tuple[float | None, float | None]:
        """Seconds since the newest record, and the usual seconds between reads (median).

        ``(None, None)`` before the first record; the usual interval is None until three
        reads have been timed.
        """
        if self.last_record_time is None:
            return None, None
        quiet = max(now - self.last_record_time, 0.0)
        if self._usual_stale:
            times = [t for t, _ in self._reads]
            self._usual = median(np.diff(times)) if len(times) >= 3 else None
            self._usual_stale = False
        return quiet, self._usual

    def steps_per_second(self) -> float | None:
        """Steps per second over the recent reads that were apart in time (None if unknown)."""
        steps = seconds = 0.0
        for (t0, s0), (t1, s1) in itertools.pairwise(self._reads):
            if t1 - t0 >= MIN_READ_GAP and s1 >= s0:
                steps += s1 - s0
                seconds += t1 - t0
        return steps / seconds if seconds > 0 else None
