"""VAE-GAN scenarios in latent-diffusion's key names: the discriminator from ``disc_start`` on.

A trainer built on ``LPIPSWithDiscriminator`` logs, per step, the generator's
``train/total_loss, train/logvar, train/kl_loss, train/nll_loss, train/rec_loss, train/d_weight,
train/disc_factor, train/g_loss`` and then the discriminator's ``train/disc_loss,
train/logits_real, train/logits_fake`` (two lines with the same step). ``disc_factor`` is 0
before ``disc_start``, so is the discriminator's loss; ``g_loss = -mean(logits_fake)`` and
``d_weight`` are computed all along; ``nll = rec / exp(logvar) + logvar`` with one learned
``logvar``. The logged total here is the trainer's objective without the learned variance
(rec + perception + kl_weight x KL + d_weight x disc_factor x g_loss), so the KL share keeps its
meaning.

Scenarios: ``gan-healthy`` (hinge loss ~1, close logits, a short bump at the start),
``gan-disc-wins`` (its loss sinks to ~0, logits far apart), ``gan-diverge`` (logits explode,
loss without bound, g_loss runs away), ``gan-clamp`` (d_weight grows to its clamp
1e4 x disc_weight and stays pinned) and ``gan-logvar`` (logvar drifts steadily, nll negative).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

GAN_SCENARIOS = ("gan-healthy", "gan-disc-wins", "gan-diverge", "gan-clamp", "gan-logvar")
#: The generator's keys, then the discriminator's, as latent-diffusion logs them.
GENERATOR_KEYS = (
    "train/total_loss",
    "train/logvar",
    "train/kl_loss",
    "train/nll_loss",
    "train/rec_loss",
    "train/p_loss",
    "train/d_weight",
    "train/disc_factor",
    "train/g_loss",
)
DISCRIMINATOR_KEYS = ("train/disc_loss", "train/logits_real", "train/logits_fake")
GAN_METRICS = GENERATOR_KEYS + DISCRIMINATOR_KEYS

GAN_DISC_START = 0.3  # fraction of the run where the discriminator switches on
DISC_WEIGHT = 0.5
CLAMP = 1e4


def _noise(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    return rng.normal(0.0, sigma, n)


def gan_curves(
    scenario: str, t: np.ndarray, rng: np.random.Generator, base: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The adversarial half at run fractions ``t`` on top of the VAE curves ``base``."""
    n = t.size
    on = (t >= GAN_DISC_START).astype(float)
    u = np.clip((t - GAN_DISC_START) / (1.0 - GAN_DISC_START), 0.0, 1.0)
    real = on * (0.1 + _noise(rng, n, 0.05)) + _noise(rng, n, 0.01)
    fake = on * (-0.1 + _noise(rng, n, 0.05)) + _noise(rng, n, 0.01)
    disc = on * (0.96 + 0.02 * np.sin(2 * np.pi * 5 * t) + _noise(rng, n, 0.03))
    d_weight = np.where(on > 0, 0.8, 30.0) * np.exp(_noise(rng, n, 0.2))
    logvar = -0.3 * (1.0 - np.exp(-t / 0.25)) + _noise(rng, n, 0.002)
    rec = base["rec_loss"] * (1.0 + 0.6 * on * np.exp(-(t - GAN_DISC_START) / 0.03))
    if scenario == "gan-disc-wins":
        s = np.clip(u / 0.3, 0.0, 1.0)
        real, fake = real + 3.0 * s, fake - 3.0 * s
        disc = on * (disc * (1.0 - s) + 0.03 * s + np.abs(_noise(rng, n, 0.005)))
        d_weight = d_weight * (1.0 - 0.7 * s)
    elif scenario == "gan-diverge":
        blow = on * 0.5 * (np.exp(u / 0.12) - 1.0)
        fake = fake + blow
        disc = disc + 0.5 * blow
    elif scenario == "gan-clamp":
        disc = on * (1.0 + _noise(rng, n, 0.001))
        real, fake = real * 0.01, fake * 0.01
        grown = 0.8 * np.exp(u / 0.08) * np.exp(_noise(rng, n, 0.05))
        d_weight = np.where(on > 0, np.minimum(grown, CLAMP * DISC_WEIGHT), d_weight)
    elif scenario == "gan-logvar":
        logvar = -5.0 * t + _noise(rng, n, 0.002)
    return {
        "rec": rec,
        "logvar": logvar,
        "real": real,
        "fake": fake,
        "disc": disc,
        "d_weight": d_weight,
        "on": on,
    }


def gan_records(
    step: int, common: dict, vae: dict[str, float], gan: dict[str, float]
) -> Iterator[dict]:
    """The generator's and the discriminator's record for one logged step."""
    rec, kl, perc, kl_weight = vae["rec"], vae["kl"], vae["perc"], vae["kl_weight"]
    g_loss = -gan["fake"]
    total = rec + perc + kl_weight * kl + gan["d_weight"] * gan["on"] * g_loss
    nll = rec / float(np.exp(gan["logvar"])) + gan["logvar"]
    yield {
        **common,
        "step": step,
        "train/total_loss": _f32(total),
        "train/logvar": _f32(gan["logvar"]),
        "train/kl_loss": _f32(kl),
        "train/nll_loss": _f32(nll),
        "train/rec_loss": _f32(rec),
        "train/p_loss": _f32(perc),
        "train/d_weight": _f32(gan["d_weight"]),
        "train/disc_factor": float(gan["on"]),
        "train/g_loss": _f32(g_loss),
        "lr": vae["lr"],
    }
    yield {
        **common,
        "step": step,
        "train/disc_loss": _f32(gan["disc"]),
        "train/logits_real": _f32(gan["real"]),
        "train/logits_fake": _f32(gan["fake"]),
    }


def _f32(x: float) -> float:
    return float(np.float32(x))
