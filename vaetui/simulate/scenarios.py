"""The schedule and units scenarios: what a run does when its objective is not the plain one.

Each is a story a practitioner meets on a real run, with its ground truth known: kl_weight
raised mid-run (and KL collapsing under it), cyclical annealing, kl_weight lowered, a capacity
objective (the total is not rec + kl_weight * KL), sum-reduced losses, a warm-up that starts at
an exact zero, NaN only in an evaluation metric, a rerun whose segment has a few records, a long
run whose losses improve as a power law, and the danger zone as a lasting state.
``vaetui.simulate.curves`` asks this module for the kl_weight and the curves of these scenarios.
"""

from __future__ import annotations

import numpy as np

#: Scenarios defined here, in the order ``--scenario`` lists them.
SCHEDULE_SCENARIOS = (
    "kl-raised",
    "cyclical",
    "kl-lowered",
    "capacity",
    "sum-reduced",
    "warmup-zero",
    "eval-nan",
    "resume-short",
    "power-law",
    "danger-zone",
)

KL_WEIGHT = 1e-4
#: kl-raised: the weight ramps from KL_WEIGHT to this over RAISE_AT..RAISE_AT + RAISE_RAMP.
RAISED_KL_WEIGHT = 3e-3
RAISE_AT = 0.5
RAISE_RAMP = 0.06
#: kl-lowered: the weight halves here; KL settles about 30% higher.
LOWER_AT = 0.5
LOWERED_KL_WEIGHT = 5e-5
#: cyclical: cycles over the run, the weight ramping from 0 over the first half of each.
CYCLES = 4
CYCLE_RAMP = 0.5
#: capacity: total = rec + perception + gamma * |KL - C|, C rising from half CAPACITY to it.
CAPACITY = 480.0
CAPACITY_GAMMA = 1e-3
#: sum-reduced: rec_loss summed over a 3x64x64 frame, KL weighted to match the summed scale.
REC_ELEMENTS = 3 * 64 * 64
SUM_KL_WEIGHT = 0.05
#: warmup-zero: kl_weight exactly 0 until ZERO_UNTIL, then linear to KL_WEIGHT at ZERO_RAMP_END.
ZERO_UNTIL = 0.10
ZERO_RAMP_END = 0.30
#: eval-nan: an evaluation row every EVAL_EVERY of the run; the one nearest EVAL_NAN_AT is NaN.
EVAL_EVERY = 0.1
EVAL_NAN_AT = 0.6
#: resume-short: the rerun appended to the finished log logs this many records.
RESUME_RECORDS = 3
#: danger-zone: rec jumps ~18x and KL sinks to ~3 here, and both stay there.
DANGER_AT = 0.4


def _smooth_step(t: np.ndarray, at: float, width: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(t - at) / width))


def cycle_weight(t: np.ndarray) -> np.ndarray:
    """Cyclical annealing (Fu et al. 2019): each cycle ramps 0 -> KL_WEIGHT, then holds."""
    phase = (t * CYCLES) % 1.0
    return KL_WEIGHT * np.minimum(1.0, phase / CYCLE_RAMP)


def kl_weight(scenario: str, t: np.ndarray) -> np.ndarray:
    """The kl_weight these scenarios log at run fractions ``t``."""
    if scenario == "kl-raised":
        ramp = np.clip((t - RAISE_AT) / RAISE_RAMP, 0.0, 1.0)
        return KL_WEIGHT + (RAISED_KL_WEIGHT - KL_WEIGHT) * ramp
    if scenario == "cyclical":
        return cycle_weight(t)
    if scenario == "kl-lowered":
        return np.where(t < LOWER_AT, KL_WEIGHT, LOWERED_KL_WEIGHT)
    if scenario == "capacity":
        return np.full_like(t, CAPACITY_GAMMA)
    if scenario == "sum-reduced":
        return np.full_like(t, SUM_KL_WEIGHT)
    if scenario == "warmup-zero":
        ramp = np.clip((t - ZERO_UNTIL) / (ZERO_RAMP_END - ZERO_UNTIL), 0.0, 1.0)
        return KL_WEIGHT * ramp
    return np.full_like(t, KL_WEIGHT)


def curves(
    scenario: str, t: np.ndarray, steps: np.ndarray, base: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Noise-free rec/KL/perception of a scenario, from the healthy ``base`` curves."""
    kl, rec, perc = base["kl_loss"], base["rec_loss"], base["perception_loss"]
    if scenario == "kl-raised":
        c = _smooth_step(t, RAISE_AT + 0.07, 0.015)
        kl = kl * (1.0 - c) + 2.5 * c
        rec = rec * (1.0 - c) + 0.085 * c
        perc = perc * (1.0 - c) + 0.35 * c
    elif scenario == "cyclical":
        low = 1.0 - cycle_weight(t) / KL_WEIGHT  # 1 at the start of a cycle, 0 at full weight
        kl = kl * (1.0 + 1.5 * low)
        rec = rec * (1.0 - 0.08 * low)
    elif scenario == "kl-lowered":
        kl = kl * (1.0 + 0.3 * _smooth_step(t, LOWER_AT + 0.03, 0.01))
        rec = rec * (1.0 - 0.05 * _smooth_step(t, LOWER_AT + 0.03, 0.01))
    elif scenario == "warmup-zero":
        w = kl_weight(scenario, t) / KL_WEIGHT
        kl = kl + 6000.0 * (1.0 - w) ** 2 * (1.0 - np.exp(-t / 0.02))
    elif scenario == "power-law":
        x = steps.astype(np.float64)
        kl = 50.0 + 470.0 * (1.0 - np.exp(-x / 60.0)) * (1.0 + 3.0 * (1.0 + x / 150.0) ** -0.7)
        rec = 0.0055 + 0.06 * (1.0 + x / 120.0) ** -0.6
        perc = 0.025 + 0.3 * (1.0 + x / 150.0) ** -0.6
    elif scenario == "danger-zone":
        c = _smooth_step(t, DANGER_AT, 0.006)
        kl = kl * (1.0 - c) + 3.0 * c
        rec = rec * (1.0 - c) + 0.13 * c
        perc = perc * (1.0 - c) + 0.42 * c
    return {"rec_loss": rec, "kl_loss": kl, "perception_loss": perc}


def capacity(t: np.ndarray) -> np.ndarray:
    """The capacity C of the capacity objective at run fractions ``t``."""
    return CAPACITY * np.minimum(1.0, 0.5 + t)


def total_loss(
    scenario: str, t: float, rec: float, kl: float, weight: float, other: float
) -> float:
    """The total a trainer of ``scenario`` logs (``other``: perception and adversarial terms)."""
    if scenario == "capacity":
        c = float(capacity(np.array([t]))[0])
        return rec + other + weight * abs(kl - c)
    return rec + weight * kl + other


def banner(scenario: str) -> dict[str, float | str]:
    """What the trainer's config banner states for ``scenario`` (its kl_weight included)."""
    if scenario == "sum-reduced":
        return {"kl_weight": SUM_KL_WEIGHT, "reduction": "sum"}
    if scenario == "capacity":
        return {"kl_weight": CAPACITY_GAMMA, "objective": "capacity", "capacity_max": CAPACITY}
    if scenario == "cyclical":
        return {"kl_weight": KL_WEIGHT, "kl_anneal": "cyclical", "kl_cycles": CYCLES}
    if scenario == "warmup-zero":
        return {"kl_weight": KL_WEIGHT, "kl_anneal": "linear", "kl_anneal_start": ZERO_UNTIL}
    return {"kl_weight": KL_WEIGHT}


def eval_steps(steps: int, log_every: int) -> dict[int, bool]:
    """eval-nan: the logged steps followed by an evaluation row (True: that row is NaN)."""
    every = max(log_every, round(EVAL_EVERY * steps / log_every) * log_every)
    out = {s: False for s in range(every, steps + 1, every)}
    if out:
        nan_at = min(out, key=lambda s: abs(s - EVAL_NAN_AT * steps))
        out[nan_at] = True
    return out


def eval_record(record: dict, is_nan: bool) -> dict[str, float]:
    """The evaluation metrics logged after a training record: MSE and PSNR on held-out data."""
    mse = float(np.float32(record["rec_loss"] * 1.08))
    if is_nan:
        return {"val_rec_loss": float("nan"), "val_psnr": float("nan")}
    return {"val_rec_loss": mse, "val_psnr": float(np.float32(-10.0 * np.log10(mse)))}
