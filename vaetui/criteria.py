"""The health criteria: one small function each, from statistics to a verdict.

Every number comes from the profile (defaults: the user's notes in the seed). Each verdict
says what it judged, with the number, and what to do at that level.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from vaetui.profile import Profile, RecBands
from vaetui.snapshot import NOT_APPLICABLE, PENDING, Verdict


@dataclass(frozen=True)
class JudgeInput:
    """What the criteria read: EMAs and trends of the current segment, after warm-up."""

    kl: float | None = None
    kl_change: float | None = None
    kl_weight: float | None = None
    kl_weight_changed: bool = False
    total: float | None = None
    rec: float | None = None
    rec_change: float | None = None
    rec_metric: str = "mse"
    perception: float | None = None
    latent_dim: int | None = None
    in_warmup: bool = False
    points: int = 0
    #: First step with a NaN/inf in a loss (current segment), and the worst spike ratio.
    first_nonfinite_step: float | None = None
    nonfinite_metric: str | None = None
    last_is_finite: bool = True
    max_spike_ratio: float | None = None
    spike_step: float | None = None
    #: Live only: seconds since the last new line, and the usual interval between lines.
    seconds_quiet: float | None = None
    usual_interval: float | None = None


#: Records needed after warm-up before a trend is judged.
MIN_POINTS = 4


def fmt_number(x: float | None) -> str:
    """A number in few characters: 509, 0.0069, 1.2e-05."""
    if x is None:
        return "-"
    if not math.isfinite(x):
        return str(x)
    ax = abs(x)
    if ax != 0 and (ax < 0.001 or ax >= 100000):
        return f"{x:.3g}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 1:
        return f"{x:.3g}"
    return f"{x:.4g}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:+.1f}%"


def kl_zone(j: JudgeInput, p: Profile) -> Verdict:
    z = p.kl_zone
    per = z.per_latent and j.latent_dim
    if j.kl is None:
        return _na("kl_zone", "no KL metric in the log")
    value = j.kl / j.latent_dim if per and j.latent_dim else j.kl
    unit = "KL per latent element" if per else "raw KL"
    lo, div, ex_lo, ex_hi, hi = (
        (
            z.per_latent_collapse_below,
            z.per_latent_diversity_below,
            z.per_latent_excellent_min,
            z.per_latent_excellent_max,
            z.per_latent_explode_above,
        )
        if per
        else (
            z.collapse_below,
            z.diversity_below,
            z.excellent_min,
            z.excellent_max,
            z.explode_above,
        )
    )
    bands = (
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
            bands,
            inputs,
        )
    if value < lo:
        level, where = "bad", "posterior collapse"
        advice = (
            "Posterior collapse: the decoder ignores the latent and outputs an average. "
            "Lower kl_weight, or use KL warm-up / free bits, and check the encoder."
        )
    elif value < div:
        level, where = "watch", "low: diversity at risk"
        advice = (
            "KL is low: the latent carries little information and samples may lose "
            "diversity. If it keeps falling without a kl_weight change, lower kl_weight."
        )
    elif value < ex_lo:
        level, where = "ok", "a little low"
        advice = "KL is a little below the sweet spot; fine if it holds steady."
    elif value <= ex_hi:
        level, where = "excellent", "in the healthy band"
        advice = (
            "Healthy: the latent encodes the input and is still regularised. "
            "Keep kl_weight as it is."
        )
    elif value <= hi:
        level, where = "ok", "on the high side"
        advice = (
            "KL is on the high side; acceptable, but if it keeps rising the latent "
            "drifts from the prior and samples get noisy."
        )
    else:
        level, where = "bad", "exploding"
        advice = (
            "KL is far too high after warm-up: the latent space is not regularised. "
            "Raise kl_weight or check that the KL term is applied."
        )
    summary = (
        f"{unit} {fmt_number(value)}: {where} ({fmt_number(ex_lo)}-{fmt_number(ex_hi)} is healthy)"
    )
    return Verdict("kl_zone", level, value, summary, advice, bands, inputs)


def kl_trend(j: JudgeInput, p: Profile) -> Verdict:
    t = p.kl_trend
    bands = (
        f"excellent: change < {t.flat:.0%} per window; ok: falling slowly; "
        f"watch: falling or rising > {t.fast:.0%} per window without a kl_weight change"
    )
    if j.kl is None:
        return _na("kl_trend", "no KL metric in the log")
    c = j.kl_change
    inputs = {"kl_change": c, "kl_weight_changed": str(j.kl_weight_changed)}
    if j.in_warmup or c is None or j.points < MIN_POINTS:
        return Verdict(
            "kl_trend",
            PENDING,
            c,
            "not enough KL history after warm-up yet",
            "Wait for more steps.",
            bands,
            inputs,
        )
    if abs(c) < t.flat:
        level, text = "excellent", "stable"
        advice = "KL has settled, leaving the reconstruction room to improve."
    elif j.kl_weight_changed:
        level, text = "ok", "moving with a kl_weight change"
        advice = "KL follows the kl_weight schedule; judge again once the weight settles."
    elif c <= -t.fast:
        level, text = "watch", "falling fast"
        advice = (
            "KL is falling fast without a kl_weight change: heading toward collapse? "
            "Watch the KL zone and consider a lower kl_weight."
        )
    elif c >= t.fast:
        level, text = "watch", "rising fast"
        advice = (
            "KL is rising fast: the latent is drifting from the prior. "
            "Consider a higher kl_weight if it does not level off."
        )
    elif c < 0:
        level, text = "ok", "still falling slowly"
        advice = "KL is still settling; fine as long as the reconstruction keeps improving."
    else:
        level, text = "ok", "still rising slowly"
        advice = "KL is creeping up; fine if it levels off."
    return Verdict(
        "kl_trend", level, c, f"KL {text} ({_pct(c)} across the window)", advice, bands, inputs
    )


def kl_share(j: JudgeInput, p: Profile) -> Verdict:
    s = p.kl_share
    bands = (
        f"excellent {s.watch_below:.0%}-{s.watch_above:.0%}; watch {s.bad_below:.0%}-"
        f"{s.watch_below:.0%} or {s.watch_above:.0%}-{s.bad_above:.0%}; "
        f"bad < {s.bad_below:.0%} or > {s.bad_above:.0%}"
    )
    if j.kl is None or j.total is None:
        return _na("kl_share", "needs both KL and total loss in the log")
    if j.kl_weight is None:
        return _na("kl_share", "kl_weight is not in the log: pass --kl-weight")
    if j.total <= 0 or not math.isfinite(j.total):
        return _na("kl_share", "total loss is not positive, so a share has no meaning")
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
            bands,
            inputs,
        )
    if share < s.bad_below:
        level = "bad"
        advice = (
            "The KL term barely counts: the model is close to a plain autoencoder and "
            "may overfit; its latent is not regularised. Raise kl_weight."
        )
    elif share < s.watch_below:
        level = "watch"
        advice = "The KL term is a small part of the loss; consider a higher kl_weight."
    elif share <= s.watch_above:
        level = "excellent"
        advice = "KL guides the model without overpowering reconstruction. Healthy balance."
    elif share <= s.bad_above:
        level = "watch"
        advice = "The KL term dominates the loss; reconstructions may get blurry."
    else:
        level = "bad"
        advice = (
            "The KL term is nearly all of the loss: the model will output noise. Lower kl_weight."
        )
    summary = f"weighted KL {fmt_number(weighted)} is {share:.1%} of total {fmt_number(j.total)}"
    return Verdict("kl_share", level, share, summary, advice, bands, inputs)


def rec_range(j: JudgeInput, p: Profile) -> Verdict:
    if j.rec is None:
        return _na("rec_range", "no reconstruction loss in the log")
    b: RecBands = getattr(p.rec_range, j.rec_metric, p.rec_range.mse)
    bands = (
        f"{j.rec_metric}: excellent {fmt_number(b.memorise_below)}-"
        f"{fmt_number(b.excellent_max)}; ok "
        f"{fmt_number(b.excellent_max)}-{fmt_number(b.ok_max)}; watch {fmt_number(b.ok_max)}-"
        f"{fmt_number(b.watch_max)}"
        + (f" or < {fmt_number(b.memorise_below)}" if b.memorise_below else "")
        + f"; bad > {fmt_number(b.watch_max)}"
    )
    v = j.rec
    inputs = {"rec_ema": v, "rec_metric": j.rec_metric}
    if v < b.memorise_below:
        level = "watch"
        advice = (
            "Reconstruction is nearly perfect: the model may be memorising the data. "
            "Check generalisation on held-out data and the KL share."
        )
    elif v < b.excellent_max or (b.excellent_inclusive and v == b.excellent_max):
        level = "excellent"
        advice = (
            "Numbers look good; generate a preview. If it is still blurry, "
            f"{j.rec_metric.upper()} is not enough: raise the perception-loss weight."
        )
    elif v <= b.ok_max:
        level = "ok"
        advice = "Reconstruction is fair; fine details are likely smoothed out."
    elif v <= b.watch_max:
        level = "watch"
        advice = "Reconstruction is poor: expect blurry output. Check the KL weight and lr."
    else:
        level = "bad"
        advice = (
            "Reconstruction has failed: the output is a grey smudge or static. "
            "Check for collapse (KL zone) or a broken decoder."
        )
    summary = f"{j.rec_metric.upper()} rec_loss {fmt_number(v)}"
    return Verdict("rec_range", level, v, summary, advice, bands, inputs)


def perception(j: JudgeInput, p: Profile) -> Verdict:
    b = p.perception
    bands = (
        f"excellent < {fmt_number(b.excellent_max)}; ok < {fmt_number(b.ok_max)}; "
        f"watch < {fmt_number(b.watch_max)}; bad above"
    )
    if j.perception is None:
        return _na("perception", "no perception / LPIPS loss in the log")
    v = j.perception
    if v < b.excellent_max:
        level, advice = "excellent", "Frames look perceptually close to the inputs."
    elif v < b.ok_max:
        level, advice = "ok", "Perceptual similarity is fair; textures may be soft."
    elif v < b.watch_max:
        level, advice = "watch", "Perceptually weak: consider a higher perception-loss weight."
    else:
        level, advice = "bad", "Outputs look little like the inputs; check the decoder."
    return Verdict(
        "perception",
        level,
        v,
        f"perception loss {fmt_number(v)}",
        advice,
        bands,
        {"perception_ema": v},
    )


def balance(j: JudgeInput, p: Profile) -> Verdict:
    b = p.balance
    bands = (
        f"flat = rec change < {b.flat:.0%}, KL change < {p.kl_trend.flat:.0%} per window; "
        "excellent: rec falling, KL flat; "
        "ok: both flat or both falling; watch: rec rising, KL flat; "
        f"bad: rec rising while KL falls toward 0 (< {fmt_number(b.kl_near_zero)})"
    )
    if j.rec is None or j.kl is None:
        return _na("balance", "needs both rec_loss and KL in the log")
    if not j.last_is_finite:
        return _na("balance", "the newest losses are not finite: the run has diverged")
    rc, kc = j.rec_change, j.kl_change
    inputs = {"rec_change": rc, "kl_change": kc}
    if j.in_warmup or rc is None or kc is None or j.points < MIN_POINTS:
        return Verdict(
            "balance",
            PENDING,
            rc,
            "not enough history after warm-up yet",
            "Wait for more steps.",
            bands,
            inputs,
        )
    # rec moves by its own (smaller) threshold; KL is "flat" as the KL-trend criterion says.
    kl_flat = p.kl_trend.flat
    rec_dir = "rising" if rc > b.flat else "falling" if rc < -b.flat else "flat"
    kl_dir = "rising" if kc > kl_flat else "falling" if kc < -kl_flat else "flat"
    summary = f"rec {rec_dir} ({_pct(rc)}), KL {kl_dir} ({_pct(kc)})"
    if rec_dir == "rising" and kl_dir == "falling" and j.kl < b.kl_near_zero:
        level = "bad"
        advice = (
            "Reconstruction is getting worse while KL falls toward zero: kl_weight is "
            "too high. Lower it before the posterior collapses."
        )
    elif rec_dir == "rising":
        level = "watch"
        advice = (
            "Reconstruction is getting worse while KL falls: the model trades image quality "
            "for the KL term. Watch kl_weight."
            if kl_dir == "falling"
            else "Reconstruction is getting worse; check the learning rate and the data."
        )
    elif rec_dir == "falling" and kl_dir == "flat":
        level = "excellent"
        advice = "The healthy pattern: reconstruction improves while KL holds steady."
    else:
        level = "ok"
        advice = (
            "No warning sign; a plateau on both means the run may have converged."
            if rec_dir == kl_dir == "flat"
            else "No warning sign in the balance."
        )
    return Verdict("balance", level, rc, summary, advice, bands, inputs)


def divergence(j: JudgeInput, p: Profile) -> Verdict:
    factor = p.divergence.spike_factor
    bands = f"bad: any NaN/inf in a loss; watch: a spike > {fmt_number(factor)}x its EMA"
    inputs = {
        "first_nonfinite_step": j.first_nonfinite_step,
        "max_spike_ratio": j.max_spike_ratio,
        "spike_step": j.spike_step,
    }
    if j.first_nonfinite_step is not None:
        step = fmt_number(j.first_nonfinite_step)
        return Verdict(
            "divergence",
            "bad",
            j.first_nonfinite_step,
            f"{j.nonfinite_metric or 'a loss'} is NaN/inf from step {step}",
            "Training diverged: restore the last good checkpoint, lower the "
            "learning rate, enable gradient clipping, check for division by zero.",
            bands,
            inputs,
        )
    if j.max_spike_ratio is not None and j.max_spike_ratio > factor:
        return Verdict(
            "divergence",
            "watch",
            j.max_spike_ratio,
            f"loss spiked to {j.max_spike_ratio:.0f}x its EMA at step {fmt_number(j.spike_step)}",
            "A loss spike: watch for divergence; consider gradient clipping.",
            bands,
            inputs,
        )
    return Verdict(
        "divergence",
        "excellent",
        0.0,
        "all losses finite, no spikes",
        "Nothing to do.",
        bands,
        inputs,
    )


def stall(j: JudgeInput, p: Profile) -> Verdict:
    s = p.stall
    bands = (
        f"watch: no new line for {fmt_number(s.interval_factor)}x the usual interval "
        f"and more than {fmt_number(s.min_seconds)} s"
    )
    if j.seconds_quiet is None:
        return _na("stall", "only judged while following a live log")
    usual = j.usual_interval
    inputs = {"seconds_quiet": j.seconds_quiet, "usual_interval": usual}
    limit = max(s.min_seconds, s.interval_factor * usual) if usual else s.min_seconds
    if j.seconds_quiet > limit:
        return Verdict(
            "stall",
            "watch",
            j.seconds_quiet,
            f"no new line for {j.seconds_quiet:.0f} s",
            "The trainer may have hung or died: check the process, GPU memory and disk space.",
            bands,
            inputs,
        )
    return Verdict(
        "stall",
        "excellent",
        j.seconds_quiet,
        f"last line {j.seconds_quiet:.0f} s ago",
        "Nothing to do.",
        bands,
        inputs,
    )


def _na(cid: str, why: str) -> Verdict:
    return Verdict(cid, NOT_APPLICABLE, None, why, "Nothing to judge.", "", {})


CRITERIA: tuple[Callable[[JudgeInput, Profile], Verdict], ...] = (
    kl_zone,
    kl_trend,
    kl_share,
    rec_range,
    balance,
    perception,
    divergence,
    stall,
)


def judge(j: JudgeInput, profile: Profile) -> tuple[Verdict, ...]:
    """Every criterion's verdict, in the fixed order of ``CRITERIA_IDS``."""
    return tuple(fn(j, profile) for fn in CRITERIA)
