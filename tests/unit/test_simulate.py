"""Tests for vaetui.simulate: the synthetic training-log writer.

The logs are parsed here with small self-contained regexes (not vaetui's parsers), so these tests
pin down what the simulator writes independently of the rest of the package.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from vaetui.simulate import (
    FORMATS,
    METRICS,
    SCENARIOS,
    format_record,
    generate_records,
    header_lines,
    write_log,
)
from vaetui.simulate.gan import GAN_METRICS

LOGGED = {"loss": "total_loss"}  # name in the log -> record key
KV_RE = re.compile(r"^step (\d+) epoch (\d+) ((?:[\w/]+=\S+ ?)+)$")
LOGGING_RE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO vae\.train: epoch (\d+) step (\d+)/(\d+) \| (.*)$"
)
TQDM_RE = re.compile(
    r"^train: +(\d+)%\|[ ▏▎▍▌▋▊▉█]{10}\| (\d+)/(\d+) "
    r"\[(\d\d:\d\d|\d+:\d\d:\d\d)<([\d:]+|\?), +(?:[\d.]+|\?)it/s(?:, (.*))?\] *$"
)
STEP_COUNTER = re.compile(r"\bstep\b|\biter|\bepoch\b|\d+/\d+|\"step\"", re.IGNORECASE)


def _read(path: Path) -> str:
    """File text with ``\r`` kept (``read_text`` would turn it into ``\n``)."""
    return path.read_bytes().decode("utf-8")


ALL = (*METRICS, *GAN_METRICS)


def _records(scenario: str, steps: int, seed: int = 0, log_every: int = 10) -> list[dict]:
    return list(generate_records(scenario, steps, seed, log_every))


def _pairs(items: list[str], sep: str) -> dict[str, float]:
    out = {}
    for item in items:
        key, _, value = item.partition(sep)
        out[LOGGED.get(key, key)] = float(value)
    return out


def _parse(text: str, fmt: str) -> tuple[list[tuple[int, dict[str, float]]], list[str]]:
    """Return (step, metrics) per metric line and the skipped non-metric lines."""
    parsed, skipped = [], []
    if fmt == "tqdm":
        # A killed bar never got its newline: the restarted banner continues that line.
        text = re.sub(r"\] *model: ", "]\nmodel: ", text)
    pieces = re.split(r"[\r\n]", text) if fmt == "tqdm" else text.split("\n")
    for piece in pieces:
        if not piece:
            continue
        if fmt == "kv" and (m := KV_RE.match(piece)):
            parsed.append((int(m[1]), _pairs(m[3].split(), "=")))
        elif fmt == "logging" and (m := LOGGING_RE.match(piece)):
            parsed.append((int(m[2]), _pairs(m[4].split(" | "), ": ")))
        elif fmt == "jsonl" and piece.startswith("{") and "step" in (obj := json.loads(piece)):
            metrics = {LOGGED.get(k, k): float(v) for k, v in obj.items()}
            parsed.append((int(obj["step"]), metrics))
        elif fmt == "tqdm" and (m := TQDM_RE.match(piece)):
            if m[6]:  # the initial 0% refresh has no postfix
                parsed.append((int(m[2]), _pairs(m[6].split(", "), "=")))
        else:
            skipped.append(piece)
    return parsed, skipped


def _close(a: float, b: float, rel: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def _tail(records: list[dict], steps: int) -> list[dict]:
    """Records of the last process in its final third."""
    starts = [i for i in range(1, len(records)) if records[i]["step"] <= records[i - 1]["step"]]
    last = records[starts[-1] :] if starts else records
    return [r for r in last if r["step"] > 2 * steps / 3]


def _mean(records: list[dict], key: str) -> float:
    return float(np.mean([r[key] for r in records]))


# --------------------------------------------------------------------------- determinism, API
def test_records_have_step_epoch_and_every_metric() -> None:
    records = _records("healthy", 2000)
    assert len(records) == 200
    assert [r["step"] for r in records] == list(range(10, 2001, 10))
    for r in records:
        assert {"step", "epoch", *METRICS} <= r.keys()
        assert all(isinstance(r[k], float) for k in METRICS)
    assert records[0]["epoch"] == 0 and records[-1]["epoch"] > records[0]["epoch"]
    times = [r["time"] for r in records]
    assert all(b > a for a, b in itertools.pairwise(times))


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    for scenario in SCENARIOS:
        a = [format_record(r, "jsonl") for r in generate_records(scenario, 600, seed=7)]
        b = [format_record(r, "jsonl") for r in generate_records(scenario, 600, seed=7)]
        c = [format_record(r, "jsonl") for r in generate_records(scenario, 600, seed=8)]
        assert a == b
        assert a != c
    for fmt in FORMATS:
        one, two = tmp_path / f"one.{fmt}", tmp_path / f"two.{fmt}"
        assert write_log(one, "diverge", 500, fmt, seed=3) == write_log(
            two, "diverge", 500, fmt, seed=3
        )
        assert one.read_bytes() == two.read_bytes()


def test_bad_arguments_raise_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "x.log"
    with pytest.raises(ValueError, match="scenario"):
        write_log(out, "exploding")
    with pytest.raises(ValueError, match="format"):
        write_log(out, fmt="csv")
    with pytest.raises(ValueError, match="rate"):
        write_log(out, rate=0)
    with pytest.raises(ValueError, match="log_every"):
        write_log(out, steps=5, log_every=10)
    assert not out.exists()
    with pytest.raises(ValueError):
        format_record({"step": 1}, "yaml")
    with pytest.raises(ValueError):
        list(generate_records("nope"))


def test_underscore_scenario_alias_and_stream_output() -> None:
    buf = io.StringIO()
    n = write_log(buf, "kl_explodes", 200, "kv")
    lines = buf.getvalue().splitlines()
    assert n == len(lines) == 2 + 20 + 1  # banner, records, "training finished"


# --------------------------------------------------------------------------- formats
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_and_format_writes_parseable_lines(
    tmp_path: Path, scenario: str, fmt: str
) -> None:
    out = tmp_path / "train.log"
    written = write_log(out, scenario, 300, fmt, seed=1)
    text = _read(out)
    # eval-nan: evaluation rows (their own step counter and keys) beside the training lines
    evals = [ln for ln in re.split(r"[\r\n]", text) if "val_rec_loss" in ln]
    for ln in evals:
        text = text.replace(("\r" if fmt == "tqdm" else "") + ln + "\n", "", 1)
    assert len(evals) == (10 if scenario == "eval-nan" else 0)
    parsed, skipped = _parse(text, fmt)
    records = _records(scenario, 300, seed=1)
    assert [s for s, _ in parsed] == [r["step"] for r in records]
    rel = {"kv": 1e-4, "logging": 1e-4, "jsonl": 0.0, "tqdm": 6e-3}[fmt]
    for (_, got), rec in zip(parsed, records):
        # VAE-GAN scenarios log the generator's and the discriminator's keys on two lines.
        keys = METRICS if not scenario.startswith("gan-") else [k for k in ALL if k in rec]
        assert set(got) >= set(keys)
        for key in keys:
            tol = 6e-3 if fmt == "logging" and key in ("kl_weight", "lr") else rel
            assert _close(got[key], rec[key], tol), (key, got[key], rec[key])
    # Non-metric lines (banner, warnings, footer) carry no step counter, so parsers skip them.
    assert skipped, "a banner is expected"
    for line in skipped:
        assert not STEP_COUNTER.search(line.split("vae.train:")[-1]), line
    assert text.endswith("\n")
    # Lines written: per process the banner (+ tqdm's initial 0% refresh), one per record, the
    # "training finished" footer (not in jsonl) and logging's warning before the first NaN.
    per_process = len(header_lines(scenario, fmt, 300)) + (fmt == "tqdm")
    processes = 2 if scenario in ("restart", "resume-short") else 1
    extra = (fmt != "jsonl") + (fmt == "logging" and scenario == "diverge")
    assert written == processes * per_process + len(records) + extra + len(evals)


def test_kv_and_logging_lines_look_like_the_brief() -> None:
    rec = {
        "step": 1230,
        "epoch": 3,
        "total_loss": 0.15012,
        "rec_loss": 0.006912,
        "kl_loss": 509.21,
        "kl_weight": 1e-4,
        "perception_loss": 0.03221,
        "g_loss": -0.1123,
        "d_weight": 0.8,
        "lr": 1e-4,
        "time": 1795600801.123,
        "total_steps": 20000,
    }
    assert format_record(rec, "kv") == (
        "step 1230 epoch 3 loss=0.15012 rec_loss=0.006912 kl_loss=509.21 kl_weight=0.0001 "
        "perception_loss=0.03221 g_loss=-0.1123 d_weight=0.8 lr=0.0001"
    )
    line = format_record(rec, "logging")
    assert line.startswith("2026-11-25 10:00:01,123 INFO vae.train: epoch 3 step 1230/20000 | ")
    assert "| loss: 0.15012 | rec_loss: 0.006912 | kl_loss: 509.21 |" in line
    obj = json.loads(format_record(rec, "jsonl"))
    assert obj["step"] == 1230 and obj["loss"] == 0.15012 and "total_loss" not in obj


def test_tqdm_refresh_is_a_sorted_three_digit_postfix() -> None:
    rec = next(iter(generate_records("healthy", 2000)))
    rec.update(step=1230, total_steps=10000, elapsed=41.0, kl_loss=509.21, g_loss=-0.1123)
    line = format_record(rec, "tqdm")
    assert line.startswith("\rtrain:  12%|█▏        | 1230/10000 [00:41<04:52, 30.00it/s, ")
    assert "\n" not in line
    keys = re.findall(r", (\w+)=", line)
    assert keys == sorted(keys) == ["d_weight", "g_loss", "kl_loss", "kl_weight", "loss", "lr",
                                    "perception_loss", "rec_loss"]  # fmt: skip
    assert "kl_loss=509," in line and "g_loss=-.112," in line and "kl_weight=0.0001," in line


def test_tqdm_run_is_one_physical_line(tmp_path: Path) -> None:
    out = tmp_path / "bar.log"
    write_log(out, "healthy", 500, "tqdm")
    lines = _read(out).split("\n")
    assert lines[0].startswith("model: ") and lines[1].startswith("config: ")
    assert lines[2].count("\r") == 51  # 0% refresh + 50 records, no newline between them
    assert "500/500" in lines[2].rsplit("\r", 1)[1]
    assert lines[3].startswith("training finished") and lines[4] == ""


def test_jsonl_writes_bare_nan_and_infinity(tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    write_log(out, "diverge", 1000, "jsonl")
    text = _read(out)
    assert '"loss": NaN' in text and '"kl_loss": Infinity' in text
    objs = [json.loads(line) for line in text.splitlines()]
    assert objs[0]["event"] == "config" and "step" not in objs[0]
    assert math.isnan(objs[-1]["loss"])


def test_header_lines_describe_the_run_without_step_counter() -> None:
    for scenario in SCENARIOS:
        for fmt in FORMATS:
            lines = header_lines(scenario, fmt, 2000)
            assert 1 <= len(lines) <= 2
            for line in lines:
                assert "\n" not in line
                assert not STEP_COUNTER.search(line.split("vae.train:")[-1]), line
            assert "latent_dim" in lines[-1] and "kl_weight" in lines[-1]
    assert "kl_anneal" in header_lines("warmup", "kv", 2000)[-1]


# --------------------------------------------------------------------------- scenarios
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_healthy_magnitudes(seed: int) -> None:
    steps = 3000
    records = _records("healthy", steps, seed)
    tail = _tail(records, steps)
    assert 200 < _mean(tail, "kl_loss") < 800
    assert 0.005 < _mean(tail, "rec_loss") < 0.02
    share = np.mean([r["kl_weight"] * r["kl_loss"] / r["total_loss"] for r in tail])
    assert 0.2 < share < 0.45
    assert _mean(tail, "perception_loss") < 0.05
    assert all(math.isfinite(r[k]) for r in records for k in METRICS)
    # KL shoots up to a few thousand early, rec falls from ~0.06.
    assert 1500 < max(r["kl_loss"] for r in records[: len(records) // 5]) < 5000
    assert records[0]["kl_loss"] < 400
    assert records[0]["rec_loss"] > 0.04
    # Flat KL in the last third (< 5% change between its halves), rec not rising.
    half = len(tail) // 2
    kl_a, kl_b = _mean(tail[:half], "kl_loss"), _mean(tail[half:], "kl_loss")
    assert abs(kl_b - kl_a) / kl_a < 0.05
    assert _mean(tail[half:], "rec_loss") <= _mean(tail[:half], "rec_loss") * 1.02
    # The adversarial loss switches on after some steps.
    assert records[0]["d_weight"] == 0.0 and tail[-1]["d_weight"] > 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_collapse_magnitudes(seed: int) -> None:
    steps = 3000
    records = _records("collapse", steps, seed)
    tail = _tail(records, steps)
    assert _mean(tail, "kl_loss") < 10
    assert 0.08 < _mean(tail, "rec_loss") < 0.12
    assert max(r["kl_weight"] * r["kl_loss"] / r["total_loss"] for r in tail) < 0.02
    early = records[len(records) // 10]
    assert early["kl_loss"] > 100 and early["rec_loss"] < 0.05  # it was fine before collapsing


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kl_explodes_magnitudes(seed: int) -> None:
    steps = 3000
    tail = _tail(_records("kl-explodes", steps, seed), steps)
    assert _mean(tail, "kl_loss") > 5000
    third = len(tail) // 3
    assert _mean(tail[-third:], "kl_loss") > _mean(tail[:third], "kl_loss")  # still rising
    assert 15000 < _mean(tail[-5:], "kl_loss") < 30000
    end_share = np.mean([r["kl_weight"] * r["kl_loss"] / r["total_loss"] for r in tail[-20:]])
    assert end_share > 0.9


@pytest.mark.parametrize(("steps", "log_every"), [(2000, 10), (3000, 10), (20000, 50)])
def test_diverge_spikes_then_nan(steps: int, log_every: int) -> None:
    records = _records("diverge", steps, log_every=log_every)
    bad = next(i for i, r in enumerate(records) if not math.isfinite(r["total_loss"]))
    assert 0.75 * steps <= records[bad]["step"] <= 0.85 * steps
    assert all(math.isnan(r[k]) for r in records[bad + 1 :] for k in ("total_loss", "kl_loss"))
    assert all(math.isfinite(r["lr"]) and math.isfinite(r["kl_weight"]) for r in records)
    # Healthy before ~70%, then a few spikes > 10x the running EMA.
    assert all(math.isfinite(r["total_loss"]) for r in records[:bad])
    ema, spikes = records[0]["total_loss"], []
    for r in records[1:bad]:
        if r["total_loss"] > 10 * ema:
            spikes.append(r["step"])
        ema += 0.1 * (r["total_loss"] - ema)
    assert len(spikes) >= 2
    assert min(spikes) >= 0.65 * steps
    before = [r for r in records if 0.4 * steps < r["step"] < 0.65 * steps]
    assert 200 < _mean(before, "kl_loss") < 800 and _mean(before, "rec_loss") < 0.02


def test_diverge_logging_warns_once_before_first_non_finite(tmp_path: Path) -> None:
    out = tmp_path / "d.log"
    write_log(out, "diverge", 1000, "logging")
    lines = _read(out).splitlines()
    warn = [i for i, line in enumerate(lines) if " WARNING " in line]
    assert len(warn) == 1
    assert "loss: inf" in lines[warn[0] + 1] and "loss: nan" in lines[warn[0] + 2]


@pytest.mark.parametrize("seed", [0, 1])
def test_warmup_kl_weight_ramps_then_flat(seed: int) -> None:
    steps = 3000
    records = _records("warmup", steps, seed)
    weights = [r["kl_weight"] for r in records]
    assert weights[0] < 1e-5
    assert all(b >= a for a, b in itertools.pairwise(weights))
    ramp_end = 0.3 * steps
    assert all(r["kl_weight"] == pytest.approx(1e-4) for r in records if r["step"] >= ramp_end)
    assert all(r["kl_weight"] < 1e-4 for r in records if r["step"] < ramp_end - 10)
    assert max(r["kl_loss"] for r in records if r["step"] < ramp_end) > 3000  # high early
    tail = _tail(records, steps)
    assert 200 < _mean(tail, "kl_loss") < 800 and 0.005 < _mean(tail, "rec_loss") < 0.02


@pytest.mark.parametrize("fmt", FORMATS)
def test_restart_steps_go_back_once(tmp_path: Path, fmt: str) -> None:
    steps = 2000
    records = _records("restart", steps)
    backs = [i for i in range(1, len(records)) if records[i]["step"] <= records[i - 1]["step"]]
    assert len(backs) == 1
    assert 0.35 * steps <= records[backs[0] - 1]["step"] <= 0.5 * steps
    assert records[backs[0]]["step"] == 10 and records[-1]["step"] == steps
    assert records[backs[0]]["time"] > records[backs[0] - 1]["time"] + 60  # relaunch gap
    out = tmp_path / "r.log"
    write_log(out, "restart", steps, fmt)
    text = _read(out)
    banner = '"event": "config"' if fmt == "jsonl" else "model: VideoVAE"
    assert text.count(banner) == 2
    if fmt == "tqdm":  # the killed bar never got its newline
        assert re.search(r"\] *model: VideoVAE", text)
    tail = _tail(records, steps)
    assert 200 < _mean(tail, "kl_loss") < 800


# --------------------------------------------------------------------------- live writing
def test_rate_mode_writes_in_real_time() -> None:
    buf = io.StringIO()
    t0 = time.monotonic()
    n = write_log(buf, "healthy", 40, "kv", rate=400.0, log_every=1)
    elapsed = time.monotonic() - t0
    assert n == 2 + 40 + 1
    assert (n - 1) / 400.0 * 0.9 <= elapsed < 2.0


def test_rate_mode_flushes_each_line_and_stops_on_event(tmp_path: Path) -> None:
    out = tmp_path / "live.log"
    stop = threading.Event()
    result: list[int] = []
    writer = threading.Thread(
        target=lambda: result.append(
            write_log(out, "healthy", 1000, "kv", rate=100.0, log_every=1, stop=stop)
        )
    )
    writer.start()
    try:
        time.sleep(0.25)
        seen = _read(out)
        assert seen.endswith("\n")  # whole lines, flushed as they are written
        assert 3 <= seen.count("\n") <= 60
        time.sleep(0.1)
        assert _read(out).count("\n") > seen.count("\n")  # still growing
    finally:
        stop.set()
        t_stop = time.monotonic()
        writer.join(timeout=2.0)
    assert not writer.is_alive()
    assert time.monotonic() - t_stop < 0.5
    lines = _read(out).splitlines()
    assert result == [len(lines)] and len(lines) < 1000
    assert not lines[-1].startswith("training finished")
