"""The adversarial half of a VAE-GAN: the discriminator, the adaptive weight, the log-variance.

Key names are latent-diffusion's (``LPIPSWithDiscriminator``): ``disc_loss``, ``logits_real``
and ``logits_fake`` on the discriminator's step; ``g_loss``, ``d_weight``, ``disc_factor``,
``logvar`` and ``nll_loss`` on the generator's. Each criterion is ``n/a`` without its keys,
``pending`` before the discriminator switches on and during its grace (the bump when it
switches on is expected), and judged on EMAs after that.
"""

from __future__ import annotations

import math

from vaetui.core.criteria.base import MIN_POINTS, JudgeInput, fmt_number, not_applicable
from vaetui.core.profile import Profile
from vaetui.core.snapshot import PENDING, Verdict


def _waiting(cid: str, j: JudgeInput, value: float | None, bands: str, inputs: dict) -> Verdict:
    """Pending before the discriminator switches on, during its grace, or with few points."""
    if j.disc_state == "off":
        summary = "the discriminator is not on yet (disc_factor 0 before disc_start)"
        advice = "Judged once the adversarial phase begins."
    elif j.disc_state == "grace":
        summary = (
            f"the discriminator switched on at step {fmt_number(j.disc_start)}: "
            "the bump is expected"
        )
        advice = "Judged after a short grace; a lasting break is reported then."
    else:
        summary = "not enough of the adversarial phase logged yet"
        advice = "Wait for more steps."
    return Verdict(cid, PENDING, value, summary, advice, bands, inputs)


def _gap(j: JudgeInput) -> float | None:
    if j.logits_real is None or j.logits_fake is None:
        return None
    return j.logits_real - j.logits_fake


def adversarial(j: JudgeInput, p: Profile) -> Verdict:
    """The discriminator's health, from its hinge loss, its logits and the generator's loss.

    excellent: disc_loss in the healthy band (hinge ~1.0: it cannot tell real from fake) with
    logits_real and logits_fake close; ok: near that band; watch: gaining the upper hand,
    failing, rising fast, or g_loss large; bad: it has won (loss ~0, logits far apart: the
    generator gets no useful gradient), it diverges (loss far above 1), g_loss runs away, or
    a value is NaN/inf.
    """
    bands = _adversarial_bands(p)
    if j.disc_loss is None and j.g_loss is None:
        return not_applicable("adversarial", "no discriminator or generator loss in the log")
    gap = _gap(j)
    inputs = {
        "disc_loss_ema": j.disc_loss,
        "disc_change": j.disc_change,
        "logits_real": j.logits_real,
        "logits_fake": j.logits_fake,
        "logit_gap": gap,
        "g_loss_ema": j.g_loss,
        "disc_start": j.disc_start,
    }
    value = j.disc_loss if j.disc_loss is not None else j.g_loss
    if not j.adversarial_finite and not j.last_is_finite:
        return not_applicable("adversarial", "every loss is NaN/inf: the run has diverged")
    if not j.adversarial_finite:
        return Verdict(
            "adversarial",
            "bad",
            None,
            "the adversarial losses are NaN/inf: the GAN has diverged",
            "Restore the last good checkpoint; lower the discriminator's learning rate or "
            "disc_weight, and start the discriminator later (disc_start).",
            bands,
            inputs,
        )
    if j.disc_state in ("off", "grace") or j.adversarial_points < MIN_POINTS:
        return _waiting("adversarial", j, value, bands, inputs)
    runaway = _g_runaway(j, p)
    if runaway is not None:
        return Verdict("adversarial", *runaway, bands, inputs)
    if j.disc_loss is None:
        return Verdict(
            "adversarial",
            "excellent",
            j.g_loss,
            f"g_loss {fmt_number(j.g_loss)} is steady (the discriminator's loss is not logged)",
            "The generator's adversarial loss is stable. Log disc_loss, logits_real and "
            "logits_fake to have the discriminator judged too.",
            bands,
            inputs,
        )
    level, summary, advice = _disc_level(j.disc_loss, j.disc_change, gap, p)
    return Verdict("adversarial", level, j.disc_loss, summary, advice, bands, inputs)


def _adversarial_bands(p: Profile) -> str:
    """The adversarial criterion's bands, in the profile's numbers."""
    a = p.adversarial
    return (
        f"excellent: disc_loss {fmt_number(a.excellent_min)}-{fmt_number(a.excellent_max)} "
        f"with logits_real - logits_fake < {fmt_number(a.gap_close)}; "
        f"watch: disc_loss < {fmt_number(a.gaining_below)} or > {fmt_number(a.failing_above)}, "
        f"|g_loss| > {fmt_number(a.g_runaway_watch)}; bad: disc_loss < "
        f"{fmt_number(a.winning_below)} with a gap > {fmt_number(a.gap_winning)}, "
        f"> {fmt_number(a.diverge_above)}, or |g_loss| > {fmt_number(a.g_runaway_bad)}"
    )


def _g_runaway(j: JudgeInput, p: Profile) -> tuple[str, float | None, str, str] | None:
    """(level, value, summary, advice) when the generator's loss runs away, else None."""
    a = p.adversarial
    if j.g_loss is None or abs(j.g_loss) <= a.g_runaway_watch:
        return None
    level = "bad" if abs(j.g_loss) > a.g_runaway_bad else "watch"
    return (
        level,
        j.g_loss,
        f"g_loss {fmt_number(j.g_loss)} is running away",
        "The generator's adversarial loss is running away: the discriminator's logits are "
        "exploding. Lower disc_weight or the discriminator's learning rate, or restart "
        "from a checkpoint before the discriminator switched on with a later disc_start.",
    )


def _disc_level(
    d: float, change: float | None, gap: float | None, p: Profile
) -> tuple[str, str, str]:
    """Level, summary and advice from the discriminator's loss and the logit gap."""
    a = p.adversarial
    gap_text = "" if gap is None else f", logits {fmt_number(gap)} apart"
    summary = f"disc_loss {fmt_number(d)}{gap_text}"
    far = gap is None or gap > a.gap_winning
    if d > a.diverge_above:
        return (
            "bad",
            f"{summary}: the discriminator diverges",
            "The discriminator's loss rises without bound: the GAN is unstable. Lower its "
            "learning rate or disc_weight, or restart from a checkpoint before it diverged.",
        )
    if d < a.winning_below and far:
        return (
            "bad",
            f"{summary}: the discriminator has won",
            "The discriminator tells real from fake with ease, so the generator gets no useful "
            "gradient. Lower the discriminator's learning rate, raise disc_start, or use a "
            "smaller discriminator.",
        )
    if d > a.failing_above or (
        change is not None and change > a.rising_fast and d > a.excellent_max
    ):
        return (
            "watch",
            f"{summary}: the discriminator is failing",
            "The discriminator's loss is high or rising fast: it cannot keep up, or it is "
            "starting to diverge. Watch g_loss and d_weight.",
        )
    if d < a.gaining_below or (gap is not None and gap > a.gap_winning):
        return (
            "watch",
            f"{summary}: the discriminator is gaining the upper hand",
            "The discriminator is winning more and more: the generator's adversarial "
            "gradient gets weaker. Watch for disc_loss heading to 0.",
        )
    if a.excellent_min <= d <= a.excellent_max and (gap is None or gap < a.gap_close):
        return (
            "excellent",
            f"{summary}: balanced",
            "Healthy: the discriminator cannot tell real from fake easily, and keeps the "
            "generator's outputs sharp.",
        )
    return (
        "ok",
        f"{summary}: close to balanced",
        "The discriminator leads a little; fine while it holds steady.",
    )


def adaptive_weight(j: JudgeInput, p: Profile) -> Verdict:
    """``d_weight`` after ``disc_start``: pinned at its clamp, or growing by orders of magnitude.

    excellent: below half its ceiling (clamp x disc_weight) and less than ``growth_ok`` times
    its starting level; ok: grown up to ``growth_watch`` times; watch: near the ceiling or grown
    ``growth_watch`` times; bad: pinned at the ceiling (or frozen at a high level) or grown
    ``growth_bad`` times: the adversarial term swamps the reconstruction.
    """
    w = p.adaptive_weight
    ceiling = w.clamp * w.disc_weight
    bands = (
        f"ceiling {fmt_number(ceiling)} (clamp {fmt_number(w.clamp)} x disc_weight "
        f"{fmt_number(w.disc_weight)}); excellent: growth < {fmt_number(w.growth_ok)}x; "
        f"watch: > {w.near_fraction:.0%} of the ceiling or growth > {fmt_number(w.growth_watch)}x;"
        f" bad: >= {w.pinned_fraction:.0%} of the ceiling or growth > {fmt_number(w.growth_bad)}x"
    )
    if j.d_weight is None:
        return not_applicable("adaptive_weight", "no d_weight in the log")
    growth = j.d_weight_growth
    inputs = {
        "d_weight_ema": j.d_weight,
        "ceiling": ceiling,
        "growth": growth,
        "frozen": str(j.d_weight_flat),
        "disc_start": j.disc_start,
    }
    d = j.d_weight
    if j.disc_state in ("off", "grace") or j.adversarial_points < MIN_POINTS:
        return _waiting("adaptive_weight", j, d, bands, inputs)
    pinned = d >= w.pinned_fraction * ceiling or (j.d_weight_flat and d >= 0.01 * ceiling)
    grown = f", {growth:.2g}x its start" if growth is not None else ""
    summary = f"d_weight {fmt_number(d)}{grown}"
    if pinned or (growth is not None and growth > w.growth_bad):
        level = "bad"
        summary += ": pinned at its clamp" if pinned else ": grown by orders of magnitude"
        advice = (
            "The adaptive weight has hit its clamp or exploded: the generator's adversarial "
            "gradient is vanishing, so the adversarial term swamps the reconstruction. Lower "
            "disc_weight, check the discriminator (has it won?), or fix d_weight."
        )
    elif d > w.near_fraction * ceiling or (growth is not None and growth > w.growth_watch):
        level = "watch"
        summary += ": heading for its clamp"
        advice = (
            "d_weight keeps growing: the adversarial gradient is getting weak. Watch the "
            "discriminator's loss; lower disc_weight if it reaches the clamp."
        )
    elif growth is not None and growth > w.growth_ok:
        level = "ok"
        advice = "d_weight has grown since the discriminator started; fine if it levels off."
    else:
        level = "excellent"
        advice = "The adaptive weight balances reconstruction and adversarial gradients."
    return Verdict("adaptive_weight", level, d, summary, advice, bands, inputs)


def logvar(j: JudgeInput, p: Profile) -> Verdict:
    """The learned log-variance (when logged): settled, or drifting so nll goes negative.

    excellent: settled (changes less than ``settled`` across the trend window); ok: still
    moving but slowly, or nll positive; watch: drifting at least ``drift_watch`` per window
    while nll is negative (the rec term's weight 1/exp(logvar) keeps growing); bad: |logvar|
    beyond ``runaway_abs``.
    """
    lv = p.logvar
    bands = (
        f"excellent: change < {fmt_number(lv.settled)} per window; watch: drifting "
        f">= {fmt_number(lv.drift_watch)} per window with nll < 0; "
        f"bad: |logvar| > {fmt_number(lv.runaway_abs)}"
    )
    if j.logvar is None:
        return not_applicable("logvar", "no learned logvar in the log")
    drift, nll = j.logvar_drift, j.nll
    inputs = {"logvar_ema": j.logvar, "logvar_drift": drift, "nll_ema": nll}
    value = j.logvar
    if not math.isfinite(value) or abs(value) > lv.runaway_abs:
        return Verdict(
            "logvar",
            "bad",
            value,
            f"logvar {fmt_number(value)} has run away",
            "The learned log-variance has run away: the reconstruction term is weighted by "
            "exp(-logvar). Fix logvar (no gradient) or lower its learning rate.",
            bands,
            inputs,
        )
    if drift is None or j.in_warmup or j.points < MIN_POINTS:
        return Verdict(
            "logvar",
            PENDING,
            value,
            f"logvar {fmt_number(value)}: not enough history yet",
            "Wait for more steps.",
            bands,
            inputs,
        )
    negative = nll is not None and nll < 0
    summary = f"logvar {fmt_number(value)} ({drift:+.2f} across the window)"
    if abs(drift) < lv.settled:
        level = "excellent"
        advice = "logvar has settled" + (
            ": a negative nll is expected with a learned log-variance." if negative else "."
        )
    elif abs(drift) >= lv.drift_watch and negative:
        level = "watch"
        summary += f", nll {fmt_number(nll)}"
        advice = (
            "logvar keeps drifting and nll is negative: the total loss is driven by logvar, "
            "not by the reconstruction; KL and the adversarial term weigh less and less. "
            "Consider a fixed logvar or a lower learning rate for it."
        )
    else:
        level = "ok"
        advice = "logvar is still moving; fine while it levels off."
    return Verdict("logvar", level, value, summary, advice, bands, inputs)
