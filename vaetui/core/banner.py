"""What a trainer's banner states about its run: the latent size and the KL weight.

A line such as ``latent_dim=16 kl_weight=1e-4`` (a config dump at start-up) tells the judge
what the log's metric lines may not: the KL weight in force and the latent size, for KL per
element. A line stating them is also where a restarted process began.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from vaetui.core.metrics import KL_WEIGHT, canonical_name


class BannerConfig:
    """The latent size and KL weight the log's banners stated, newest last."""

    def __init__(self) -> None:
        self.latent_dim: int | None = None
        self.kl_weight: float | None = None

    def take(self, config: Mapping[str, float]) -> bool:
        """Keep what ``config`` states; True if it stated the latent size or the KL weight."""
        stated = False
        for key, value in config.items():
            if key == "latent_dim":
                if value >= 1 and float(value).is_integer():
                    self.latent_dim = int(value)
                    stated = True
            elif canonical_name(key)[0] == KL_WEIGHT and math.isfinite(value):
                self.kl_weight = value
                stated = True
        return stated
