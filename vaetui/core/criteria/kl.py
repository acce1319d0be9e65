"""The KL criteria: the Goldilocks zone, its trend, and its share of the total loss."""

from __future__ import annotations

import math

from vaetui.core.criteria.base import MIN_POINTS, JudgeInput, fmt_number, not_applicable, pct
from vaetui.core.profile import Profile
from vaetui.core.snapshot import PENDING, Verdict


def kl_zone(j: JudgeInput, p: Profile) -> Verdict:
    z = p.kl_zone
    per = z.per_latent and j.latent_dim
    if j.kl is None:
        return not_applicable("kl_zone", "no KL metric in the log")
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
        return not_applicable("kl_trend", "no KL metric in the log")
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
        "kl_trend", level, c, f"KL {text} ({pct(c)} across the window)", advice, bands, inputs
    )


def kl_share(j: JudgeInput, p: Profile) -> Verdict:
    s = p.kl_share
    bands = (
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
