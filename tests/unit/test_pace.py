"""The pace of a live run: the usual interval between reads follows every new read."""

from __future__ import annotations

import numpy as np
import pytest

from vaetui.core.pace import Pace


def test_the_usual_interval_is_the_median_gap_and_follows_new_reads() -> None:
    pace = Pace()
    assert pace.quiet(10.0) == (None, None)
    times = [0.0, 1.0, 3.0]
    for step, when in enumerate(times):
        pace.note_read(when, float(step))
        pace.note_record(when)
    assert pace.quiet(5.0) == (2.0, pytest.approx(1.5))
    assert pace.quiet(6.0)[1] == pytest.approx(1.5)  # asked again: the same answer
    pace.note_read(3.5, 2.0)  # the same step again: not a new read
    assert pace.quiet(6.0)[1] == pytest.approx(1.5)
    for step, when in enumerate([4.0, 4.5, 5.0], start=3):
        pace.note_read(when, float(step))
    expected = float(np.median(np.diff([0.0, 1.0, 3.0, 4.0, 4.5, 5.0])))
    assert pace.quiet(6.0)[1] == pytest.approx(expected)
    pace.clear()  # history arrived in bulk: no usual interval until three reads are timed
    assert pace.quiet(6.0)[1] is None
    assert pace.quiet_after() == 5.0
