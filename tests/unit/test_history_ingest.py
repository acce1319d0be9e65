"""A column stored at once keeps exactly the points, EMA and events of the slower ways.

``MetricHistory.add_column`` thins a column that overfills the history on its way in; it must
keep the very points that appending it and then ``thin_if_full`` keep. ``ema_before`` has a
path for columns whose values are all finite; it must agree with the masked path and with
the plain recurrence.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vaetui.core.profile import Profile
from vaetui.core.recorder import Recorder
from vaetui.core.stats import SEGMENT_DTYPE, MetricHistory, _bucket_keep, ema_before

#: Values with ties (few distinct levels), zeros of both signs, spikes and non-finite ones.
_LEVELS = [0.0, -0.0, 0.25, 0.5, 1.0, 3.0, 1e6, -2.0, math.nan, math.inf, -math.inf]


def _column(rng: np.random.Generator, size: int, kind: str) -> np.ndarray:
    if kind == "levels":
        return rng.choice(np.array(_LEVELS), size)
    values = rng.normal(1.0, 0.3, size)
    if kind == "nan":
        values[rng.random(size) < 0.05] = math.nan
    return values


def _history(rng: np.random.Generator, size: int, segments: int, limit: int) -> MetricHistory:
    """A history of ``size`` points over ``segments`` segments, thinned as the recorder would."""
    h = MetricHistory.empty()
    bounds = np.sort(rng.integers(0, size + 1, segments - 1))
    start = 0
    for seg, end in enumerate([*bounds.tolist(), size]):
        if seg:
            h.new_segment()
        for i in range(start, end):
            h.steps.append(float(i))
            h.values.append(float(rng.normal()))
            h.segments.append(seg)
            h.thin_if_full(limit)
        start = end
    return h


def _appended_then_thinned(
    h: MetricHistory, steps: np.ndarray, values: np.ndarray, segment: int, limit: int
) -> MetricHistory:
    """The slow way: extend the three columns, then thin once (what ingest used to do)."""
    h.steps.extend(steps)
    h.values.extend(values)
    h.segments.extend(np.full(steps.size, segment, dtype=SEGMENT_DTYPE))
    h.thin_if_full(limit)
    return h


def _copy(h: MetricHistory) -> MetricHistory:
    c = MetricHistory.empty()
    c.steps.extend(h.steps.view().copy())
    c.values.extend(h.values.view().copy())
    c.segments.extend(h.segments.view().copy())
    c.segment_start = h.segment_start
    return c


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    old=st.integers(0, 1500),
    new=st.sampled_from([0, 1, 7, 100, 511, 900, 2000, 5000, 40_000]),
    segments=st.integers(1, 3),
    restart=st.booleans(),
    limit=st.sampled_from([512, 700, 1024, 2048]),
    kind=st.sampled_from(["normal", "nan", "levels"]),
    compact=st.booleans(),
)
def test_a_column_keeps_the_points_appending_and_thinning_keep(
    seed: int,
    old: int,
    new: int,
    segments: int,
    restart: bool,
    limit: int,
    kind: str,
    compact: bool,
) -> None:
    rng = np.random.default_rng(seed)
    fast = _history(rng, old, segments, limit)
    if restart:  # the column opens a newer segment than the history's points
        fast.new_segment()
    fast.set_compact(compact)
    slow = _copy(fast)
    segment = segments - 1 + int(restart)
    steps = np.arange(old, old + new, dtype=np.float64)
    # Column slices of a row-major table are strided, as a parser hands them over.
    table = np.stack([_column(rng, new, kind), np.zeros(new)], axis=1)
    values = table[:, 0]
    column, finite = fast.add_column(steps, values, segment, limit)
    _appended_then_thinned(slow, steps, values, segment, limit)
    for a, b in ((fast.steps, slow.steps), (fast.values, slow.values)):
        assert a.view().tobytes() == b.view().tobytes()
    assert np.array_equal(fast.segments.view(), slow.segments.view())
    assert fast.segments.view().dtype == SEGMENT_DTYPE
    assert fast.segment_start == slow.segment_start
    assert column.flags.c_contiguous and column.tobytes() == values.tobytes()
    assert np.array_equal(finite, np.isfinite(values))


def test_a_column_far_larger_than_the_limit_is_thinned_once_to_about_half() -> None:
    rng = np.random.default_rng(3)
    h = MetricHistory.empty()
    values = rng.normal(size=1_000_000)
    values[123_457] = 1e9  # a spike deep in the thinned part stays visible
    values[654_321] = math.nan
    h.add_column(np.arange(values.size, dtype=np.float64), values, 0, 8192)
    assert len(h) < 8192
    assert 1e9 in h.values.view()
    assert np.isnan(h.values.view()).sum() == 1
    assert h.steps.view()[-1] == values.size - 1  # the newest points are all kept


def test_bucket_keep_with_the_finite_mask_given_keeps_the_same_points() -> None:
    rng = np.random.default_rng(5)
    for kind in ("normal", "nan", "levels"):
        values = _column(rng, 28 * 40, kind)
        segs = np.repeat(np.arange(4, dtype=SEGMENT_DTYPE), 280)
        for s in (None, segs):
            want = _bucket_keep(values, s, 28)
            assert np.array_equal(_bucket_keep(values, s, 28, np.isfinite(values)), want)


def _recurrence(values: list[float], alpha: float, start: float | None) -> list[float]:
    """The EMA before each value, one value at a time (NaN where ``ema_before`` has NaN)."""
    out, m = [], start
    for v in values:
        if not math.isfinite(v):
            out.append(math.nan)
            continue
        out.append(math.nan if m is None else m)
        m = v if m is None else (1 - alpha) * m + alpha * v
    return out


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(-1e3, 1e3),
            st.sampled_from([math.nan, math.inf, 0.0, 1e200]),
        ),
        max_size=300,
    ),
    alpha=st.sampled_from([1.0, 0.5, 0.1, 0.01, 1e-4, 0.0]),
    start=st.one_of(st.none(), st.floats(-10, 10)),
)
def test_ema_before_follows_the_recurrence(
    values: list[float], alpha: float, start: float | None
) -> None:
    arr = np.array(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        prior, after = ema_before(arr, alpha, start)
        given_mask, after2 = ema_before(arr, alpha, start, np.isfinite(arr))
    assert prior.tobytes() == given_mask.tobytes()
    assert after == after2 or (math.isnan(after) and math.isnan(after2))
    want = _recurrence(values, alpha, start)
    assert np.allclose(prior, want, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_ema_before_is_the_same_with_or_without_non_finite_points() -> None:
    """The all-finite path and the masked path agree to the last bit on the same points."""
    rng = np.random.default_rng(7)
    values = rng.normal(5.0, 1.0, 30_000)
    holes = np.insert(values, [0, 100, 100, 29_999], [math.nan, math.inf, math.nan, -math.inf])
    for start in (None, 4.5):
        plain, m1 = ema_before(values, 0.1, start)
        masked, m2 = ema_before(holes, 0.1, start)
        assert m1 == m2
        kept = np.isfinite(holes)
        assert masked[kept].tobytes() == plain.tobytes()
        assert np.isnan(masked[~kept]).all()


def test_recorder_columns_and_points_give_the_same_history_and_spikes() -> None:
    """Record by record and a column at a time, over a restart, with spikes and a NaN."""
    rng = np.random.default_rng(11)
    loss = rng.normal(1.0, 0.05, 30_000)
    loss[[50, 9_000, 25_000]] = 40.0
    loss[12_345] = math.nan
    steps = np.arange(loss.size, dtype=np.float64) * 10
    lines = np.arange(loss.size) + 1
    by_points, by_columns = Recorder(Profile()), Recorder(Profile())
    with np.errstate(all="ignore"):
        for i in range(loss.size):
            by_points.add_point("total_loss", float(steps[i]), float(loss[i]), False, int(i + 1))
        for a, b in ((0, 20_000), (20_000, 20_001), (20_001, 30_000)):
            table = np.stack([loss[a:b], np.zeros(b - a)], axis=1)
            by_columns.add_columns([(0, "total_loss")], steps[a:b], table, lines[a:b])
    p, c = by_points.histories["total_loss"], by_columns.histories["total_loss"]
    assert c.seg_count == p.seg_count and c.seg_nan == p.seg_nan == 1
    assert [s[0] for s in by_columns.spikes] == [s[0] for s in by_points.spikes]
    assert len(by_columns.spikes) == 3
    assert [e.kind for e in by_columns.events] == [e.kind for e in by_points.events]
    assert c.spike_ema is not None and p.spike_ema is not None
    assert math.isclose(c.spike_ema, p.spike_ema, rel_tol=1e-12)


def test_a_first_column_of_only_nan_leaves_the_spike_ema_unstarted() -> None:
    """A loss whose first rows are all NaN: the spike EMA starts at its first number, as it
    does point by point, and later spikes are still found (a NaN EMA would hide them all)."""
    loss = np.concatenate([[math.nan, math.nan], np.ones(200), [50.0], np.ones(20)])
    steps = np.arange(loss.size, dtype=np.float64)
    lines = np.arange(loss.size) + 1
    by_points, by_columns = Recorder(Profile()), Recorder(Profile())
    with np.errstate(all="ignore"):
        for i in range(loss.size):
            by_points.add_point("total_loss", float(steps[i]), float(loss[i]), False, int(i + 1))
        for a, b in ((0, 2), (2, loss.size)):
            table = np.stack([loss[a:b], np.zeros(b - a)], axis=1)
            by_columns.add_columns([(0, "total_loss")], steps[a:b], table, lines[a:b])
    assert [s[0] for s in by_points.spikes] == [202.0]
    assert [s[0] for s in by_columns.spikes] == [202.0]
    assert (
        by_columns.histories["total_loss"].spike_ema == by_points.histories["total_loss"].spike_ema
    )
