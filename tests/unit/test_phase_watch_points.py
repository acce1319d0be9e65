"""The point-by-point path of the phase watcher finds exactly what the column path finds.

A live log arrives a few lines at a time and is watched one point at a time (plain floats);
a log read at once is watched a column at a time (numpy). Same points, same events, same state.
"""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from vaetui.core.phase_watch import PhaseWatch

#: Values a schedule really takes (steps, ramps, zeros, decays), plus a few wild ones.
_VALUES = st.one_of(
    st.sampled_from([0.0, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0, 2.0, math.nan, math.inf]),
    st.floats(min_value=0.0, max_value=10.0, allow_nan=False),
    st.floats(allow_nan=True, allow_infinity=True),
)


def _by_points(name: str, values: list[float]) -> tuple[list, PhaseWatch]:
    watch = PhaseWatch()
    events = []
    for i, v in enumerate(values):
        events += watch.note_point(name, float(10 * i), v, i + 1)
    return events, watch


def _by_columns(name: str, values: list[float], cuts: list[int]) -> tuple[list, PhaseWatch]:
    import numpy as np

    watch = PhaseWatch()
    events = []
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    for a, b in itertools.pairwise(bounds):
        steps = np.arange(a, b, dtype=np.float64) * 10
        lines = np.arange(a, b) + 1
        with np.errstate(all="ignore"):  # as the run reads them (a ratio may overflow)
            events += watch.note(name, steps, np.array(values[a:b], dtype=np.float64), lines)
    return events, watch


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["kl_weight", "lr", "lr_adam", "disc_factor", "disc_loss", "g_loss"]),
    values=st.lists(_VALUES, max_size=60),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=4),
)
def test_points_and_columns_agree(name: str, values: list[float], cuts: list[int]) -> None:
    one, w1 = _by_points(name, values)
    many, w2 = _by_columns(name, values, cuts)
    assert one == many
    assert w1.disc_start == w2.disc_start
    assert w1._schedules == w2._schedules
    # Once a signal switched on, its count of zeros is never read again.
    assert _turn_on_state(w1) == _turn_on_state(w2)


def _turn_on_state(watch: PhaseWatch) -> dict[str, tuple[bool, int | None]]:
    return {n: (t.done, None if t.done else t.zeros) for n, t in watch._turn_on.items()}


def test_a_warm_up_ramp_point_by_point() -> None:
    """A kl_weight ramp from zero that levels off is one KL warm-up event, where it ends."""
    ramp = [0.0, 0.0] + [i / 10 for i in range(1, 11)] + [1.0] * 5
    events, _ = _by_points("kl_weight", ramp)
    assert [e.message for e in events] == ["KL warm-up ends: kl_weight reached 1"]
    assert events[0].step == 110.0 and events[0].line == 12
