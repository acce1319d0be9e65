"""The reconstruction criteria: rec-loss range, perception loss, and rec-vs-KL balance."""

from __future__ import annotations

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
from vaetui.core.metrics import PERCEPTION, REC
from vaetui.core.profile import Profile, RecBands
from vaetui.core.snapshot import PENDING, Verdict

_REC_ADVICE = {
    1: "Reconstruction is fair; fine details are likely smoothed out.",
    3: "Reconstruction is poor: expect blurry output. Check the KL weight and lr.",
    4: "Reconstruction has failed: the output is a grey smudge or static. "
    "Check for collapse (KL zone) or a broken decoder.",
}


def rec_bands(b: RecBands) -> Bands:
    edges = (b.memorise_below, b.excellent_max, b.ok_max, b.watch_max)
    return Bands(
        edges,
        ("watch", "excellent", "ok", "watch", "bad"),
        (True, not b.excellent_inclusive, False, False),
    )


def rec_range(j: JudgeInput, p: Profile) -> Verdict:
    if j.rec is None:
        return not_applicable("rec_range", "no reconstruction loss in the log")
    b: RecBands = getattr(p.rec_range, j.rec_metric, p.rec_range.mse)
    thresholds = (
        f"{j.rec_metric}: excellent {fmt_number(b.memorise_below)}-"
        f"{fmt_number(b.excellent_max)}; ok "
        f"{fmt_number(b.excellent_max)}-{fmt_number(b.ok_max)}; watch {fmt_number(b.ok_max)}-"
        f"{fmt_number(b.watch_max)}"
        + (f" or < {fmt_number(b.memorise_below)}" if b.memorise_below else "")
        + f"; bad > {fmt_number(b.watch_max)}"
    )
    v, source = j.rec, "rec_loss"
    inputs: dict[str, float | str | None] = {"rec_ema": v, "rec_metric": j.rec_metric}
    summed = j.rec_metric in ("mse", "l1") and v > p.rec_range.summed_above
    if summed and j.rec_per_element is not None:
        v, source = j.rec_per_element
        summed = v > p.rec_range.summed_above
    if summed:
        return Verdict(
            "rec_range",
            "watch",
            v,
            f"rec_loss {fmt_number(v)} looks summed over elements: pass --rec-scale N, "
            "the elements per sample, or log a per-element value",
            f"A per-element {j.rec_metric.upper()} of data in [0, 1] is at most 1, so the "
            "bands cannot judge this number.",
            thresholds,
            inputs,
        )
    if j.rec_scale:
        source = f"rec_loss / {fmt_number(j.rec_scale)}"
    bands = rec_bands(b)
    index = banded(bands, v, previous_level(j, "rec_range"), p.steady.level_margin)
    level = bands.levels[index]
    advice = {
        0: "Reconstruction is nearly perfect: the model may be memorising the data. "
        "Check generalisation on held-out data and the KL share.",
        1: "Numbers look good; generate a preview. If it is still blurry, "
        f"{j.rec_metric.upper()} is not enough: raise the perception-loss weight.",
        2: _REC_ADVICE[1],
        3: _REC_ADVICE[3],
        4: _REC_ADVICE[4],
    }[index]
    curve = j.curves.get(REC) if source == "rec_loss" or j.rec_scale else None
    since = None if curve is None else entered(bands, curve[0], curve[1], level)
    label = "rec_loss" if source == "rec_loss" else source
    summary = f"{j.rec_metric.upper()} {label} {fmt_number(v)}"
    return Verdict("rec_range", level, v, summary, advice, thresholds, inputs, since)


def perception(j: JudgeInput, p: Profile) -> Verdict:
    b = p.perception
    thresholds = (
        f"excellent < {fmt_number(b.excellent_max)}; ok < {fmt_number(b.ok_max)}; "
        f"watch < {fmt_number(b.watch_max)}; bad above"
    )
    if j.perception is None:
        return not_applicable("perception", "no perception / LPIPS loss in the log")
    v = j.perception
    bands = Bands(
        (b.excellent_max, b.ok_max, b.watch_max), ("excellent", "ok", "watch", "bad"), (True,) * 3
    )
    level = bands.levels[banded(bands, v, previous_level(j, "perception"), p.steady.level_margin)]
    advice = {
        "excellent": "Frames look perceptually close to the inputs.",
        "ok": "Perceptual similarity is fair; textures may be soft.",
        "watch": "Perceptually weak: consider a higher perception-loss weight.",
        "bad": "Outputs look little like the inputs; check the decoder.",
    }[level]
    curve = j.curves.get(PERCEPTION)
    since = None if curve is None else entered(bands, curve[0], curve[1], level)
    return Verdict(
        "perception",
        level,
        v,
        f"perception loss {fmt_number(v)}",
        advice,
        thresholds,
        {"perception_ema": v},
        since,
    )


def danger_zone(j: JudgeInput, p: Profile) -> bool:
    """rec far above its best of the segment while KL has sunk far below its level then.

    Entered at ``danger_rec_factor`` times the best; once shown, it lasts until rec is back
    under ``danger_rec_leave`` times the best.
    """
    b = p.balance
    if j.rec is None or j.kl is None or not j.rec_best or j.kl_at_rec_best is None:
        return False
    shown = previous_input(j, "balance", "state") == "danger"
    factor = b.danger_rec_leave if shown else b.danger_rec_factor
    kl_low = j.kl < b.danger_kl_fraction * j.kl_at_rec_best * (1.5 if shown else 1.0)
    return j.rec > factor * j.rec_best and kl_low


def balance(j: JudgeInput, p: Profile) -> Verdict:
    b = p.balance
    thresholds = (
        f"flat = rec change < {b.flat:.0%}, KL change < {p.kl_trend.flat:.0%} per window; "
        "excellent: rec falling, KL flat; "
        "ok: both flat or both falling; watch: rec rising, KL flat; "
        f"bad: rec rising while KL falls toward 0 (< {fmt_number(b.kl_near_zero)}), or the "
        f"danger zone (rec > {fmt_number(b.danger_rec_factor)}x its best while KL sank below "
        f"{b.danger_kl_fraction:.0%} of its level then)"
    )
    if j.rec is None or j.kl is None:
        return not_applicable("balance", "needs both rec_loss and KL in the log")
    if not j.last_is_finite:
        return not_applicable("balance", "the newest losses are not finite: the run has diverged")
    rt = trend_of(j.rec_trend, j.rec_change, j.points)
    kt = trend_of(j.kl_trend, j.kl_change, j.points)
    rc, kc = (None if rt is None else rt.change), (None if kt is None else kt.change)
    inputs: dict[str, float | str | None] = {"rec_change": rc, "kl_change": kc}
    if j.in_warmup or rc is None or kc is None or j.points < MIN_POINTS:
        return Verdict(
            "balance",
            PENDING,
            rc,
            "not enough history after warm-up yet",
            "Wait for more steps.",
            thresholds,
            inputs,
        )
    if danger_zone(j, p):
        inputs["state"] = "danger"
        ratio = j.rec / (j.rec_best or 1.0)
        return Verdict(
            "balance",
            "bad",
            rc,
            f"danger zone: rec {fmt_number(j.rec)} is {ratio:.1f}x its best "
            f"{fmt_number(j.rec_best)} while KL {fmt_number(j.kl)} sank from "
            f"{fmt_number(j.kl_at_rec_best)} (rec {pct(rc)} now)",
            "The model gave up image quality to satisfy the KL term: kl_weight is too high. "
            "Lower it (or restore a checkpoint from before the jump).",
            thresholds,
            inputs,
        )
    s = p.steady
    rec_dir = direction(
        rt, b.flat, s.t_crit, previous_input(j, "balance", "rec_dir"), s.trend_margin
    )
    kl_dir = direction(
        kt, p.kl_trend.flat, s.t_crit, previous_input(j, "balance", "kl_dir"), s.trend_margin
    )
    inputs["rec_dir"], inputs["kl_dir"] = rec_dir, kl_dir
    summary = f"rec {rec_dir} ({pct(rc)}), KL {kl_dir} ({pct(kc)})"
    level, advice = _balance_level(rec_dir, kl_dir, j.kl < b.kl_near_zero)
    return Verdict("balance", level, rc, summary, advice, thresholds, inputs)


def _balance_level(rec_dir: str, kl_dir: str, kl_near_zero: bool) -> tuple[str, str]:
    if rec_dir == "rising" and kl_dir == "falling" and kl_near_zero:
        return "bad", (
            "Reconstruction is getting worse while KL falls toward zero: kl_weight is "
            "too high. Lower it before the posterior collapses."
        )
    if rec_dir == "rising":
        return "watch", (
            "Reconstruction is getting worse while KL falls: the model trades image quality "
            "for the KL term. Watch kl_weight."
            if kl_dir == "falling"
            else "Reconstruction is getting worse; check the learning rate and the data."
        )
    if rec_dir == "falling" and kl_dir == "flat":
        return "excellent", "The healthy pattern: reconstruction improves while KL holds steady."
    return "ok", (
        "No warning sign; a plateau on both means the run may have converged."
        if rec_dir == kl_dir == "flat"
        else "No warning sign in the balance."
    )
