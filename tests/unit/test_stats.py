"""Statistics against references written here as plain Python loops.

The reference EMA is the formula TensorBoard's smoothing uses, step by step:
``m <- w*m + (1-w)*y`` over finite values only, reported as ``m / (1 - w**n)`` where ``n``
counts the finite values so far.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from vaetui.core.stats import (
    Growable,
    alpha_from_halflife,
    ema_last,
    ema_series,
    median,
    relative_change,
    trend_word,
)

ALPHAS = [1e-4, 0.001, 0.01, 0.1, 0.3, 0.5, 0.9, 1.0]


def reference_ema(values: list[float], alpha: float) -> list[float]:
    """Debiased EMA after every point; NaN until the first finite value, then carried."""
    w = 1.0 - alpha
    m, n = 0.0, 0
    out: list[float] = []
    for y in values:
        if math.isfinite(y):
            m = w * m + (1.0 - w) * y
            n += 1
        out.append(m / (1.0 - w**n) if n else math.nan)
    return out


def random_series(rng: random.Random, n: int, nan_share: float) -> list[float]:
    level = rng.uniform(-5, 5)
    values = []
    for _ in range(n):
        level += rng.gauss(0, 0.1)
        r = rng.random()
        if r < nan_share:
            values.append(rng.choice([math.nan, math.inf, -math.inf]))
        else:
            values.append(level + rng.gauss(0, 1.0) * rng.choice([1e-3, 1.0, 100.0]))
    return values


def close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-9 * max(scale, 1e-300) + 1e-12 * abs(b)


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("seed", range(4))
def test_ema_last_matches_reference(alpha: float, seed: int) -> None:
    rng = random.Random(seed * 100 + int(alpha * 1e4))
    n = rng.choice([1, 2, 3, 17, 500, 3000])
    values = random_series(rng, n, nan_share=rng.choice([0.0, 0.05, 0.5]))
    arr = np.array(values)
    want = reference_ema(values, alpha)[-1]
    got = ema_last(arr, alpha)
    finite = [abs(v) for v in values if math.isfinite(v)]
    if not finite:
        assert got is None
        return
    assert got is not None
    assert close(got, want, max(finite)), (got, want)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_ema_series_matches_reference(alpha: float) -> None:
    rng = random.Random(int(alpha * 1e6) + 7)
    values = [math.nan, math.nan, *random_series(rng, 2000, nan_share=0.1)]
    got = ema_series(np.array(values), alpha)
    want = reference_ema(values, alpha)
    scale = max(abs(v) for v in values if math.isfinite(v))
    assert got.shape == (len(values),)
    for i, (g, r) in enumerate(zip(got, want)):
        if math.isnan(r):
            assert math.isnan(g), i
        else:
            assert close(float(g), r, scale), (i, g, r)


@pytest.mark.parametrize("alpha", [1e-4, 0.01, 0.2])
def test_long_series(alpha: float) -> None:
    """10^5 points: the vectorised blocks must not drift from the loop."""
    rng = random.Random(1234)
    values = [
        math.nan if rng.random() < 0.01 else 500.0 + 50.0 * math.sin(i / 300) + rng.gauss(0, 5)
        for i in range(100_000)
    ]
    arr = np.array(values)
    want = reference_ema(values, alpha)
    series = ema_series(arr, alpha)
    assert np.isfinite(series).all()
    worst = max(abs(float(g) - r) / abs(r) for g, r in zip(series, want))
    assert worst < 1e-9
    assert math.isclose(ema_last(arr, alpha), want[-1], rel_tol=1e-9)


def test_ema_edge_cases() -> None:
    assert ema_last(np.array([]), 0.1) is None
    assert ema_last(np.array([math.nan, math.inf]), 0.1) is None
    # debiased: the first value is reported as itself, not pulled toward 0
    assert ema_last(np.array([509.0]), 0.01) == pytest.approx(509.0)
    assert ema_last(np.array([math.nan, 7.0, math.nan]), 0.5) == pytest.approx(7.0)
    # a constant series has the constant as EMA, whatever alpha
    for alpha in ALPHAS:
        assert ema_last(np.full(1000, 0.0069), alpha) == pytest.approx(0.0069, rel=1e-12)
        assert np.allclose(ema_series(np.full(50, 3.0), alpha), 3.0)
    # alpha 1: no smoothing at all
    assert ema_last(np.array([1.0, 2.0, 9.0]), 1.0) == 9.0
    assert list(ema_series(np.array([1.0, math.nan, 9.0]), 1.0)) == [1.0, 1.0, 9.0]
    # NaN is skipped, not propagated
    assert math.isfinite(ema_last(np.array([1.0, math.nan, 2.0, math.inf, 3.0]), 0.3))
    assert np.isnan(ema_series(np.array([math.nan, math.nan]), 0.3)).all()


def test_ema_reads_float32_input() -> None:
    values = np.array([0.1, 0.2, 0.3, np.nan, 0.4], dtype=np.float32)
    want = reference_ema([float(v) for v in values], 0.25)
    assert ema_last(values, 0.25) == pytest.approx(want[-1], rel=1e-6)
    assert np.allclose(ema_series(values, 0.25), want, rtol=1e-6)


@pytest.mark.parametrize("halflife", [1.0, 2.0, 10.0, 123.5, 10_000.0])
def test_alpha_from_halflife(halflife: float) -> None:
    alpha = alpha_from_halflife(halflife)
    assert 0.0 < alpha <= 1.0
    assert (1.0 - alpha) ** halflife == pytest.approx(0.5, rel=1e-9)
    # after one half-life of ones, a (not debiased) EMA started at 0 is half-way to 1
    if halflife <= 200 and halflife == round(halflife):
        m = 0.0
        for _ in range(round(halflife)):
            m = (1.0 - alpha) * m + alpha * 1.0
        assert m == pytest.approx(0.5, rel=1e-9)


def test_alpha_from_halflife_is_monotonic() -> None:
    alphas = [alpha_from_halflife(h) for h in (0.5, 1, 2, 5, 50, 500)]
    assert alphas == sorted(alphas, reverse=True)
    assert alpha_from_halflife(1.0) == pytest.approx(0.5)


def reference_relative_change(values: list[float]) -> float | None:
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 4:
        return None
    half = len(finite) // 2
    older = finite[len(finite) - 2 * half : len(finite) - half]
    newer = finite[len(finite) - half :]
    old, new = sum(older) / half, sum(newer) / half
    if old == 0:
        return 0.0 if new == 0 else None
    return (new - old) / abs(old)


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ([1, 1, 2, 2], 1.0),
        ([4, 4, 2, 2], -0.5),
        ([100, 1, 1, 2, 2], 1.0),  # odd length: the oldest point is left out
        ([5, 5, 5, 5, 5, 5], 0.0),
        ([-2, -2, -1, -1], 0.5),  # relative to |old|: a negative loss rising
        ([0, 0, 0, 0], 0.0),
        ([0, 0, 1, 1], None),
        ([1, 2, 3], None),
        ([1, math.nan, 1, math.inf, 2, 2], 1.0),
        ([math.nan] * 10, None),
    ],
)
def test_relative_change_examples(values: list[float], want: float | None) -> None:
    got = relative_change(np.array(values, dtype=float))
    if want is None:
        assert got is None
    else:
        assert got == pytest.approx(want)
    assert reference_relative_change([float(v) for v in values]) == (
        None if want is None else pytest.approx(want)
    )


@pytest.mark.parametrize("seed", range(20))
def test_relative_change_matches_reference(seed: int) -> None:
    rng = random.Random(seed)
    values = random_series(rng, rng.randint(0, 300), nan_share=0.1)
    got = relative_change(np.array(values))
    want = reference_relative_change(values)
    if want is None:
        assert got is None
    else:
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("change", "word"),
    [
        (None, "unknown"),
        (0.0, "flat"),
        (0.05, "flat"),
        (-0.05, "flat"),
        (0.0501, "rising"),
        (-0.0501, "falling"),
        (0.3, "rising"),
        (-0.9, "falling"),
    ],
)
def test_trend_word(change: float | None, word: str) -> None:
    assert trend_word(change, 0.05) == word


def test_growable_views_survive_appends() -> None:
    g = Growable(capacity=4)
    assert len(g) == 0
    assert g.view().size == 0
    for i in range(3):
        g.append(float(i))
    early = g.view()
    early_copy = early.copy()
    for i in range(3, 1000):  # forces several reallocations
        g.append(float(i))
    assert np.array_equal(early, early_copy)  # the old view still reads the old values
    assert len(g) == 1000
    assert g.last() == 999.0
    assert np.array_equal(g.view(), np.arange(1000, dtype=float))

    mid = g.view()
    g.extend(np.arange(1000, 5000, dtype=float))
    assert np.array_equal(mid, np.arange(1000, dtype=float))
    assert np.array_equal(g.view(), np.arange(5000, dtype=float))

    g.set_last(-1.0)
    assert g.last() == -1.0
    assert g.view()[-1] == -1.0
    assert len(g) == 5000
    assert g.view().dtype == np.float64


def test_growable_view_shares_memory_until_growth() -> None:
    g = Growable(capacity=16)
    g.extend(np.ones(8))
    v = g.view()
    assert np.shares_memory(v, g.view())
    g.append(2.0)  # still fits: the old view keeps its length and its values
    assert v.size == 8
    assert np.array_equal(v, np.ones(8))
    g.extend(np.zeros(100))  # grows
    assert not np.shares_memory(v, g.view())
    assert np.array_equal(v, np.ones(8))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 10, 201])
def test_median_is_numpys_median(size: int, dtype: type) -> None:
    rnd = np.random.default_rng(size)
    for values in (
        (rnd.standard_normal(size) * 1e3).astype(dtype),
        np.full(size, 3, dtype=dtype),
        np.arange(size, dtype=dtype)[::-1].copy(),
    ):
        assert median(values) == float(np.median(values))
        assert type(median(values)) is float


def test_median_of_values_with_nan_or_none_is_nan() -> None:
    assert math.isnan(median(np.array([1.0, math.nan, 2.0])))
    assert math.isnan(median(np.array([math.inf, -math.inf, math.nan])))
    assert math.isnan(median(np.array([], dtype=np.float64)))
    assert median(np.array([math.inf, 1.0, -math.inf])) == 1.0
