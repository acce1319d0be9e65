"""Synthetic but realistic VAE(-GAN) training logs.

vaetui has to be shown, tested, screenshotted and benchmarked on machines without a GPU or a
training run. This module writes the logs a large video VAE (latent_dim 16, kl_weight 1e-4,
LPIPS + adversarial loss) would print, in the shapes real loggers produce (``key=value`` prints,
Python ``logging``, JSON lines, a tqdm bar), for a handful of scenarios whose ground truth is
known: a healthy run, posterior collapse, exploding KL, divergence to NaN, KL warm-up and a
killed-and-restarted run. The magnitudes follow the user's notes in ``seed/vae-loss-criteria.md``.

Everything is plain Python + numpy and deterministic for a seed.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TextIO

import numpy as np

__all__ = [
    "FORMATS",
    "METRICS",
    "SCENARIOS",
    "format_record",
    "generate_records",
    "header_lines",
    "log_chunks",
    "write_log",
]

SCENARIOS = ("healthy", "collapse", "kl-explodes", "diverge", "warmup", "restart")
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
_LOGGED_NAME = {"total_loss": "loss"}
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


def _check(scenario: str, steps: int, log_every: int, fmt: str | None = None) -> str:
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


def _curves(scenario: str, t: np.ndarray) -> dict[str, np.ndarray]:
    """Noise-free rec/KL/perception curves of a scenario at run fractions ``t``."""
    kl, rec, perc = _healthy_kl(t), _healthy_rec(t), _healthy_perception(t)
    if scenario == "collapse":
        # The KL term wins: KL drains to a few nats, rec climbs to the "grey smudge" level.
        c = 1.0 / (1.0 + np.exp(-(t - 0.22) / 0.04))
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


def _nearest_logged(fraction: float, steps: int, log_every: int) -> int:
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
                _nearest_logged(f, steps, log_every): i for i, f in enumerate(DIVERGE_SPIKES)
            }
            self.bad_step = math.ceil(DIVERGE_AT * steps / log_every) * log_every
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
        m = _curves(self.scenario, t)
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
        for i in range(n):
            step = int(s[i])
            r, k, p, g, d = float(rec[i]), float(kl[i]), float(perc[i]), g_loss[i], d_weight[i]
            if step in self.spikes:
                j = self.spikes[step]
                r, k = r * (60.0, 100.0, 200.0)[j], k * (40.0, 70.0, 150.0)[j]
                p, g = p * (3.0, 5.0, 8.0)[j], g + (1.0, 2.0, 4.0)[j]
            total = r + kl_weight[i] * k + PERCEPTION_WEIGHT * p + d * g
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
    name = _check(scenario, steps, log_every)
    rng = np.random.default_rng([seed, SCENARIOS.index(name)])
    start = START_TIME if start_time is None else start_time
    if name == "restart":
        kill = min(_nearest_logged(KILL_AT, steps, log_every), max(log_every, steps - log_every))
        first = _Attempt("healthy", steps, log_every, kill, rng, start)
        yield from first.records()
        start = first.end_time + RESTART_GAP_SECONDS
        name = "healthy"
    yield from _Attempt(name, steps, log_every, steps, rng, start).records()


# --------------------------------------------------------------------------- formatting
def _timestamp(t: float) -> str:
    """``logging``'s default asctime: ``2026-11-25 10:00:01,123`` (UTC here)."""
    dt = datetime.fromtimestamp(t, tz=timezone.utc)
    return f"{dt:%Y-%m-%d %H:%M:%S},{dt.microsecond // 1000:03d}"


def _tqdm_num(x: float) -> str:
    """tqdm's ``format_num``: 3 significant digits unless str() is shorter; -0.1 -> ``-.1``."""
    f = f"{x:.3g}".replace("+0", "+").replace("-0", "-")
    s = str(x)
    return f if len(f) < len(s) else s


def _interval(seconds: float) -> str:
    """tqdm's ``format_interval``: ``mm:ss`` or ``h:mm:ss``."""
    mins, s = divmod(int(seconds), 60)
    h, m = divmod(mins, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _tqdm_bar(n: int, total: int, elapsed: float, postfix: str = "") -> str:
    """One tqdm refresh (without the leading ``\\r``), default ``desc='train'`` and unit ``it``."""
    frac = min(1.0, n / total) if total else 0.0
    full, part = divmod(int(frac * 10 * 8), 8)
    chars = " ▏▎▍▌▋▊▉█"
    bar = chars[-1] * full + (chars[part] + " " * (9 - full) if full < 10 else "")
    rate = n / elapsed if elapsed > 0 and n else 0.0
    if rate:
        timing = f"{_interval(elapsed)}<{_interval((total - n) / rate)}, {rate:5.2f}it/s"
    else:
        timing = f"{_interval(elapsed)}<?, ?it/s"
    return f"train: {frac * 100:3.0f}%|{bar}| {n}/{total} [{timing}{postfix}]"


def format_record(record: dict, fmt: str) -> str:
    """Render one record as the given logger would print it, without a trailing newline.

    ``kv``: ``step 1230 epoch 3 loss=0.15012 rec_loss=0.006912 ...``; ``logging``: timestamped
    ``INFO vae.train: epoch 3 step 1230/2000 | loss: 0.15012 | ...``; ``jsonl``: ``json.dumps``
    (NaN as bare ``NaN``); ``tqdm``: a ``\\r``-prefixed bar refresh whose postfix holds the
    metrics with keys sorted and 3 significant digits, as ``set_postfix`` prints them. Metrics
    missing from ``record`` are left out.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    step, epoch = int(record["step"]), int(record.get("epoch", 0))
    metrics = [(_LOGGED_NAME.get(k, k), record[k]) for k in METRICS if k in record]
    if fmt == "kv":
        body = " ".join(f"{k}={v:.5g}" for k, v in metrics)
        return f"step {step} epoch {epoch} {body}"
    if fmt == "logging":
        parts = [
            f"{k}: {v:.2e}" if k in ("kl_weight", "lr") else f"{k}: {v:.5g}" for k, v in metrics
        ]
        total = int(record.get("total_steps", step))
        when = _timestamp(float(record.get("time", START_TIME)))
        return f"{when} INFO vae.train: epoch {epoch} step {step}/{total} | " + " | ".join(parts)
    if fmt == "jsonl":
        obj: dict = {"step": step, "epoch": epoch, **dict(metrics)}
        if "time" in record:
            obj["time"] = round(float(record["time"]), 3)
        return json.dumps(obj)
    postfix = "".join(f", {k}={_tqdm_num(v)}" for k, v in sorted(metrics))
    total = int(record.get("total_steps", step))
    return "\r" + _tqdm_bar(step, total, float(record.get("elapsed", 0.0)), postfix)


def header_lines(
    scenario: str, fmt: str, steps: int, *, seed: int = 0, at: float | None = None
) -> list[str]:
    """The banner a training script prints before its first step (no step counter in it).

    ``at`` is the moment it is printed (``logging`` timestamps); ``jsonl`` gets one config
    object instead of text.
    """
    name = _check(scenario, steps, 1, fmt)
    kl_weight = COLLAPSE_KL_WEIGHT if name == "collapse" else KL_WEIGHT
    config: dict = {
        "kl_weight": kl_weight,
        "perceptual_weight": PERCEPTION_WEIGHT,
        "disc_weight": 0.5,
        "disc_start": _nearest_logged(DISC_START, steps, 1),
        "lr": BASE_LR,
        "batch_size": 8,
        "num_frames": 17,
        "resolution": 256,
        "latent_dim": LATENT_DIM,
        "seed": seed,
    }
    if name == "warmup":
        config["kl_anneal"] = "linear"
        config["kl_anneal_frac"] = KL_WARMUP
    if fmt == "jsonl":
        return [json.dumps({"event": "config", "model": "VideoVAE", **config})]
    lines = [
        f"model: VideoVAE(z_channels={LATENT_DIM}, ch_mult=(1, 2, 4, 4), temporal_compression=4)"
        " params=215.3M",
        "config: "
        + " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in config.items()),
    ]
    if fmt == "logging":
        stamp = _timestamp(START_TIME if at is None else at)
        lines = [f"{stamp} INFO vae.train: {line}" for line in lines]
    return lines


def _footer(fmt: str, record: dict) -> str | None:
    took = _interval(float(record["elapsed"]) + STARTUP_SECONDS)
    if fmt == "logging":
        when = _timestamp(float(record["time"]) + 0.4)
        return f"{when} INFO vae.train: finished {record['total_steps']} steps in {took}"
    if fmt == "jsonl":
        return None
    return f"training finished: {record['total_steps']} steps in {took}"


def log_chunks(
    scenario: str = "healthy",
    steps: int = 2000,
    fmt: str = "kv",
    seed: int = 0,
    log_every: int = 10,
    *,
    start_time: float | None = None,
) -> Iterator[str]:
    """The whole log as the pieces a trainer would write one at a time, terminators included.

    Each piece is a line ending in ``\\n``, or for ``tqdm`` one ``\\r`` bar refresh (the bar
    stays on one physical line and gets its ``\\n`` when a completed run closes it). A killed
    run (restart scenario) ends without that ``\\n``, so the restarted banner continues the same
    physical line, exactly as in a real redirected tqdm log. ``logging`` adds a ``WARNING`` line
    before the first non-finite record.
    """
    name = _check(scenario, steps, log_every, fmt)
    prev: dict | None = None
    warned = False
    last_len = 0
    for rec in generate_records(name, steps, seed, log_every, start_time=start_time):
        if prev is None or rec["step"] <= prev["step"]:  # a (re)started process
            began = float(rec["time"]) - float(rec["elapsed"]) - STARTUP_SECONDS
            for line in header_lines(name, fmt, steps, seed=seed, at=began):
                yield line + "\n"
            warned, last_len = False, 0
            if fmt == "tqdm":
                bar = _tqdm_bar(0, steps, 0.0)
                last_len = len(bar)
                yield "\r" + bar
        line = format_record(rec, fmt)
        if fmt == "tqdm":
            pad = max(0, last_len - (len(line) - 1))
            last_len = len(line) - 1
            yield line + " " * pad
        else:
            if fmt == "logging" and not warned and not math.isfinite(rec["total_loss"]):
                warned = True
                when = _timestamp(float(rec["time"]))
                loss = _tqdm_num(rec["total_loss"])
                yield f"{when} WARNING vae.train: non-finite loss (loss={loss}); continuing\n"
            yield line + "\n"
        prev = rec
    if prev is not None:
        footer = _footer(fmt, prev)
        if fmt == "tqdm":
            yield "\n" + (footer or "") + "\n"
        elif footer is not None:
            yield footer + "\n"


def write_log(
    path: str | os.PathLike[str] | TextIO,
    scenario: str = "healthy",
    steps: int = 2000,
    fmt: str = "kv",
    rate: float | None = None,
    seed: int = 0,
    log_every: int = 10,
    stop: threading.Event | None = None,
    *,
    start_time: float | None = None,
) -> int:
    """Write a simulated training log to ``path`` (truncated first) or an open text stream.

    Without ``rate`` the whole log is written at once. With ``rate`` (lines per second, tqdm:
    bar refreshes per second) it is written live: one line at a time, flushed, paced on a
    monotonic clock, stopping early (mid-run, like a killed trainer) as soon as ``stop`` is set.
    Returns the number of lines (tqdm: refreshes) written, banner and footer included.
    """
    _check(scenario, steps, log_every, fmt)
    if rate is not None and not rate > 0:
        raise ValueError("rate must be a positive number of lines per second")
    interval = 1.0 / rate if rate else 0.0
    chunks = log_chunks(scenario, steps, fmt, seed, log_every, start_time=start_time)
    own = not hasattr(path, "write")
    fh: TextIO = open(path, "w", encoding="utf-8", newline="") if own else path  # type: ignore[arg-type]  # noqa: SIM115
    written = 0
    due = time.monotonic()
    try:
        for chunk in chunks:
            if stop is not None and stop.is_set():
                break
            if rate is not None and written:
                due += interval
                delay = due - time.monotonic()
                if delay < -interval:  # fell behind (slow disk, suspended): don't burst
                    due = time.monotonic()
                elif delay > 0 and (stop.wait(delay) if stop is not None else time.sleep(delay)):
                    break
            fh.write(chunk)
            written += 1
            if rate is not None:
                fh.flush()
    finally:
        if own:
            fh.close()
        else:
            fh.flush()
    return written
