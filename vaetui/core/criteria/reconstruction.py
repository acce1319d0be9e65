"""The reconstruction criteria: rec-loss range, perception loss, and rec-vs-KL balance."""

from __future__ import annotations

from vaetui.core.criteria.base import MIN_POINTS, JudgeInput, fmt_number, not_applicable, pct
from vaetui.core.profile import Profile, RecBands
from vaetui.core.snapshot import PENDING, Verdict


def rec_range(j: JudgeInput, p: Profile) -> Verdict:
    if j.rec is None:
        return not_applicable("rec_range", "no reconstruction loss in the log")
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
    inputs: dict[str, float | str | None] = {"rec_ema": v, "rec_metric": j.rec_metric}
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
        return not_applicable("perception", "no perception / LPIPS loss in the log")
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
        return not_applicable("balance", "needs both rec_loss and KL in the log")
    if not j.last_is_finite:
        return not_applicable("balance", "the newest losses are not finite: the run has diverged")
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
    summary = f"rec {rec_dir} ({pct(rc)}), KL {kl_dir} ({pct(kc)})"
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
