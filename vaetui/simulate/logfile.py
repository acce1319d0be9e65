"""Simulated logs as text: the line formats real loggers write, and the live writer."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TextIO

from vaetui.simulate import scenarios as more
from vaetui.simulate.curves import (
    BASE_LR,
    COLLAPSE_KL_WEIGHT,
    DISC_START,
    FORMATS,
    KL_WARMUP,
    LATENT_DIM,
    LOGGED_NAME,
    METRICS,
    PERCEPTION_WEIGHT,
    START_TIME,
    STARTUP_SECONDS,
    check_args,
    generate_records,
    nearest_logged,
)
from vaetui.simulate.gan import GAN_DISC_START, GAN_METRICS, GAN_SCENARIOS


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
    metrics = [(LOGGED_NAME.get(k, k), record[k]) for k in (*GAN_METRICS, *METRICS) if k in record]
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


def format_eval(record: dict, values: dict[str, float], fmt: str) -> str:
    """An evaluation row after the training record at the same step, terminator included.

    tqdm prints it as ``tqdm.write`` does: on its own line, the bar redrawn by the next refresh.
    """
    step = int(record["step"])
    if fmt == "jsonl":
        return json.dumps({"step": step, "split": "val", **values}) + "\n"
    if fmt == "logging":
        when = _timestamp(float(record.get("time", START_TIME)) + 0.2)
        body = " | ".join(f"{k}: {v:.5g}" for k, v in values.items())
        return f"{when} INFO vae.eval: step {step} | {body}\n"
    body = " ".join(f"{k}={v:.5g}" for k, v in values.items())
    return ("\r" if fmt == "tqdm" else "") + f"eval step {step} {body}\n"


def header_lines(
    scenario: str, fmt: str, steps: int, *, seed: int = 0, at: float | None = None
) -> list[str]:
    """The banner a training script prints before its first step (no step counter in it).

    ``at`` is the moment it is printed (``logging`` timestamps); ``jsonl`` gets one config
    object instead of text.
    """
    name = check_args(scenario, steps, 1, fmt)
    stated = more.banner(name)
    if name == "collapse":
        stated["kl_weight"] = COLLAPSE_KL_WEIGHT
    config: dict = {
        **stated,
        "perceptual_weight": PERCEPTION_WEIGHT,
        "disc_weight": 0.5,
        "disc_start": nearest_logged(
            GAN_DISC_START if name in GAN_SCENARIOS else DISC_START, steps, 1
        ),
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
    for chunk, _step in _pieces(scenario, steps, fmt, seed, log_every, start_time):
        yield chunk


def _pieces(
    scenario: str, steps: int, fmt: str, seed: int, log_every: int, start_time: float | None
) -> Iterator[tuple[str, int | None]]:
    """``log_chunks`` with the step of each record's piece (None for banners and footers)."""
    name = check_args(scenario, steps, log_every, fmt)
    evals = more.eval_steps(steps, log_every) if name == "eval-nan" else {}
    prev: dict | None = None
    warned = False
    last_len = 0
    for rec in generate_records(name, steps, seed, log_every, start_time=start_time):
        if prev is None or rec["step"] < prev["step"]:  # a (re)started process
            began = float(rec["time"]) - float(rec["elapsed"]) - STARTUP_SECONDS
            for line in header_lines(name, fmt, steps, seed=seed, at=began):
                yield line + "\n", None
            warned, last_len = False, 0
            if fmt == "tqdm":
                bar = _tqdm_bar(0, steps, 0.0)
                last_len = len(bar)
                yield "\r" + bar, None
        line = format_record(rec, fmt)
        if fmt == "tqdm":
            pad = max(0, last_len - (len(line) - 1))
            last_len = len(line) - 1
            yield line + " " * pad, int(rec["step"])
        else:
            total = rec.get("total_loss", rec.get("train/total_loss", 0.0))
            if fmt == "logging" and not warned and not math.isfinite(total):
                warned = True
                when = _timestamp(float(rec["time"]))
                loss = _tqdm_num(total)
                yield f"{when} WARNING vae.train: non-finite loss (loss={loss}); continuing\n", None
            yield line + "\n", int(rec["step"])
        if rec["step"] in evals:
            yield format_eval(rec, more.eval_record(rec, evals[rec["step"]]), fmt), None
        prev = rec
    if prev is not None:
        footer = _footer(fmt, prev)
        if fmt == "tqdm":
            yield "\n" + (footer or "") + "\n", None
        elif footer is not None:
            yield footer + "\n", None


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
    images: bool = False,
) -> int:
    """Write a simulated training log to ``path`` (truncated first) or an open text stream.

    Without ``rate`` the whole log is written at once. With ``rate`` (lines per second, tqdm:
    bar refreshes per second) it is written live: one line at a time, flushed, paced on a
    monotonic clock, stopping early (mid-run, like a killed trainer) as soon as ``stop`` is set.
    Returns the number of lines (tqdm: refreshes) written, banner and footer included.
    With ``images`` (a file path only) input/reconstruction grids are saved to
    ``images/train/`` beside the log as their steps are written (``vaetui.simulate.images``).
    """
    check_args(scenario, steps, log_every, fmt)
    if rate is not None and not rate > 0:
        raise ValueError("rate must be a positive number of lines per second")
    interval = 1.0 / rate if rate else 0.0
    chunks = _pieces(scenario, steps, fmt, seed, log_every, start_time)
    own = isinstance(path, (str, os.PathLike))
    grids = _grid_writer(path, scenario, steps, log_every, seed) if images else None
    fh: TextIO = (
        open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        if isinstance(path, (str, os.PathLike))
        else path
    )
    written = 0
    due = time.monotonic()
    try:
        for chunk, step in chunks:
            if stop is not None and stop.is_set():
                break
            if rate is not None and written:
                due += interval
                delay = due - time.monotonic()
                if delay < -interval:  # fell behind (slow disk, suspended): don't burst
                    due = time.monotonic()
                elif delay > 0 and _sleep(delay, stop):
                    break
            fh.write(chunk)
            written += 1
            if rate is not None:
                fh.flush()
            if grids is not None and step is not None:
                grids.maybe_write(step)
    finally:
        if own:
            fh.close()
        else:
            fh.flush()
    return written


def _sleep(delay: float, stop: threading.Event | None) -> bool:
    """Wait ``delay`` seconds; True when ``stop`` was set meanwhile (the writer must end)."""
    if stop is None:
        time.sleep(delay)
        return False
    return stop.wait(delay)


def _grid_writer(path: object, scenario: str, steps: int, log_every: int, seed: int):
    """The image writer beside the log at ``path`` (a stream has no "beside": none)."""
    if not isinstance(path, (str, os.PathLike)):
        return None
    from vaetui.simulate.images import GridWriter, image_every, images_dir

    every = image_every(steps, log_every)
    return GridWriter(images_dir(path), scenario.replace("_", "-"), steps, every, seed)
