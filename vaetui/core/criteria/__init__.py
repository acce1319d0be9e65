"""The health criteria: one small function each, from statistics to a verdict.

Every number comes from the profile (defaults: the user's notes in the seed). Each verdict
says what it judged, with the number, and what to do at that level.
"""

from __future__ import annotations

from collections.abc import Callable

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
    sharpness,
)


def judge(j: JudgeInput, profile: Profile) -> tuple[Verdict, ...]:
    """Every criterion's verdict, in the fixed order of ``CRITERIA_IDS``."""
    return tuple(fn(j, profile) for fn in CRITERIA)
