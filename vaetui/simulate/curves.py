"""Scenario curves: what a large video VAE's losses do over a run, as records.

Healthy, posterior collapse, exploding KL, divergence, KL warm-up and a killed-and-restarted
run, with the seed's magnitudes and realistic noise; deterministic for a seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timezone

import numpy as np

from vaetui.simulate import scenarios as more
from vaetui.simulate.gan import GAN_SCENARIOS, gan_curves, gan_records

#: ``blurry`` logs the healthy curves; only its sample images tell (``simulate --images``).
SCENARIOS = (
    "healthy",
    "collapse",
    "kl-explodes",
    "diverge",
    "warmup",
    "restart",
    "blurry",
    *GAN_SCENARIOS,
    *more.SCHEDULE_SCENARIOS,
)
FORMATS = ("kv", "logging", "jsonl", "tqdm")

#: Metric keys of a record, in the order the text formats print them.
METRICS = (
    "total_loss",
    "rec_loss",
    "kl_loss",
    "kl_weight",
    "perception_loss",
    "g_loss",
    "d_weight",
    "lr",
)
#: Name a metric is written under in the log (the SPEC maps ``loss`` to ``total_loss``).
LOGGED_NAME = {"total_loss": "loss"}
_LOSSES = ("total_loss", "rec_loss", "kl_loss", "perception_loss", "g_loss", "d_weight")

# The simulated run: a video VAE at ~2.4 it/s on one GPU box.
START_TIME = datetime(2026, 11, 25, 10, 0, 0, tzinfo=timezone.utc).timestamp()
STEPS_PER_EPOCH = 400
SECONDS_PER_STEP = 0.42
STARTUP_SECONDS = 23.0  # header printed -> first optimizer step (model build, data loaders)
RESTART_GAP_SECONDS = 95.0  # kill -> relaunch of the restarted run
LATENT_DIM = 16
KL_WEIGHT = 1e-4
COLLAPSE_KL_WEIGHT = 1e-3  # ten times too high: the story behind the collapse scenario
PERCEPTION_WEIGHT = 1.0
BASE_LR = 1e-4
MIN_LR = 1e-5

# Scenario timings, as fractions of the run.
LR_WARMUP = 0.02
DISC_START = 0.15  # adversarial loss switched on
KL_WARMUP = 0.30  # warmup scenario: kl_weight ramps 0 -> 1e-4 over this fraction
KILL_AT = 0.43  # restart scenario: first process killed here
DIVERGE_SPIKES = (0.70, 0.735, 0.765)  # diverge scenario: loss spikes ...
DIVERGE_AT = 0.80  # ... then inf, then NaN from the next record on

_CHUNK = 65536  # records generated per numpy batch (keeps huge benchmark logs in small memory)


def check_args(scenario: str, steps: int, log_every: int, fmt: str | None = None) -> str:
    """Validate arguments; return the canonical scenario name (``kl_explodes`` is accepted)."""
    name = scenario.replace("_", "-")
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if log_every < 1:
        raise ValueError("log_every must be at least 1")
    if steps < log_every:
        raise ValueError(f"steps ({steps}) must be at least log_every ({log_every})")
    return name


# --------------------------------------------------------------------------- curves
def _kl_weight(scenario: str, t: np.ndarray) -> np.ndarray:
    if scenario in more.SCHEDULE_SCENARIOS:
        return more.kl_weight(scenario, t)
    if scenario == "collapse":
        return np.full_like(t, COLLAPSE_KL_WEIGHT)
    if scenario == "warmup":
        return KL_WEIGHT * np.minimum(1.0, t / KL_WARMUP)
    return np.full_like(t, KL_WEIGHT)


def _lr(t: np.ndarray) -> np.ndarray:
    warm = np.minimum(1.0, t / LR_WARMUP)
    progress = np.clip((t - LR_WARMUP) / (1.0 - LR_WARMUP), 0.0, 1.0)
    cosine = MIN_LR + (BASE_LR - MIN_LR) * 0.5 * (1.0 + np.cos(np.pi * progress))
    return np.where(t < LR_WARMUP, BASE_LR * warm, cosine)


def _kl_rise(t: np.ndarray) -> np.ndarray:
    """0 -> 1 within the first ~5% of the run: the encoder starts to use its latent."""
    return (1.0 - np.exp(-t / 0.02)) ** 2


def _healthy_kl(t: np.ndarray) -> np.ndarray:
    """~50 at the start, a few thousand early on, settling at ~500 and flat in the last third."""
    target = 500.0 * (1.0 + 0.03 * (1.0 - t)) + 4500.0 * np.exp(-t / 0.08)
    return 50.0 + (target - 50.0) * _kl_rise(t)


def _healthy_rec(t: np.ndarray) -> np.ndarray:
    """MSE: ~0.06 -> ~0.007, still creeping down at the end."""
    return 0.0068 + 0.0025 * (1.0 - t) + 0.051 * np.exp(-t / 0.06)


def _healthy_perception(t: np.ndarray) -> np.ndarray:
    """LPIPS: ~0.3 -> ~0.03."""
    return 0.03 + 0.006 * (1.0 - t) + 0.27 * np.exp(-t / 0.08)


def collapse_mix(t: np.ndarray) -> np.ndarray:
    """How far the collapse scenario has collapsed at run fractions ``t`` (0 -> 1 near 0.22)."""
    return 1.0 / (1.0 + np.exp(-(t - 0.22) / 0.04))


def _curves(scenario: str, t: np.ndarray, steps: np.ndarray) -> dict[str, np.ndarray]:
    """Noise-free rec/KL/perception curves of a scenario at run fractions ``t``."""
    kl, rec, perc = _healthy_kl(t), _healthy_rec(t), _healthy_perception(t)
    if scenario in more.SCHEDULE_SCENARIOS:
        base = {"rec_loss": rec, "kl_loss": kl, "perception_loss": perc}
        return more.curves(scenario, t, steps, base)
    if scenario == "collapse":
        # The KL term wins: KL drains to a few nats, rec climbs to the "grey smudge" level.
        c = collapse_mix(t)
        kl = kl * (1.0 - c) + (2.0 + 1.5 * (1.0 - t)) * c
        rec = rec * (1.0 - c) + (0.092 + 0.006 * t) * c
        perc = perc * (1.0 - c) + 0.38 * c
    elif scenario == "kl-explodes":
        kl = 50.0 + (1200.0 + 19000.0 * t**1.3 - 50.0) * _kl_rise(t)
        rec = rec + 0.008 * t
        perc = perc + 0.04 * t
    elif scenario == "warmup":
        # Unregularised while kl_weight is ~0: KL runs high, then comes down as the weight ramps.
        w = np.where(t < 0.05, 1.0, np.clip(1.0 - (t - 0.05) / KL_WARMUP, 0.0, 1.0) ** 2)
        kl = 50.0 + (500.0 * (1.0 + 0.03 * (1.0 - t)) + 8500.0 * w - 50.0) * _kl_rise(t)
    elif scenario == "diverge":
        # Growing instability before the blow-up.
        unstable = 1.0 + 0.5 * np.clip((t - 0.68) / 0.12, 0.0, 1.0)
        rec, kl = rec * unstable, kl * (1.0 + 0.3 * (unstable - 1.0))
    return {"rec_loss": rec, "kl_loss": kl, "perception_loss": perc}


def _lognoise(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """Multiplicative noise with mean 1."""
    return np.exp(rng.normal(-0.5 * sigma * sigma, sigma, n))


def nearest_logged(fraction: float, steps: int, log_every: int) -> int:
    return max(log_every, round(fraction * steps / log_every) * log_every)


class _Attempt:
    """One training process: yields records for its logged steps, noise drawn from ``rng``."""

    def __init__(
        self,
        scenario: str,
        steps: int,
        log_every: int,
        last_step: int,
        rng: np.random.Generator,
        start: float,
    ) -> None:
        self.scenario, self.steps, self.log_every = scenario, steps, log_every
        self.last_step, self.rng, self.start = last_step, rng, start
        self.kl_state = 0.0  # AR(1) state of the slow KL wander
        self.elapsed = 0.0
        self.end_time = start
        if scenario == "diverge":
            self.spikes = {
                nearest_logged(f, steps, log_every): i for i, f in enumerate(DIVERGE_SPIKES)
            }
            self.bad_step: int | None = math.ceil(DIVERGE_AT * steps / log_every) * log_every
        else:
            self.spikes, self.bad_step = {}, None

    def records(self) -> Iterator[dict]:
        first = self.log_every
        while first <= self.last_step:
            last = min(self.last_step, first + (_CHUNK - 1) * self.log_every)
            yield from self._chunk(np.arange(first, last + 1, self.log_every))
            first = last + self.log_every

    def _chunk(self, s: np.ndarray) -> Iterator[dict]:
        rng, n = self.rng, len(s)
        t = s / self.steps
        m = _curves(self.scenario, t, s)
        rec = m["rec_loss"] * _lognoise(rng, n, 0.05)
        perc = m["perception_loss"] * _lognoise(rng, n, 0.04)
        wander = np.empty(n)
        state = self.kl_state
        for i, e in enumerate(rng.normal(0.0, 0.02, n)):
            state = 0.8 * state + e
            wander[i] = state
        self.kl_state = state
        kl = m["kl_loss"] * np.exp(wander) * _lognoise(rng, n, 0.03)
        disc_on = t >= DISC_START
        g_loss = np.where(
            disc_on, 0.12 + 0.04 * np.sin(2 * np.pi * 7 * t) + rng.normal(0.0, 0.04, n), 0.0
        )
        d_weight = np.where(disc_on, 0.5 * _lognoise(rng, n, 0.2), 0.0)
        if self.scenario == "collapse":  # the discriminator wins against the blurry decoder
            g_loss = np.where(disc_on, g_loss + 0.6 * np.clip((t - DISC_START) / 0.2, 0, 1), 0.0)
        kl_weight, lr = _kl_weight(self.scenario, t), _lr(t)
        dt = self.log_every * SECONDS_PER_STEP * _lognoise(rng, n, 0.06)
        if self.scenario in GAN_SCENARIOS:
            gan = gan_curves(self.scenario, t, rng, {"rec_loss": rec})
            yield from self._gan_rows(s, gan, kl, perc, kl_weight, lr, dt)
            return
        for i in range(n):
            step = int(s[i])
            r, k, p, g, d = float(rec[i]), float(kl[i]), float(perc[i]), g_loss[i], d_weight[i]
            if step in self.spikes:
                j = self.spikes[step]
                r, k = r * (60.0, 100.0, 200.0)[j], k * (40.0, 70.0, 150.0)[j]
                p, g = p * (3.0, 5.0, 8.0)[j], g + (1.0, 2.0, 4.0)[j]
            if self.scenario == "sum-reduced":
                r *= more.REC_ELEMENTS
            other = PERCEPTION_WEIGHT * p + d * g
            total = more.total_loss(self.scenario, float(t[i]), r, k, kl_weight[i], other)
            if self.bad_step is not None and step >= self.bad_step:
                if step == self.bad_step:  # overflow first, then everything is NaN
                    r, k, p, total = r * 500.0, math.inf, p * 10.0, math.inf
                else:
                    r = k = p = g = d = total = math.nan
            self.elapsed += float(dt[i])
            self.end_time = self.start + STARTUP_SECONDS + self.elapsed
            yield {
                "step": step,
                "epoch": (step - 1) // STEPS_PER_EPOCH,
                "total_loss": _f32(total),
                "rec_loss": _f32(r),
                "kl_loss": _f32(k),
                "kl_weight": float(kl_weight[i]),
                "perception_loss": _f32(p),
                "g_loss": _f32(g),
                "d_weight": _f32(d),
                "lr": float(lr[i]),
                "time": self.end_time,
                "elapsed": self.elapsed,
                "total_steps": self.steps,
            }

    def _gan_rows(
        self,
        s: np.ndarray,
        gan: dict[str, np.ndarray],
        kl: np.ndarray,
        perc: np.ndarray,
        kl_weight: np.ndarray,
        lr: np.ndarray,
        dt: np.ndarray,
    ) -> Iterator[dict]:
        """A VAE-GAN's records: a generator line and a discriminator line per step."""
        for i in range(len(s)):
            self.elapsed += float(dt[i])
            self.end_time = self.start + STARTUP_SECONDS + self.elapsed
            step = int(s[i])
            common = {
                "epoch": (step - 1) // STEPS_PER_EPOCH,
                "time": self.end_time,
                "elapsed": self.elapsed,
                "total_steps": self.steps,
            }
            vae = {"rec": float(gan["rec"][i]), "kl": float(kl[i]), "perc": float(perc[i])}
            vae.update(kl_weight=float(kl_weight[i]), lr=float(lr[i]))
            yield from gan_records(step, common, vae, {k: float(v[i]) for k, v in gan.items()})


def _f32(x: float) -> float:
    """Round to float32 like ``tensor.item()`` of a float32 loss."""
    return float(np.float32(x))


def generate_records(
    scenario: str,
    steps: int = 2000,
    seed: int = 0,
    log_every: int = 10,
    *,
    start_time: float | None = None,
) -> Iterator[dict]:
    """Yield one record per logged step (``log_every``, ``2*log_every``, ... ``steps``).

    Each record has ``step``, ``epoch`` (0-based) and the metrics in ``METRICS`` (losses as
    float32 values, NaN/inf in the diverge scenario), plus bookkeeping the text formats need:
    ``time`` (unix seconds of the simulated clock, starting at ``start_time``), ``elapsed``
    (seconds since this process's first step) and ``total_steps``. In the restart scenario the
    steps go back to ``log_every`` once. Deterministic for a seed.
    """
    name = check_args(scenario, steps, log_every)
    rng = np.random.default_rng([seed, SCENARIOS.index(name)])
    start = START_TIME if start_time is None else start_time
    if name == "resume-short":
        first = _Attempt("healthy", steps, log_every, steps, rng, start)
        yield from first.records()
        start = first.end_time + RESTART_GAP_SECONDS
        tail = min(steps, more.RESUME_RECORDS * log_every)
        yield from _Attempt("healthy", steps, log_every, tail, rng, start).records()
        return
    if name == "restart":
        kill = min(nearest_logged(KILL_AT, steps, log_every), max(log_every, steps - log_every))
        first = _Attempt("healthy", steps, log_every, kill, rng, start)
        yield from first.records()
        start = first.end_time + RESTART_GAP_SECONDS
        name = "healthy"
    yield from _Attempt(name, steps, log_every, steps, rng, start).records()
