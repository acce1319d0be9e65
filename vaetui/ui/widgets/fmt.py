"""Small pure helpers the widgets share: numbers, arrows, safe text and series thinning.

Kept apart from the widgets so they can be unit-tested without a running app, and so every
widget formats a number the same way. Nothing here parses a log: it only shapes what a
:class:`~vaetui.core.snapshot.Snapshot` already holds for display.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    import numpy as np

#: Trend word (MetricSummary.trend) to the arrow shown beside a metric.
ARROWS: dict[str, str] = {"rising": "↑", "falling": "↓", "flat": "→"}

#: C0/C1 control characters (ESC included): never sent to the terminal from a log.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """``text`` as a printable string: control characters become ``?``.

    Rich ``Text`` never interprets markup, but a raw ESC byte could still reach the
    terminal (or plotext's ANSI output); this closes that door.
    """
    return _CONTROL.sub("?", str(text)).replace("\n", " ").replace("\t", " ")


def literal(text: object, style: str = "") -> Text:
    """Log-provided text as a Rich ``Text`` that is shown literally, never as markup."""
    return Text(clean(text), style=style, no_wrap=True, overflow="ellipsis")


#: Significant digits of every value on screen: panes, badges and detail views agree.
DIGITS = 3


def fmt_value(x: float | None) -> str:
    """A number in at most 7 characters, to ``DIGITS`` significant digits: ``0.0069``,
    ``511``, ``12345``, ``1.2e-05``, ``nan``, ``—``."""
    if x is None:
        return "—"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    ax = abs(x)
    if ax == 0:
        return "0"
    if ax >= 1e6 or ax < 1e-3:
        return f"{x:.2e}".replace("e-0", "e-").replace("e+0", "e")
    if ax >= 1000:
        return f"{x:.0f}"
    return f"{x:.{DIGITS}g}"


def fit_value(x: float | None, room: int) -> str:
    """``fmt_value(x)``, with fewer significant digits if it does not fit in ``room``."""
    text = fmt_value(x)
    if len(text) <= room or x is None or not math.isfinite(x):
        return text
    for digits in range(DIGITS - 1, 0, -1):
        text = f"{x:.{digits}g}".replace("e-0", "e-").replace("e+0", "e")
        if len(text) <= room:
            return text
    return "…"


def fit_step(step: float, room: int) -> str:
    """A step in ``room`` characters: ``16,000``, else ``16k``."""
    text = fmt_step(step)
    return text if len(text) <= room else fmt_tick(float(step), 1000.0)


def fmt_step(step: float | None) -> str:
    """A step as an integer with thousands separators when it is whole."""
    if step is None:
        return "—"
    return f"{int(step):,}" if float(step).is_integer() else f"{step:,.1f}"


def fmt_age(seconds: float | None) -> str:
    """Time since the last line: ``4s``, ``3m12s``, ``2h05m``."""
    if seconds is None:
        return "—"
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


#: Steps of the status line's age once a run is quiet: (below this age, step), in seconds.
QUIET_AGE_STEPS = ((60, 5), (3600, 60))


def age_step(seconds: float, coarse: bool) -> int:
    """Seconds between two ages the status line shows: 1 while a run is live (``fmt_age``'s
    whole seconds below an hour, minutes above); once it is quiet (``coarse``), 5 s below a
    minute and whole minutes above, so a quiet screen is redrawn a few times a minute at
    most instead of every second."""
    s = max(0, int(seconds))
    if not coarse:
        return 1 if s < 3600 else 60
    return next((step for below, step in QUIET_AGE_STEPS if s < below), 60)


def fmt_shown_age(seconds: float, coarse: bool) -> str:
    """The age on the status line: ``fmt_age`` of the age rounded down to its ``age_step``
    (``35s``, ``3m``, ``2h05m`` once quiet; ``37s``, ``3m12s`` while live)."""
    s = max(0, int(seconds))
    step = age_step(s, coarse)
    s -= s % step
    if coarse and 60 <= s < 3600:
        return f"{s // 60}m"
    return fmt_age(s)


def arrow(trend: str) -> str:
    """The arrow for a trend word; ``·`` when the trend is not known yet."""
    return ARROWS.get(trend, "·")


def finite(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points whose value is finite (NaN and inf cannot be drawn)."""
    import numpy as np  # there is a history to draw: the core has loaded numpy

    ok = np.isfinite(values) & np.isfinite(steps)
    return steps[ok], values[ok]


def nice_ticks(lo: float, hi: float, most: int) -> list[float]:
    """At most ``most`` round values (1, 2 or 5 times a power of ten apart) in ``[lo, hi]``.

    What a person writes on an axis: ``0 5k 10k 15k``, never ``10.0 5007.5``. A range of
    zero width gets the one value.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        return [lo]
    most = max(most, 2)
    raw = (hi - lo) / most
    power = 10 ** math.floor(math.log10(raw))
    gap = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power * most >= hi - lo)
    first = math.ceil(lo / gap - 1e-9) * gap
    ticks = []
    k = 0
    while (value := first + k * gap) <= hi + gap * 1e-9:
        ticks.append(0.0 if abs(value) < gap * 1e-9 else value)
        k += 1
    return ticks


def fmt_tick(x: float, gap: float | None = None) -> str:
    """A step on an axis: ``0``, ``500``, ``1.5k``, ``20k``, ``1.2M``; integers stay integers."""
    ax = abs(x)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if ax >= limit:
            digits = 0 if gap is None else max(0, -math.floor(math.log10(gap / limit) + 1e-9))
            if digits > 2:
                break  # ticks closer than a hundredth of the unit: write them out
            text = f"{x / limit:.{digits}f}".rstrip("0").rstrip(".") if digits else None
            return (text or f"{x / limit:.0f}") + suffix
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:.3g}".replace("e-0", "e-")
