"""The KL criteria: the Goldilocks zone, its trend, and its share of the total loss."""

from __future__ import annotations

import math

import numpy as np

from vaetui.core.criteria.bands import Bands, banded, direction, entered
from vaetui.core.criteria.base import (
    MIN_POINTS,
    JudgeInput,
    fmt_number,
    not_applicable,
    pct,
    previous_input,
    previous_level,
    trend_of,
)
from vaetui.core.metrics import KL
from vaetui.core.profile import Profile
from vaetui.core.snapshot import PENDING, Verdict

_ZONE_WHERE = {
    0: "posterior collapse",
    1: "low: diversity at risk",
    2: "a little low",
    3: "in the healthy band",
    4: "on the high side",
    5: "exploding",
}
_ZONE_ADVICE = {
    0: "Posterior collapse: the decoder ignores the latent and outputs an average. "
    "Lower kl_weight, or use KL warm-up / free bits, and check the encoder.",
    1: "KL is low: the latent carries little information and samples may lose "
    "diversity. If it keeps falling without a kl_weight change, lower kl_weight.",
    2: "KL is a little below the sweet spot; fine if it holds steady.",
    3: "Healthy: the latent encodes the input and is still regularised. Keep kl_weight as it is.",
    4: "KL is on the high side; acceptable, but if it keeps rising the latent "
    "drifts from the prior and samples get noisy.",
    5: "KL is far too high after warm-up: the latent space is not regularised. "
    "Raise kl_weight or check that the KL term is applied.",
}


def zone_bands(j: JudgeInput, p: Profile) -> tuple[Bands, float, str]:
    """The KL zone's bands, the divisor of raw KL (latent size or 1) and the unit's name."""
    z = p.kl_zone
    if z.per_latent and j.latent_dim:
        edges = (
            z.per_latent_collapse_below,
            z.per_latent_diversity_below,
            z.per_latent_excellent_min,
            z.per_latent_excellent_max,
            z.per_latent_explode_above,
        )
        scale, unit = float(j.latent_dim), "KL per latent element"
    else:
        edges = (
            z.collapse_below,
            z.diversity_below,
            z.excellent_min,
            z.excellent_max,
            z.explode_above,
        )
        scale, unit = 1.0, "raw KL"
    levels = ("bad", "watch", "ok", "excellent", "ok", "bad")
    return Bands(edges, levels, (True, True, True, False, False)), scale, unit


def fast_bad(bands: Bands, raw: tuple[np.ndarray, np.ndarray] | None, n: int) -> float | None:
    """The step where the newest ``n`` raw values began to lie all in one bad band."""
    if raw is None or raw[1].size < n or n < 1:
        return None
    idx = bands.indices(raw[1][-n:])
    if idx[0] != idx[-1] or not np.all(idx == idx[0]) or bands.levels[int(idx[0])] != "bad":
        return None
    return entered(bands, raw[0], raw[1], "bad")


def kl_zone(j: JudgeInput, p: Profile) -> Verdict:
    if j.kl is None:
        return not_applicable("kl_zone", "no KL metric in the log")
    bands, scale, unit = zone_bands(j, p)
    lo, div, ex_lo, ex_hi, hi = bands.edges
    value = j.kl / scale
    thresholds = (
        f"excellent {fmt_number(ex_lo)}-{fmt_number(ex_hi)}; "
        f"ok {fmt_number(div)}-{fmt_number(ex_lo)} or "
        f"{fmt_number(ex_hi)}-{fmt_number(hi)}; watch {fmt_number(lo)}-{fmt_number(div)}; "
        f"bad < {fmt_number(lo)} or > {fmt_number(hi)} after warm-up"
    )
    inputs = {
        "kl_ema": j.kl,
        "latent_dim": j.latent_dim,
        "kl_per_latent": j.kl / j.latent_dim if j.latent_dim else None,
    }
    if j.in_warmup:
        return Verdict(
            "kl_zone",
            PENDING,
            value,
            f"{unit} {fmt_number(value)} (KL warm-up)",
            "KL is still warming up; the zone is judged once kl_weight settles.",
            thresholds,
            inputs,
        )
    index = banded(bands, value, previous_level(j, "kl_zone"), p.steady.level_margin)
    curve = j.curves.get(KL)
    raw = j.raw.get(KL)
    raw_scaled = None if raw is None else (raw[0], raw[1] / scale)
    quick = fast_bad(bands, raw_scaled, p.steady.fast_bad_records)
    if quick is not None and bands.levels[index] != "bad":
        index = bands.index(float(raw_scaled[1][-1])) if raw_scaled is not None else index
        since: float | None = quick
    else:
        since = (
            None
            if curve is None
            else entered(bands, curve[0], curve[1] / scale, bands.levels[index])
        )
    level = bands.levels[index]
    summary = (
        f"{unit} {fmt_number(value)}: {_ZONE_WHERE[index]} "
        f"({fmt_number(ex_lo)}-{fmt_number(ex_hi)} is healthy)"
    )
    if j.low_phase:
        summary += "; judged at the cycle's full weight"
    return Verdict("kl_zone", level, value, summary, _ZONE_ADVICE[index], thresholds, inputs, since)


def kl_trend(j: JudgeInput, p: Profile) -> Verdict:
    t = p.kl_trend
    thresholds = (
        f"excellent: change < {t.flat:.0%} per window; ok: falling slowly; "
        f"watch: falling or rising > {t.fast:.0%} per window without a kl_weight change, "
        "or flat at a collapsed or exploded level"
    )
    if j.kl is None:
        return not_applicable("kl_trend", "no KL metric in the log")
    trend = trend_of(j.kl_trend, j.kl_change, j.points)
    c = None if trend is None else trend.change
    moved = j.kl_weight_move or ("moved" if j.kl_weight_changed else None)
    inputs: dict[str, float | str | None] = {
        "kl_change": c,
        "kl_change_se": None if trend is None else trend.se,
        "kl_weight_changed": str(moved is not None),
    }
    if j.in_warmup or c is None or j.points < MIN_POINTS:
        return Verdict(
            "kl_trend",
            PENDING,
            c,
            "not enough KL history after warm-up yet",
            "Wait for more steps.",
            thresholds,
            inputs,
        )
    s = p.steady
    # A fast move, once shown (as watch, or as KL settling from above the healthy band), holds
    # until the change is back inside the flat band; its
    # all-clear is then judged afresh, one move to a calm level, not a step through
    # "slowly" on the way.
    fast_margin = s.trend_margin
    held = previous_level(j, "kl_trend") == "watch"
    if (held or previous_input(j, "kl_trend", "settling") == "yes") and t.fast > 0:
        fast_margin = max(s.trend_margin, 1.0 - t.flat / t.fast)
    was_fast = previous_input(j, "kl_trend", "fast")
    fast = direction(trend, t.fast, s.t_crit, was_fast, fast_margin)
    cleared = was_fast in ("rising", "falling") and fast == "flat"
    d = direction(
        trend,
        t.flat,
        s.t_crit,
        None if cleared else previous_input(j, "kl_trend", "direction"),
        s.trend_margin,
        s.trend_clear_se,
    )
    inputs["direction"], inputs["fast"] = d, fast
    bands, scale, _unit = zone_bands(j, p)
    zone = bands.index(j.kl / scale)
    # A fast fall that began above the healthy band is KL settling from its early high; it
    # stays that while the fall goes on into the band (a fall below it is an alarm again).
    descending = fast == "falling" and (
        zone >= 4 or (zone == 3 and previous_input(j, "kl_trend", "settling") == "yes")
    )
    inputs["settling"] = "yes" if descending else "no"
    level, text, advice = _trend_level(d, fast, zone, moved, descending)
    summary = f"KL {text} ({pct(c)} across the window)"
    return Verdict("kl_trend", level, c, summary, advice, thresholds, inputs)


def _trend_level(
    d: str, fast: str, zone: int, moved: str | None, descending: bool = False
) -> tuple[str, str, str]:
    """Level, words and advice for KL's direction, given its zone band and the schedule.

    ``descending``: a fast fall from above the healthy band, still going on.
    """
    if zone == 0 and fast != "rising":
        return (
            "watch",
            f"{d if d != 'unknown' else 'flat'} at a collapsed level",
            "KL sits at a collapsed level: a stable collapse is not a healthy plateau. "
            "Lower kl_weight or use free bits.",
        )
    if zone == 5 and fast != "falling":
        return (
            "watch",
            f"{'rising' if d == 'rising' else 'flat'} beyond the explosion band",
            "KL is beyond the explosion band and not coming down: raise kl_weight.",
        )
    if moved == "up" and d == "falling" and (fast == "falling" or zone <= 1):
        return (
            "watch",
            "falling as kl_weight rises",
            "KL is falling fast after kl_weight was raised: the KL weight is too high. "
            "Lower it before the posterior collapses.",
        )
    if d == "flat":
        return "excellent", "stable", "KL has settled, leaving the reconstruction room to improve."
    if moved is not None:
        return (
            "ok",
            "moving with a kl_weight change",
            "KL follows the kl_weight schedule; judge again once the weight settles.",
        )
    if fast == "rising" and zone <= 2:
        return (
            "ok",
            "rising fast toward the healthy band",
            "KL is recovering toward the healthy band; fine if it settles there.",
        )
    if descending and moved is None:
        return (
            "ok",
            "coming down from above the healthy band",
            "KL is coming down from its early high, as it does early in training; "
            "fine if it settles in the healthy band.",
        )
    if fast == "falling":
        return (
            "watch",
            "falling fast",
            "KL is falling fast without a kl_weight change: heading toward collapse? "
            "Watch the KL zone and consider a lower kl_weight.",
        )
    if fast == "rising":
        return (
            "watch",
            "rising fast",
            "KL is rising fast: the latent is drifting from the prior. "
            "Consider a higher kl_weight if it does not level off.",
        )
    if d == "falling":
        return (
            "ok",
            "still falling slowly",
            "KL is still settling; fine as long as the reconstruction keeps improving.",
        )
    return "ok", "still rising slowly", "KL is creeping up; fine if it levels off."


def share_bands(p: Profile) -> Bands:
    s = p.kl_share
    edges = (s.bad_below, s.watch_below, s.watch_above, s.bad_above)
    return Bands(edges, ("bad", "watch", "excellent", "watch", "bad"), (True, True, False, False))


def kl_share(j: JudgeInput, p: Profile) -> Verdict:
    s = p.kl_share
    thresholds = (
        f"excellent {s.watch_below:.0%}-{s.watch_above:.0%}; watch {s.bad_below:.0%}-"
        f"{s.watch_below:.0%} or {s.watch_above:.0%}-{s.bad_above:.0%}; "
        f"bad < {s.bad_below:.0%} or > {s.bad_above:.0%}"
    )
    if j.kl is None or j.total is None:
        return not_applicable("kl_share", "needs both KL and total loss in the log")
    if j.kl_weight is None:
        return not_applicable("kl_share", "kl_weight is not in the log: pass --kl-weight")
    if j.total <= 0 or not math.isfinite(j.total):
        return not_applicable("kl_share", "total loss is not positive, so a share has no meaning")
    weighted = j.kl_weight * j.kl
    share = weighted / j.total
    inputs = {"kl_weight": j.kl_weight, "weighted_kl": weighted, "total_loss": j.total}
    if j.in_warmup:
        return Verdict(
            "kl_share",
            PENDING,
            share,
            f"KL share {share:.1%} (KL warm-up)",
            "Judged once the KL warm-up is over.",
            thresholds,
            inputs,
        )
    inconsistent = _inconsistent(j, weighted)
    if inconsistent:
        return Verdict(
            "kl_share",
            "n/a",
            share,
            f"inconsistent: the total is not rec + kl_weight·KL ({inconsistent})",
            "The total has other terms or another form (a capacity objective |KL - C|, free "
            "bits): the KL share has no meaning here. Log the KL term as weighted in the total "
            "to have it judged.",
            thresholds,
            inputs,
        )
    index = banded(share_bands(p), share, previous_level(j, "kl_share"), p.steady.level_margin)
    level = share_bands(p).levels[index]
    advice = {
        0: "The KL term barely counts: the model is close to a plain autoencoder and "
        "may overfit; its latent is not regularised. Raise kl_weight.",
        1: "The KL term is a small part of the loss; consider a higher kl_weight.",
        2: "KL guides the model without overpowering reconstruction. Healthy balance.",
        3: "The KL term dominates the loss; reconstructions may get blurry.",
        4: "The KL term is nearly all of the loss: the model will output noise. Lower kl_weight.",
    }[index]
    summary = f"weighted KL {fmt_number(weighted)} is {share:.1%} of total {fmt_number(j.total)}"
    if j.cyclic:
        summary += " (at the cycle's full weight)"
    return Verdict("kl_share", level, share, summary, advice, thresholds, inputs)


def _inconsistent(j: JudgeInput, weighted: float) -> str:
    """Why the total cannot be rec + kl_weight·KL (+ other positive terms), or ''."""
    total = j.total or 0.0
    if j.kl is not None and j.kl < 0:
        return f"KL {fmt_number(j.kl)} is negative"
    rec = j.rec_logged if j.rec_logged is not None else j.rec
    if rec is not None and rec < 0:
        return f"rec {fmt_number(rec)} is negative"
    if weighted > total:
        return (
            f"weighted KL {fmt_number(weighted)} is {weighted / total:.0%} of total "
            f"{fmt_number(total)}; the total would need to be at least {fmt_number(weighted)}"
        )
    if rec is not None and rec + weighted > 1.03 * total:
        need = rec + weighted
        return (
            f"rec {fmt_number(rec)} + weighted KL {fmt_number(weighted)} = {fmt_number(need)} "
            f"exceeds total {fmt_number(total)}"
        )
    return ""
