"""Verdicts you can trust: every schedule and units scenario judged at the end and followed
live, the detection lags, the evidence stamps, and healthy runs under noise (property tests).

Ground truth for the scenarios is ``vaetui.simulate.truth`` (each scenario's story and the
seed's bands); the live replays feed the log one physical line at a time through the core, as
``check --follow`` reads it (``tests/e2e/test_follow_scenarios.py`` does it through the CLI).
"""

from __future__ import annotations

import io
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaetui.core.options import RunOptions
from vaetui.core.phases import detect
from vaetui.core.run import Run
from vaetui.simulate import generate_records, write_log
from vaetui.simulate.replay import replay_in_process
from vaetui.simulate.scenarios import SCHEDULE_SCENARIOS
from vaetui.simulate.truth import TRUTH, evidence

STEPS = 2000


def _log(scenario: str, steps: int = STEPS, fmt: str = "kv") -> bytes:
    buf = io.StringIO()
    write_log(buf, scenario=scenario, steps=steps, fmt=fmt)
    return buf.getvalue().encode("utf-8")


def _options(scenario: str, live: bool) -> RunOptions:
    return RunOptions(live=live, **TRUTH[scenario].options)  # type: ignore[arg-type]


@pytest.mark.parametrize("scenario", SCHEDULE_SCENARIOS)
def test_new_scenario_end_and_live(scenario: str) -> None:
    truth = TRUTH[scenario]
    data = _log(scenario)
    run = Run(scenario, _options(scenario, live=False))
    run.feed(data)
    run.finish()
    end = {v.id: v.level for v in run.snapshot().criteria}
    for cid, want in truth.levels.items():
        assert end[cid] in want, (cid, end[cid], want)

    replay = replay_in_process(data, _options(scenario, live=True))
    live = {v.id: v.level for v in replay.final.criteria}  # type: ignore[union-attr]
    for cid, want in truth.levels.items():
        assert live[cid] in want, ("live", cid, live[cid], want)
    if truth.healthy:
        for cid, shown in replay.shown.items():
            assert "bad" not in shown, (cid, [c for c in replay.changes if c.criterion == cid])


@pytest.mark.parametrize("scenario", [s for s in SCHEDULE_SCENARIOS if TRUTH[s].healthy])
def test_new_healthy_scenario_late_change_budget(scenario: str) -> None:
    truth = TRUTH[scenario]
    replay = replay_in_process(_log(scenario), _options(scenario, live=True))
    late = replay.flaps(0.25)
    budget = 2 * len(replay.spans) + 2 * truth.schedule_changes
    assert len(late) <= budget, late


@pytest.mark.parametrize("scenario", ["collapse", "kl-raised", "danger-zone", "diverge"])
def test_detection_lag_and_stamp(scenario: str) -> None:
    data = _log(scenario)
    replay = replay_in_process(data)
    for ev in evidence(scenario, generate_records(scenario, STEPS)):
        seen = replay.first(ev.criterion, ev.level)
        assert seen is not None, (ev, replay.changes)
        if ev.budget is not None:
            assert seen.read_step - ev.step <= ev.budget, (ev, seen)
            # stamped where the evidence began, not at the read
            assert seen.step is not None and abs(seen.step - ev.step) <= ev.budget, (ev, seen)
        if ev.criterion == "divergence":
            assert seen.step == ev.step and seen.line is not None


def test_nan_stamp_is_the_first_nan_line_however_lines_arrive() -> None:
    """Lines in batches: the change still carries the NaN's own step and line."""
    data = _log("diverge")
    run = Run("batched", RunOptions(live=True))
    chunk = 700  # several records per read
    for i in range(0, len(data), chunk):
        run.feed(data[i : i + chunk])
        run.snapshot()
    changes = [
        c for c in run.snapshot().changes if c.criterion == "divergence" and c.after == "bad"
    ]
    text = data.decode()
    first_nan = next(
        i for i, line in enumerate(text.splitlines(), 1) if "=nan" in line or "=inf" in line
    )
    assert changes and changes[0].step == 0.8 * STEPS
    assert changes[0].line == first_nan


def test_kl_weight_raised_is_a_phase_event_not_warmup() -> None:
    run = Run("raised")
    run.feed(_log("kl-raised"))
    run.finish()
    snap = run.snapshot()
    # (the learning rate's warm-up and the discriminator's start are phases of their own)
    phases = [e for e in snap.events if e.kind == "phase" and "kl_weight" in e.message]
    assert len(phases) == 1 and "raised" in phases[0].message
    assert phases[0].step in snap.phase_steps
    assert phases[0].step == pytest.approx(1010, abs=20)
    assert snap.warmup_end_step is not None and snap.warmup_end_step < 200
    assert snap.verdict("kl_zone").level == "bad"  # type: ignore[union-attr]


def test_cyclical_schedule_is_recognised_and_judged_at_full_weight() -> None:
    records = list(generate_records("cyclical", STEPS))
    steps = np.array([r["step"] for r in records], float)
    weights = np.array([r["kl_weight"] for r in records])
    schedule = detect(steps, weights)
    assert schedule.cyclic and len(schedule.changes) == 4
    run = Run("cyc")
    run.feed(_log("cyclical"))
    run.finish()
    share = run.snapshot().verdict("kl_share")
    assert share is not None and share.level == "excellent" and "full weight" in share.summary


def test_sum_reduced_rec_is_not_bad_and_rec_scale_converts_it() -> None:
    data = _log("sum-reduced")
    run = Run("sum")
    run.feed(data)
    run.finish()
    v = run.snapshot().verdict("rec_range")
    assert v is not None and v.level == "watch" and "--rec-scale" in v.summary
    scaled = Run("sum", RunOptions(rec_scale=3 * 64 * 64))
    scaled.feed(data)
    scaled.finish()
    assert scaled.snapshot().verdict("rec_range").level == "excellent"  # type: ignore[union-attr]


def test_capacity_objective_reads_inconsistent_never_bad() -> None:
    run = Run("cap")
    run.feed(_log("capacity"))
    run.finish()
    v = run.snapshot().verdict("kl_share")
    assert v is not None and v.level == "n/a"
    assert v.summary.startswith("inconsistent: the total is not rec + kl_weight·KL")


def test_short_resume_shows_the_previous_segment_labelled() -> None:
    run = Run("resume")
    run.feed(_log("resume-short"))
    run.finish()
    snap = run.snapshot()
    assert snap.segments == 2
    zone = snap.verdict("kl_zone")
    assert zone is not None and zone.level == "excellent"
    assert zone.summary.startswith("previous segment: ")


def test_finished_log_reads_finished_and_stall_does_not_watch() -> None:
    run = Run("done", RunOptions(live=True))
    run.feed(_log("healthy", 500))
    run.note_history_time(1.0)  # written long ago
    snap = run.snapshot()
    assert snap.finished
    assert snap.verdict("stall").level == "n/a"  # type: ignore[union-attr]
    assert snap.overall != "watch"


def _unfinished(scenario: str, steps: int) -> bytes:
    """A simulated log without its last line (``training finished``): a trainer that stopped."""
    data = _log(scenario, steps)
    assert data.rstrip().rsplit(b"\n", 1)[1].startswith(b"training finished")
    return data.rstrip().rsplit(b"\n", 1)[0] + b"\n"


def test_a_quiet_live_run_turns_stall_watch_on_time_alone() -> None:
    """No record comes to count a dwell: the stall verdict and its age follow the clock."""
    run = Run("quiet", RunOptions(live=True))
    run.feed(_unfinished("healthy", 500))
    last = run.snapshot().last_record_time
    assert last is not None
    early = run.snapshot(now=last + 30)
    assert early.verdict("stall").level == "excellent"  # type: ignore[union-attr]
    assert early.stall_after == 60.0 and early.stall_watch_at() == last + 60.0
    late = run.snapshot(now=last + 61)
    stall = late.verdict("stall")
    assert stall is not None and stall.level == "watch" and stall.value == pytest.approx(61)
    assert late.stall_watch_at() is None  # nothing more to wait for
    assert [c.criterion for c in late.changes if c.after == "watch"] == ["stall", "overall"]
    later = run.snapshot(now=last + 90)
    assert later.verdict("stall").value == pytest.approx(90)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "end",
    [
        "training finished: 2000 steps in 14:26",
        "Training completed. Do not forget to share your model on huggingface.co/models =)",
        "`Trainer.fit` stopped: `max_epochs=5` reached.",
        "INFO Finished training after 5 epochs",
    ],
)
def test_a_run_that_says_it_is_over_is_not_stalled(end: str) -> None:
    """Quiet after the trainer's own last word is the end of training, not a hung trainer;
    a record after it (training resumed, or a new run appended) is watched again."""
    run = Run("over", RunOptions(live=True))
    run.feed(_unfinished("healthy", 500) + f"{end}\n".encode())
    last = run.snapshot().last_record_time
    assert last is not None
    snap = run.snapshot(now=last + 300)
    stall = snap.verdict("stall")
    assert stall is not None and stall.level == "excellent" and "over" in stall.summary
    assert snap.stall_watch_at() is None
    run.feed(b"step 100000 loss=0.1 rec_loss=0.007 kl_loss=500\n")
    assert run.snapshot().stall_watch_at() is not None


@pytest.mark.parametrize("line", ["Training epoch 3 done, loss=0.1", "warm-up finished"])
def test_a_line_about_part_of_training_is_not_its_end(line: str) -> None:
    run = Run("going", RunOptions(live=True))
    run.feed(_unfinished("healthy", 500) + f"{line}\n".encode())
    last = run.snapshot().last_record_time
    assert last is not None
    assert run.snapshot(now=last + 120).verdict("stall").level == "watch"  # type: ignore[union-attr]


# ------------------------------------------------------------------------- property tests
def _healthy_text(noise: float, every: int, records: int, seed: int) -> bytes:
    """A healthy run in the seed's numbers: KL settles at ~500, MSE falls to ~0.007."""
    rng = random.Random(seed)
    lines = ["config: kl_weight=1e-4 latent_dim=16"]
    total_steps = every * records
    for i in range(1, records + 1):
        s = i * every
        t = s / total_steps
        kl = (500.0 + 2500.0 * math.exp(-t / 0.06)) * (1 + rng.gauss(0, noise))
        rec = (0.0068 + 0.003 * (1 - t) + 0.04 * math.exp(-t / 0.05)) * (1 + rng.gauss(0, noise))
        perc = (0.03 + 0.2 * math.exp(-t / 0.06)) * (1 + rng.gauss(0, noise))
        total = rec + 1e-4 * kl + perc + 0.06
        lines.append(
            f"step {s} loss={total:.6g} rec_loss={rec:.6g} kl_loss={kl:.6g} kl_weight=0.0001 "
            f"perception_loss={perc:.6g}"
        )
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    noise=st.floats(0.005, 0.03),
    every=st.sampled_from([1, 5, 10, 25, 50, 100]),
    seed=st.integers(0, 10_000),
)
def test_healthy_runs_under_noise_stay_steady(noise: float, every: int, seed: int) -> None:
    records = 200
    replay = replay_in_process(_healthy_text(noise, every, records, seed))
    late = replay.flaps(0.25)
    assert len(late) <= 2, late


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    noise=st.floats(0.005, 0.03),
    every=st.sampled_from([1, 5, 10, 25, 50, 100]),
    seed=st.integers(0, 10_000),
)
def test_healthy_runs_under_noise_raise_no_false_alarm(noise: float, every: int, seed: int) -> None:
    records = 200
    replay = replay_in_process(_healthy_text(noise, every, records, seed))
    for cid, shown in replay.shown.items():
        assert "bad" not in shown, (cid, replay.changes)
    assert replay.final is not None and replay.final.overall in ("excellent", "ok")
