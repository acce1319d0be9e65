"""How a run is read and judged: the command line's common options, in one value.

Kept apart from :mod:`vaetui.core.run` so that building the options (``vaetui tail`` does
it before its first screen) loads neither numpy nor the parsers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vaetui.core.profile import Profile

if TYPE_CHECKING:
    from vaetui.core.reference import Reference


@dataclass(frozen=True)
class RunOptions:
    """How to read and judge a run (the CLI's common options)."""

    fmt: str = "auto"
    profile: Profile = field(default_factory=Profile)
    kl_weight: float | None = None
    rec_metric: str = "auto"
    warmup_steps: float | None = None
    latent_dim: int | None = None
    rank: int | None = None
    ema_alpha: float | None = None
    halflife: float | None = None
    #: Elements per sample of a sum-reduced reconstruction loss (rec is divided by it).
    rec_scale: float | None = None
    #: Live following: judge stalls and record verdict changes as events.
    live: bool = False
    #: A trusted run to compare with (``--reference``).
    reference: Reference | None = None
    #: ``--images DIR``: where the sample images are (None: the usual folders by the log).
    images: str | None = None
