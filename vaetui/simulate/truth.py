"""Ground truth of the simulated scenarios: the levels a careful reader of the seed would give
at the end, whether the run is healthy, and where the evidence of a failure begins.

The levels come from each scenario's story and the seed's bands (``seed/vae-loss-criteria.md``),
not from vaetui's verdicts: the accuracy benchmark and the tests compare vaetui against them.
A criterion missing from a scenario's table is not scored for it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

GOOD = frozenset({"excellent", "ok"})
EXCELLENT = frozenset({"excellent"})
NOT_BAD = frozenset({"excellent", "ok", "watch", "pending", "n/a"})


def _levels(*names: str) -> frozenset[str]:
    return frozenset(names)


#: Levels of a healthy VAE run by the seed (KL ~500, share ~33%, MSE ~0.007, LPIPS ~0.03).
HEALTHY: dict[str, frozenset[str]] = {
    "kl_zone": EXCELLENT,
    "kl_trend": GOOD,
    "kl_share": EXCELLENT,
    "rec_range": EXCELLENT,
    "balance": GOOD,
    "perception": EXCELLENT,
    "divergence": EXCELLENT,
}
#: A posterior collapse that lasts: rec far above its best while KL sits at a few nats.
COLLAPSED: dict[str, frozenset[str]] = {
    "kl_zone": _levels("bad"),
    "kl_trend": _levels("watch"),
    "kl_share": _levels("bad"),
    "balance": _levels("bad"),
    "divergence": EXCELLENT,
}


@dataclass(frozen=True)
class Truth:
    """What a scenario's end should read, and what its live replay may show."""

    levels: dict[str, frozenset[str]]
    healthy: bool
    #: kl_weight schedule changes after warm-up (each may cost 2 verdict changes live).
    schedule_changes: int = 0
    #: Options a user of this run would pass (``--rec-scale`` for a summed loss, say).
    options: dict[str, float] = field(default_factory=dict)


TRUTH: dict[str, Truth] = {
    "healthy": Truth(HEALTHY, True),
    "collapse": Truth(
        {**COLLAPSED, "rec_range": _levels("watch", "bad"), "perception": _levels("watch")},
        False,
    ),
    "kl-explodes": Truth(
        {
            "kl_zone": _levels("bad"),
            "kl_trend": _levels("watch"),
            "kl_share": _levels("watch", "bad"),
            "rec_range": EXCELLENT,
            "perception": EXCELLENT,
            "divergence": EXCELLENT,
        },
        False,
    ),
    "diverge": Truth({"divergence": _levels("bad"), "balance": _levels("n/a")}, False),
    "warmup": Truth(HEALTHY, True),
    "restart": Truth(HEALTHY, True),
    # the healthy curves; only its sample images (simulate --images) show the blur
    "blurry": Truth(HEALTHY, True),
    "kl-raised": Truth(
        {**COLLAPSED, "rec_range": _levels("watch"), "perception": _levels("watch")},
        False,
        schedule_changes=1,
    ),
    "cyclical": Truth({**HEALTHY, "kl_zone": GOOD}, True, schedule_changes=3),
    "kl-lowered": Truth({**HEALTHY, "kl_zone": GOOD}, True, schedule_changes=1),
    "capacity": Truth({**HEALTHY, "kl_share": _levels("n/a", "watch")}, True),
    "sum-reduced": Truth({**HEALTHY, "rec_range": _levels("watch", "n/a")}, True),
    "warmup-zero": Truth(HEALTHY, True),
    "eval-nan": Truth(HEALTHY, True),
    "resume-short": Truth(HEALTHY, True),
    "power-law": Truth({**HEALTHY, "kl_zone": GOOD}, True),
    "danger-zone": Truth(
        {**COLLAPSED, "rec_range": _levels("bad"), "perception": _levels("watch")}, False
    ),
}

#: Scenarios whose KL collapses: kl_zone must read bad within this many steps of raw KL < 10.
COLLAPSE_LAG_STEPS = 150
COLLAPSING = ("collapse", "kl-raised", "danger-zone")


@dataclass(frozen=True)
class Evidence:
    """Where the evidence for ``criterion`` reaching ``level`` begins, and the lag allowed."""

    criterion: str
    level: str
    step: float
    budget: float | None


def evidence(scenario: str, records: Iterable[dict]) -> list[Evidence]:
    """The evidence points of a scenario's records (its first NaN, KL's fall below 10...)."""
    records = list(records)
    out: list[Evidence] = []
    if scenario == "diverge":
        bad = next(
            (r["step"] for r in records if not all(math.isfinite(r[k]) for k in _LOSS_KEYS)),
            None,
        )
        if bad is not None:
            out.append(Evidence("divergence", "bad", bad, 0.0))
    if scenario in COLLAPSING:
        peak = 0
        for i, r in enumerate(records):
            if r["kl_loss"] > 100:
                peak = i
            elif r["kl_loss"] < 10 and peak and i > peak:
                out.append(Evidence("kl_zone", "bad", r["step"], COLLAPSE_LAG_STEPS))
                out.append(Evidence("balance", "bad", r["step"], None))
                break
    if scenario == "kl-explodes":
        late = [r for r in records if r["step"] > 0.1 * records[-1]["step"]]
        above = next((r["step"] for r in late if r["kl_loss"] > 5000), None)
        if above is not None:
            out.append(Evidence("kl_zone", "bad", above, None))
    return out


_LOSS_KEYS = ("total_loss", "rec_loss", "kl_loss", "perception_loss")
