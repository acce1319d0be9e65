"""Every profile value checked at the door: finite, in range, bands in order.

A profile is where a user moves the thresholds behind every verdict, so a NaN, an inverted
band or an EMA weight of 5 would silently change what the badges say. ``validate`` turns each
such value into one sentence naming the setting (``kl_zone.excellent_max``), before any log
is read. The command line's own numbers (``--ema``, ``--halflife``) are checked by the CLI
with the same rules.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import fields, is_dataclass
from typing import Any

#: (lowest, highest, whether the lowest itself is allowed) per setting; the default is >= 0.
_RANGES: dict[str, tuple[float, float, bool]] = {
    "smoothing.ema_alpha": (0.0, 1.0, False),
    "smoothing.trend_window_fraction": (0.0, 1.0, False),
    "smoothing.trend_window_min": (2.0, 1e7, True),
    "smoothing.trend_window_max": (2.0, 1e7, True),
    "smoothing.warmup_fraction": (0.0, 0.99, True),
    "divergence.spike_factor": (1.0, math.inf, False),
    "stall.interval_factor": (1.0, math.inf, True),
    "adaptive_weight.clamp": (0.0, math.inf, False),
    "adaptive_weight.disc_weight": (0.0, math.inf, False),
    "adaptive_weight.near_fraction": (0.0, 1.0, False),
    "adaptive_weight.pinned_fraction": (0.0, 1.0, False),
    "adaptive_weight.growth_ok": (1.0, math.inf, True),
    "phases.jump": (0.0, 10.0, False),
    "phases.disc_grace_points": (0.0, 1e7, True),
}
#: Settings that must be non-decreasing in the order given.
_ORDERED: tuple[tuple[str, ...], ...] = (
    ("kl_zone.collapse_below", "kl_zone.diversity_below", "kl_zone.excellent_min"),
    ("kl_zone.excellent_min", "kl_zone.excellent_max", "kl_zone.explode_above"),
    (
        "kl_zone.per_latent_collapse_below",
        "kl_zone.per_latent_diversity_below",
        "kl_zone.per_latent_excellent_min",
        "kl_zone.per_latent_excellent_max",
        "kl_zone.per_latent_explode_above",
    ),
    ("kl_trend.flat", "kl_trend.fast"),
    ("kl_share.bad_below", "kl_share.watch_below", "kl_share.watch_above", "kl_share.bad_above"),
    *(
        (
            f"rec_range.{m}.memorise_below",
            f"rec_range.{m}.excellent_max",
            f"rec_range.{m}.ok_max",
            f"rec_range.{m}.watch_max",
        )
        for m in ("mse", "l1", "lpips")
    ),
    ("perception.excellent_max", "perception.ok_max", "perception.watch_max"),
    ("smoothing.trend_window_min", "smoothing.trend_window_max"),
    (
        "adversarial.winning_below",
        "adversarial.gaining_below",
        "adversarial.excellent_min",
        "adversarial.excellent_max",
        "adversarial.failing_above",
        "adversarial.diverge_above",
    ),
    ("adversarial.gap_close", "adversarial.gap_winning"),
    ("adversarial.g_runaway_watch", "adversarial.g_runaway_bad"),
    ("adaptive_weight.growth_ok", "adaptive_weight.growth_watch", "adaptive_weight.growth_bad"),
    ("adaptive_weight.near_fraction", "adaptive_weight.pinned_fraction"),
    ("logvar.settled", "logvar.drift_watch"),
)


class InvalidSetting(ValueError):
    """A setting out of range; ``str()`` is one sentence naming it."""


def numbers(obj: Any, prefix: str = "") -> dict[str, float]:
    """Every numeric setting of a profile, by dotted name (``kl_zone.excellent_max``)."""
    out: dict[str, float] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if is_dataclass(value):
            out.update(numbers(value, f"{name}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def check_number(name: str, value: float) -> None:
    """Raise :class:`InvalidSetting` unless ``value`` is finite and in ``name``'s range."""
    if not math.isfinite(value):
        raise InvalidSetting(f"{name} must be a finite number, not {value}")
    low, high, low_ok = _RANGES.get(name, (0.0, math.inf, True))
    if value < low or (value == low and not low_ok) or value > high:
        above = f"at least {low:g}" if low_ok else f"greater than {low:g}"
        upper = "" if math.isinf(high) else f" and at most {high:g}"
        raise InvalidSetting(f"{name} must be {above}{upper}, not {value:g}")


def validate(profile: Any) -> None:
    """Check every number of ``profile`` and the order of every band.

    Raises:
        InvalidSetting: the first setting that is not finite, out of range or out of order.
    """
    values = numbers(profile)
    for name, value in values.items():
        check_number(name, value)
    for chain in _ORDERED:
        for lower, upper in itertools.pairwise(chain):
            if values[lower] > values[upper]:
                raise InvalidSetting(
                    f"{lower} ({values[lower]:g}) must not be above {upper} ({values[upper]:g})"
                )
