"""The sharpness criterion: the seed's "blurry despite low numbers", read from image pairs.

The seed ends its reconstruction advice with: the numbers are good, so trust your eyes; if
the preview is still blurry, MSE is not enough and the perception-loss weight must rise. With
input/reconstruction grids beside the log this is measured: the Laplacian variance of the
reconstruction over that of its input. Much softer while ``rec_range`` is healthy -> watch.
When ``rec_range`` itself is poor the blur is already explained (and flagged) there.
"""

from __future__ import annotations

from vaetui.core.criteria.base import JudgeInput, fmt_number, not_applicable
from vaetui.core.criteria.reconstruction import rec_range
from vaetui.core.profile import Profile
from vaetui.core.snapshot import PENDING, Verdict

_HEALTHY_REC = ("excellent", "ok")


def sharpness(j: JudgeInput, p: Profile) -> Verdict:
    """Judge the newest reconstructions' detail against their inputs'."""
    if j.sharpness is None:
        return not_applicable("sharpness", "no input/reconstruction image pairs beside the log")
    b = p.sharpness
    ratio = j.sharpness
    bands = (
        f"Laplacian variance of the reconstruction / its input, newest {b.window} pairs: "
        f"excellent >= {fmt_number(b.excellent_min)}; ok >= {fmt_number(b.ok_min)}; "
        f"watch below (blurry) or above {fmt_number(b.noisy_above)} (noisy)"
    )
    inputs: dict[str, float | str | None] = {
        "sharpness_ratio": ratio,
        "psnr_db": j.psnr,
        "image_pairs": float(j.image_pairs),
    }
    psnr = f", PSNR {fmt_number(j.psnr)} dB" if j.psnr is not None else ""
    summary = f"reconstructions keep {ratio:.0%} of their inputs' fine detail{psnr}"
    rec = rec_range(j, p)
    inputs["rec_range"] = rec.level
    if ratio > b.noisy_above:
        level = "watch"
        advice = (
            "Reconstructions carry more fine structure than their inputs: noise, static or "
            "checkerboard artefacts. Look at the images; check the decoder and the "
            "adversarial loss."
        )
    elif ratio >= b.excellent_min:
        level, advice = "excellent", "Reconstructions are about as sharp as their inputs."
    elif ratio >= b.ok_min:
        level = "ok"
        advice = "Reconstructions are a little softer than their inputs; fine textures smooth out."
    elif j.in_warmup or rec.level not in _HEALTHY_REC:
        level = PENDING
        summary += f" (soft, as rec_range {rec.level} says)"
        advice = "Soft reconstructions are expected while the reconstruction loss is still high."
    else:
        level = "watch"
        summary = f"blurry despite low numbers: {summary}"
        advice = (
            f"The {j.rec_metric.upper()} numbers look good but the reconstructions are blurry: "
            f"{j.rec_metric.upper()} alone is not enough. Raise the perception-loss weight."
        )
    return Verdict("sharpness", level, ratio, summary, advice, bands, inputs)
