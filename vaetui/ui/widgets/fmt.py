"""Small pure helpers the widgets share: numbers, arrows, safe text and series thinning.

Kept apart from the widgets so they can be unit-tested without a running app, and so every
widget formats a number the same way. Nothing here parses a log: it only shapes what a
:class:`~vaetui.core.snapshot.Snapshot` already holds for display.
"""

from __future__ import annotations

import math
import re

import numpy as np
from rich.text import Text

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


def fmt_value(x: float | None) -> str:
    """A number in at most ~8 characters: ``0.0069``, ``511``, ``1.2e-05``, ``nan``, ``—``."""
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
    return f"{x:.4g}"


def fit_value(x: float | None, room: int) -> str:
    """``fmt_value(x)``, with fewer significant digits if it does not fit in ``room``."""
    text = fmt_value(x)
    if len(text) <= room or x is None or not math.isfinite(x):
        return text
    for digits in (3, 2):
        text = f"{x:.{digits}g}".replace("e-0", "e-").replace("e+0", "e")
        if len(text) <= room:
            return text
    return "…"


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


def arrow(trend: str) -> str:
    """The arrow for a trend word; ``·`` when the trend is not known yet."""
    return ARROWS.get(trend, "·")


def finite(steps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points whose value is finite (NaN and inf cannot be drawn)."""
    ok = np.isfinite(values) & np.isfinite(steps)
    return steps[ok], values[ok]
