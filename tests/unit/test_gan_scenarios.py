"""The simulated VAE-GAN scenarios (latent-diffusion key names), judged at the end of the run
and inside the discriminator's grace; their phases are events at the right steps."""

from __future__ import annotations

import io

import pytest

from vaetui.core.run import Run
from vaetui.simulate import write_log
from vaetui.simulate.gan import GAN_DISC_START

STEPS = 2000
#: What each scenario shows, criterion -> level at the end of the run.
EXPECTED = {
    "gan-healthy": {
        "adversarial": "excellent",
        "adaptive_weight": "excellent",
        "logvar": "excellent",
    },
    "gan-disc-wins": {"adversarial": "bad"},
    "gan-diverge": {"adversarial": "bad"},
    "gan-clamp": {"adaptive_weight": "bad", "adversarial": "excellent"},
    "gan-logvar": {"logvar": "watch", "adversarial": "excellent"},
}


def sim_text(scenario: str, fmt: str = "kv", steps: int = STEPS) -> str:
    out = io.StringIO()
    write_log(out, scenario=scenario, steps=steps, fmt=fmt)
    return out.getvalue()


def judged(text: str) -> Run:
    run = Run("gan.log")
    run.feed(text.encode())
    run.finish()
    return run


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
@pytest.mark.parametrize("fmt", ["kv", "jsonl", "logging"])
def test_scenario_judged_at_the_end(scenario: str, fmt: str) -> None:
    snap = judged(sim_text(scenario, fmt)).snapshot()
    levels = {v.id: v.level for v in snap.criteria}
    for cid, want in EXPECTED[scenario].items():
        assert levels[cid] == want, (cid, snap.verdict(cid))
    assert "g_loss" in snap.metrics and "disc_loss" in snap.metrics  # train/ prefix stripped
    starts = [e for e in snap.phases if "adversarial phase begins" in e.message]
    assert [e.step for e in starts] == [GAN_DISC_START * STEPS]
    assert starts[0].line is not None and "disc_factor 0 -> 1" in starts[0].message


def test_healthy_gan_is_healthy_overall() -> None:
    snap = judged(sim_text("gan-healthy")).snapshot()
    assert snap.overall in ("excellent", "ok"), [(v.id, v.level) for v in snap.criteria]


def test_grace_after_the_discriminator_switches_on() -> None:
    """Inside the grace the adversarial half is pending and the start bump breaks no trend;
    after it, the run is judged again."""
    lines = sim_text("gan-healthy").splitlines(keepends=True)
    start = GAN_DISC_START * STEPS
    # The generator and discriminator lines of the first 5 records after the switch.
    cut = next(i for i, line in enumerate(lines) if line.startswith(f"step {int(start) + 50} "))
    early = judged("".join(lines[:cut])).snapshot()
    adv = early.verdict("adversarial")
    assert adv is not None and adv.level == "pending" and "switched on" in adv.summary
    assert early.verdict("adaptive_weight").level == "pending"
    for cid in ("balance", "rec_range"):  # the bump is in the reconstruction
        assert early.verdict(cid).level in ("excellent", "ok"), early.verdict(cid)
    late = judged("".join(lines[: cut + 200])).snapshot()
    assert late.verdict("adversarial").level == "excellent"


def test_without_grace_the_bump_shows() -> None:
    """The grace is what keeps the bump out: with none, rec's jump reaches the judged values."""
    from dataclasses import replace

    from vaetui.core.options import RunOptions
    from vaetui.core.profile import Phases, Profile

    lines = sim_text("gan-healthy").splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.startswith("step 660 "))
    text = "".join(lines[:cut]).encode()
    graced, bare = Run("a"), Run("b", RunOptions(profile=replace(Profile(), phases=Phases(0))))
    for run in (graced, bare):
        run.feed(text)
    rec_graced = graced.snapshot().verdict("rec_range").value
    rec_bare = bare.snapshot().verdict("rec_range").value
    assert rec_bare > rec_graced * 1.05
