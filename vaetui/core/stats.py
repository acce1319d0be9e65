"""Streaming statistics per metric: history, debiased EMA, trend over a window.

The EMA is the one TensorBoard's smoothing slider draws: ``m <- w*m + (1-w)*y``, reported
as ``m / (1 - w**n)`` so the first values are not pulled toward zero. Non-finite values do
not enter it (a NaN must not poison every later value); they are counted instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Weights below this are treated as zero when summing the EMA's tail.
_NEGLIGIBLE = 1e-12


def alpha_from_halflife(halflife: float) -> float:
    """Weight of each new value for an EMA whose weights halve every ``halflife`` points."""
    return 1.0 - 0.5 ** (1.0 / max(halflife, 1e-9))


def median(values: np.ndarray) -> float:
    """The median of a 1-D array, as ``float(np.median(values))`` gives it (NaN if any value
    is NaN, NaN for an empty array), without the ``numpy.ma`` import ``np.median`` makes on
    its first call (~25 ms the first screen would wait for)."""
    n = values.size
    if n == 0:
        return math.nan
    ordered = np.sort(values)  # NaN sorts last
    if np.isnan(ordered[-1]):
        return float(ordered[-1])
    half = n // 2
    if n % 2:
        return float(ordered[half])
    return float(np.mean(ordered[half - 1 : half + 1]))


def _block_size(w: float, values: np.ndarray) -> int:
    """Values per closed-form EMA block such that ``values * w**-block`` cannot overflow."""
    if w >= 1.0:
        return 8192
    top = max(float(values.max()), -float(values.min())) if values.size else 1.0
    headroom = 250.0 - (math.log10(top) if top > 1.0 else 0.0)
    return int(max(1, min(8192, headroom * math.log(10) / -math.log(w))))


#: ``w**(k-1), ..., w**0`` by (w, k): the weights of an EMA's newest k values.
_TAIL_WEIGHTS: dict[tuple[float, int], np.ndarray] = {}


def _tail_weights(w: float, k: int) -> np.ndarray:
    """``w ** arange(k - 1, -1, -1)`` (read-only; kept for the next call)."""
    weights = _TAIL_WEIGHTS.get((w, k))
    if weights is None:
        if len(_TAIL_WEIGHTS) > 64:
            _TAIL_WEIGHTS.clear()
        with np.errstate(under="ignore"):
            weights = w ** np.arange(k - 1, -1, -1, dtype=np.float64)
        weights.flags.writeable = False
        _TAIL_WEIGHTS[(w, k)] = weights
    return weights


def ema_last(values: np.ndarray, alpha: float) -> float | None:
    """Debiased EMA after the last value; non-finite values are skipped.

    Only the newest values whose weight is above 1e-12 are read, so the cost does not grow
    with the history.
    """
    w = 1.0 - alpha
    if 0.0 < w < 1.0:
        k = int(math.log(_NEGLIGIBLE) / math.log(w)) + 1
        tail = values[-k:]
        if values.size > k and np.isfinite(tail).all():
            # Only the newest k values weigh anything: the rest need not be read.
            n = int(np.count_nonzero(np.isfinite(values)))
            weights = _tail_weights(w, k)
            with np.errstate(over="ignore", invalid="ignore"):
                m = alpha * float(np.dot(weights, tail))
            return m / (1.0 - w**n)
    finite = values[np.isfinite(values)]
    n = finite.size
    if n == 0:
        return None
    if w <= 0.0:
        return float(finite[-1])
    k = min(n, int(math.log(_NEGLIGIBLE) / math.log(w)) + 1)
    tail = finite[-k:]
    weights = _tail_weights(w, k)
    with np.errstate(over="ignore", invalid="ignore"):
        m = alpha * float(np.dot(weights, tail))
    return m / (1.0 - w**n)


#: Powers of the EMA's decay ``w``, by (w, sign): ``w**-k`` (sign -1) and ``w**(k+1)``
#: (sign +1) for k = 0, 1, ... A live run asks for the same few decays many times a second.
_POWERS: dict[tuple[float, int], np.ndarray] = {}


def _powers(w: float, n: int, sign: int) -> np.ndarray:
    """``w**-k`` (``sign`` -1) or ``w**(k+1)`` (+1) for k < ``n``; read-only, kept."""
    have = _POWERS.get((w, sign))
    if have is None or have.size < n:
        if len(_POWERS) > 16:
            _POWERS.clear()
        k = np.arange(max(n, 4096), dtype=np.float64)
        with np.errstate(over="ignore", under="ignore"):
            have = w**-k if sign < 0 else w ** (k + 1)
        have.flags.writeable = False
        _POWERS[(w, sign)] = have
    return have[:n]


def ema_series(values: np.ndarray, alpha: float) -> np.ndarray:
    """Debiased EMA at every point (the value carried forward over non-finite points)."""
    mask = np.isfinite(values)
    every = bool(mask.all())
    finite = np.asarray(values, dtype=np.float64) if every else values[mask].astype(np.float64)
    n = finite.size
    if n == 0:
        return np.full(values.shape, np.nan, dtype=np.float64)
    w = 1.0 - alpha
    smoothed = np.empty(n, dtype=np.float64)
    if w <= 0.0:
        smoothed[:] = finite
    else:
        block = _block_size(w, finite)
        m = 0.0
        for start in range(0, n, block):
            y = finite[start : start + block]
            grow, decay = _powers(w, y.size, -1), _powers(w, y.size, 1)
            acc = np.cumsum(y * grow)
            smoothed[start : start + y.size] = decay * m + alpha * acc / grow
            m = smoothed[start + y.size - 1]
        smoothed /= 1.0 - _powers(w, n, 1)
    if every:
        return smoothed
    out = np.full(values.shape, np.nan, dtype=np.float64)
    out[mask] = smoothed
    # carry the last finite EMA forward across NaN points
    idx = np.where(mask, np.arange(values.size), -1)
    np.maximum.accumulate(idx, out=idx)
    filled = np.where(idx >= 0, out[np.maximum(idx, 0)], np.nan)
    return filled


def ema_before(
    values: np.ndarray, alpha: float, start: float | None, finite: np.ndarray | None = None
) -> tuple[np.ndarray, float | None]:
    """Running EMA (not debiased, NaN skipped) just *before* each value, and after the last.

    ``start`` is the EMA before the first value (None: the first finite value starts it).
    Entries for non-finite values, and for the value that starts the EMA, are NaN. With no
    finite value the EMA after is ``start`` itself (None stays None: still not started).
    ``finite`` is ``np.isfinite(values)`` when the caller has it already.
    """
    if finite is None:
        finite = np.isfinite(values)
    if finite.all():
        return _ema_before_finite(np.asarray(values, dtype=np.float64), alpha, start)
    out = np.full(values.shape, np.nan, dtype=np.float64)
    idx = np.flatnonzero(finite)
    if idx.size == 0:
        return out, start
    y = values[idx].astype(np.float64)
    if start is None:
        start, y, idx = float(y[0]), y[1:], idx[1:]
    after, m = _ema_after(y, alpha, start)
    if idx.size:
        out[idx[0]] = start
        out[idx[1:]] = after[:-1]
    return out, m


def _ema_before_finite(
    y: np.ndarray, alpha: float, start: float | None
) -> tuple[np.ndarray, float | None]:
    """``ema_before`` of values that are all finite: no masks, no gathers."""
    out = np.empty(y.size, dtype=np.float64)
    if y.size == 0:
        return out, start
    first = 0
    if start is None:
        start, first = float(y[0]), 1
        out[0] = math.nan
    after, m = _ema_after(y[first:], alpha, start)
    if first < y.size:
        out[first] = start
        out[first + 1 :] = after[:-1]
    return out, m


def _ema_after(y: np.ndarray, alpha: float, start: float) -> tuple[np.ndarray, float]:
    """The running EMA after each of the finite values ``y``, starting from ``start``; and
    after the last. In closed-form blocks (the decay's powers are computed once and kept)."""
    w = 1.0 - alpha
    after = np.empty(y.size, dtype=np.float64)
    if w <= 0.0:
        after[:] = y
        return after, float(y[-1]) if y.size else start
    block = _block_size(w, y)
    m = start
    for a in range(0, y.size, block):
        seg = y[a : a + block]
        grow, decay = _powers(w, seg.size, -1), _powers(w, seg.size, 1)
        # w**(k+1) * m + alpha * cumsum(seg * w**-k) / w**-k, evaluated in that order
        acc = np.multiply(seg, grow)
        np.cumsum(acc, out=acc)
        acc *= alpha
        acc /= grow
        dst = after[a : a + seg.size]
        np.multiply(decay, m, out=dst)
        dst += acc
        m = float(dst[-1])
    return after, m


def relative_change(values: np.ndarray) -> float | None:
    """Change of the mean from the first to the second half of ``values``, relative.

    ``-0.10`` means the newer half is 10% below the older half. None when there are fewer
    than four finite values, or when the older half averages zero and the newer not.
    """
    finite = values[np.isfinite(values)]
    if finite.size < 4:
        return None
    half = finite.size // 2
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308 overflow means
        old = float(np.mean(finite[-2 * half : -half]))
        new = float(np.mean(finite[-half:]))
    if old == 0.0:
        return 0.0 if new == 0.0 else None
    change = (new - old) / abs(old)
    return change if math.isfinite(change) else None


def trend_word(change: float | None, flat: float) -> str:
    """``rising``, ``falling`` or ``flat`` for a relative change; ``unknown`` for None."""
    if change is None:
        return "unknown"
    if change > flat:
        return "rising"
    if change < -flat:
        return "falling"
    return "flat"


class Growable:
    """An append-only float64 column, readable as a numpy view without copying.

    The buffer doubles when full; a view handed out earlier keeps pointing at the old
    buffer, so readers on other threads never see it change under them.
    """

    __slots__ = ("_buf", "_n", "tight")

    def __init__(self, capacity: int = 256, dtype: type = np.float64) -> None:
        self._buf: np.ndarray = np.empty(capacity, dtype=dtype)
        self._n = 0
        #: Grow by an eighth instead of doubling (a run kept compact, see ``compact``).
        self.tight = False

    def append(self, value: float) -> None:
        if self._n == self._buf.size:
            self._grow(self._n + 1)
        self._buf[self._n] = value
        self._n += 1

    def extend(self, values: np.ndarray) -> None:
        need = self._n + values.size
        if need > self._buf.size:
            self._grow(need)
        self._buf[self._n : need] = values
        self._n = need

    def fill(self, value: float, count: int) -> None:
        """Append ``value`` ``count`` times."""
        need = self._n + count
        if need > self._buf.size:
            self._grow(need)
        self._buf[self._n : need] = value
        self._n = need

    def set_last(self, value: float) -> None:
        self._buf[self._n - 1] = value

    def _grow(self, need: int) -> None:
        size = self._buf.size
        more = size // 8 + 64 if self.tight else size
        new = np.empty(max(need, size + more), dtype=self._buf.dtype)
        new[: self._n] = self._buf[: self._n]
        self._buf = new

    def compact(self) -> None:
        """Give back the room not in use (the values stay exactly as they are); from now
        on grow a little at a time."""
        self.tight = True
        if self._buf.size > self._n:
            self._buf = self._buf[: self._n].copy()

    def __len__(self) -> int:
        return self._n

    def last(self) -> float:
        return float(self._buf[self._n - 1])

    def view(self) -> np.ndarray:
        """The column as a numpy array sharing memory with the buffer."""
        return self._buf[: self._n]


#: A metric keeps at most this many points; older ones are thinned (the min and max of
#: each bucket), so a months-long run stays within a fixed memory budget and spikes stay visible.
#: 8k points of 20 bytes is 160 KB a metric: a day-long tail needs no more than its first
#: minutes (a plot is a few hundred columns wide; the criteria read at most 500 points).
MAX_POINTS = 1 << 13
#: The newest points are never thinned (they feed the EMA, the trend and the sparklines).
KEEP_RECENT = 1 << 11
#: Segment numbers are small integers: float32 holds them exactly, in half the bytes.
SEGMENT_DTYPE = np.float32


@dataclass
class MetricHistory:
    """The points of one metric (step, value, segment number) and counts per segment."""

    steps: Growable
    values: Growable
    segments: Growable
    #: Index of the first point of the newest segment.
    segment_start: int = 0
    #: Points and non-finite points logged in the newest segment (thinning keeps these).
    seg_count: int = 0
    seg_nan: int = 0
    #: Running EMA for spike detection (not debiased; None until the first finite value).
    spike_ema: float | None = None
    #: Bumped by every write, so a summary computed earlier can tell it is still current.
    writes: int = 0
    #: Kept compact (a run not on screen): no spare room, so it costs what its points cost.
    compact: bool = False

    @classmethod
    def empty(cls) -> MetricHistory:
        return cls(Growable(), Growable(), Growable(dtype=SEGMENT_DTYPE))

    def version(self) -> tuple[int, int, int]:
        """Changes whenever a point is added, changed or the segment starts over."""
        return (self.writes, self.segment_start, len(self))

    def __len__(self) -> int:
        return len(self.values)

    def set_compact(self, compact: bool) -> None:
        """Keep the points without spare room (``compact``) or with room to grow. The
        points themselves never change, so neither does anything computed from them."""
        self.compact = compact
        for column in (self.steps, self.values, self.segments):
            if compact:
                column.compact()
            else:
                column.tight = False

    def new_segment(self) -> None:
        self.segment_start = len(self)
        self.seg_count = 0
        self.seg_nan = 0
        self.spike_ema = None

    def thin_if_full(self, limit: int = MAX_POINTS) -> None:
        """Halve the older points once the history passes ``limit`` (``MAX_POINTS`` at most;
        less when many metrics share the total budget, see ``vaetui.core.recorder``)."""
        n = len(self)
        if n <= limit:
            return
        bucket, cut = _thin_plan(n, limit)
        steps, values, segs = self.steps.view(), self.values.view(), self.segments.view()
        keep = np.ones(n, dtype=bool)
        keep[:cut] = _bucket_keep(values[:cut], segs[:cut], bucket)
        self._replace(
            _growable(steps[keep], limit),
            _growable(values[keep], limit),
            _growable(segs[keep], limit, SEGMENT_DTYPE),
            segs[-1],
        )

    def add_column(
        self, steps: np.ndarray, values: np.ndarray, segment: int, limit: int = MAX_POINTS
    ) -> tuple[np.ndarray, np.ndarray]:
        """Append points of segment ``segment`` (segment numbers never decrease), then thin
        as ``thin_if_full(limit)`` would: the same points are kept, but a column that overfills
        the history is thinned on its way in instead of being appended first.

        Returns the column as one contiguous float64 array (to read only: it may share memory
        with the history) and which of its values are finite, so the caller's further passes
        need not copy it again.
        """
        n_old, n = len(self), len(self) + values.size
        if n <= limit:
            self.steps.extend(steps)
            self.values.extend(values)
            self.segments.fill(segment, values.size)
            column = self.values.view()[n_old:]
            return column, np.isfinite(column)
        bucket, cut = _thin_plan(n, limit)
        vals = np.concatenate((self.values.view(), values), dtype=np.float64)
        finite = np.isfinite(vals)
        old_segs = self.segments.view()
        # Segment numbers only matter where a bucket spans two segments; they never decrease,
        # so the oldest point tells whether the history holds an earlier segment.
        segs = None
        if n_old and old_segs[0] != segment:
            segs = np.concatenate((old_segs, _segment_fill(values.size, segment)))
        kept = np.flatnonzero(
            _bucket_keep(vals[:cut], None if segs is None else segs[:cut], bucket, finite[:cut])
        )
        size = kept.size + n - cut
        new_steps = _joined(self.steps.view(), steps, kept, cut, size, limit)
        new_values = _joined(vals, vals[:0], kept, cut, size, limit)
        if segs is None:
            new_segs = Growable(max(size, limit) + limit // 2, SEGMENT_DTYPE)
            new_segs.fill(segment, size)
        else:
            new_segs = _joined(segs, segs[:0], kept, cut, size, limit, SEGMENT_DTYPE)
        current = np.float32(segment) if values.size else old_segs[n_old - 1]
        self._replace(new_steps, new_values, new_segs, current)
        return vals[n_old:], finite[n_old:]

    def _replace(self, steps: Growable, values: Growable, segs: Growable, current: float) -> None:
        """The thinned points become the history; ``current`` is the newest segment's number."""
        self.steps, self.values, self.segments = steps, values, segs
        if self.compact:
            self.set_compact(True)
        self.segment_start = int(np.searchsorted(self.segments.view(), current, side="left"))


def _joined(
    old: np.ndarray,
    new: np.ndarray,
    kept: np.ndarray,
    cut: int,
    size: int,
    limit: int,
    dtype: type = np.float64,
) -> Growable:
    """``_growable`` of ``concatenate((old, new))`` at the sorted positions ``kept`` (all
    before ``cut``) and from ``cut`` on, without building the concatenation."""
    g = Growable(max(size, limit) + limit // 2, dtype)
    split = int(np.searchsorted(kept, old.size))
    g.extend(old[kept[:split]])
    g.extend(new[kept[split:] - old.size])
    if cut < old.size:
        g.extend(old[cut:])
        g.extend(new)
    else:
        g.extend(new[cut - old.size :])
    return g


def _thin_plan(n: int, limit: int) -> tuple[int, int]:
    """Bucket size and how many of the oldest points are thinned, for ``n`` points over
    ``limit``: buckets big enough that the history drops to about half the limit, so thinning
    happens once per limit / 2 new points, not on every append."""
    recent = min(KEEP_RECENT, limit // 4)
    older_target = max((limit // 2 - recent) // 2, 1)
    bucket = max(4, 2 * -(-(n - recent) // (2 * older_target)))
    return bucket, (n - recent) // bucket * bucket


def _segment_fill(size: int, segment: float) -> np.ndarray:
    return np.full(size, segment, dtype=SEGMENT_DTYPE)


def minmax_thin(
    steps: np.ndarray, values: np.ndarray, buckets: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``2 * buckets`` points: each bucket's min and max, in step order.

    For plots and sparklines: averaging would hide the one spike that matters.
    """
    n = values.size
    if buckets < 1 or n <= 2 * buckets:
        return steps, values
    size = -(-n // buckets)
    full = n // size * size
    keep = np.ones(n, dtype=bool)
    keep[:full] = _bucket_keep(values[:full], None, size)
    return steps[keep], values[keep]


def _bucket_keep(
    values: np.ndarray, segs: np.ndarray | None, bucket: int, finite: np.ndarray | None = None
) -> np.ndarray:
    """Keep the min and max of each bucket; a bucket that spans segments is kept whole.

    ``finite`` is ``np.isfinite(values)`` when the caller has it already.
    """
    v = values.reshape(-1, bucket)
    # A non-finite point counts as +inf: it wins the "max" slot, so NaN stays visible.
    ok = np.isfinite(v) if finite is None else finite.reshape(-1, bucket)
    filled = v if ok.all() else np.where(ok, v, np.inf)
    starts = np.arange(0, values.size, bucket)
    keep = np.zeros(values.size, dtype=bool)
    keep[starts + np.argmin(filled, axis=1)] = True
    keep[starts + np.argmax(filled, axis=1)] = True
    if segs is not None:
        mixed = segs.reshape(-1, bucket)
        keep.reshape(-1, bucket)[mixed[:, 0] != mixed[:, -1]] = True
    return keep


def _growable(values: np.ndarray, limit: int = MAX_POINTS, dtype: type = np.float64) -> Growable:
    # Room to reach the limit again without a doubling: the history's memory stays fixed.
    g = Growable(max(values.size, limit) + limit // 2, dtype)
    g.extend(values)
    return g


@dataclass(frozen=True)
class Trend:
    """A fitted trend over a window: the relative change across it and its standard error.

    ``change`` is the least-squares line's rise from the window's first to its last step,
    relative to the window's mean level (``-0.10``: fell 10% across the window); ``se`` is its
    standard error, widened where neighbouring residuals are significantly correlated, so a trend is
    significant only when it stands out of the metric's own noise.
    """

    change: float
    se: float
    points: int

    def significant(self, t_crit: float) -> bool:
        """True when the change is more than ``t_crit`` standard errors from zero."""
        return abs(self.change) > t_crit * self.se


def trend_fit(steps: np.ndarray, values: np.ndarray) -> Trend | None:
    """Least-squares trend of ``values`` over ``steps`` (non-finite points skipped).

    None with fewer than four finite points, a window of one step, or a mean level of zero.
    """
    ok = np.isfinite(values) & np.isfinite(steps)
    y, x = values[ok].astype(np.float64), steps[ok].astype(np.float64)
    n = y.size
    if n < 4:
        return None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        level = abs(float(np.mean(y)))
        dx = x - x.mean()
        sxx = float(np.dot(dx, dx))
        if sxx <= 0.0 or level == 0.0 or not math.isfinite(level):
            return None
        slope = float(np.dot(dx, y - y.mean())) / sxx
        resid = y - y.mean() - slope * dx
        s2 = float(np.dot(resid, resid)) / (n - 2)
        r1 = 0.0
        if n > 4 and s2 > 0:
            r1 = float(np.dot(resid[1:], resid[:-1])) / (s2 * (n - 2))
            if r1 < 2.0 / math.sqrt(n):  # no significant correlation: the plain error stands
                r1 = 0.0
        inflate = math.sqrt((1 + min(max(r1, 0.0), 0.9)) / (1 - min(max(r1, 0.0), 0.9)))
        span = float(x[-1] - x[0])
        change = slope * span / level
        se = math.sqrt(s2 / sxx) * span / level * inflate
    if not (math.isfinite(change) and math.isfinite(se)):
        return None
    return Trend(change, se, n)
