"""The health criteria: one small function each, from statistics to a verdict.

Every number comes from the profile (defaults: the user's notes in the seed). Each verdict
says what it judged, with the number, and what to do at that level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from vaetui.core.criteria.adversarial import adaptive_weight, adversarial, logvar
from vaetui.core.criteria.base import MIN_POINTS, JudgeInput, fmt_number
from vaetui.core.criteria.health import divergence, stall
from vaetui.core.criteria.kl import kl_share, kl_trend, kl_zone
from vaetui.core.criteria.reconstruction import balance, perception, rec_range
from vaetui.core.criteria.sharpness import sharpness
from vaetui.core.profile import Profile
from vaetui.core.snapshot import Verdict

__all__ = ["CRITERIA", "MIN_POINTS", "JudgeInput", "fmt_number", "judge"]

CRITERIA: tuple[Callable[[JudgeInput, Profile], Verdict], ...] = (
    kl_zone,
    kl_trend,
    kl_share,
    rec_range,
    balance,
    perception,
    divergence,
    stall,
    adversarial,
    adaptive_weight,
    logvar,
    sharpness,
)


#: Criteria that place a level in bands, whose values a fresh model crosses in its first steps.
YOUNG_CAPPED = frozenset({"kl_zone", "kl_share", "rec_range", "perception"})


def judge(j: JudgeInput, profile: Profile) -> tuple[Verdict, ...]:
    """Every criterion's verdict, in the fixed order of ``CRITERIA_IDS``.

    While the model is young (``JudgeInput.young``) a level band's ``bad`` reads ``watch``:
    KL below the collapse line or a reconstruction above the blur line in the first steps of
    training is the model's first transient, not yet a verdict. NaN/inf are never capped.
    """
    verdicts = tuple(fn(j, profile) for fn in CRITERIA)
    if not j.young:
        return verdicts
    return tuple(_young(v) if v.id in YOUNG_CAPPED else v for v in verdicts)


def _young(v: Verdict) -> Verdict:
    if v.level != "bad" or v.immediate:
        return v
    return replace(
        v,
        level="watch",
        summary=f"{v.summary} (early in training: judged as bad only after its first steps)",
    )
