"""Each simulated VAE-GAN scenario followed live by the real ``vaetui check --follow --json``.

The simulator writes the log line by line while the follower process reads it; the verdict
changes it prints must reach each scenario's expected adversarial level, and its final summary
must agree with the whole-file judgement.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.test_robustness import FollowProcess, follow_proc, needs_proc, summary_of
from tests.unit.test_gan_scenarios import EXPECTED, STEPS
from vaetui.simulate import write_log

__all__ = ["follow_proc"]  # the fixture, imported for this module's tests


@needs_proc
@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_judged_live(
    scenario: str, tmp_path: Path, follow_proc: Callable[[Path, bool], FollowProcess]
) -> None:
    path = tmp_path / f"{scenario}.log"
    path.write_text("")
    proc = follow_proc(path, False)
    proc.caught_up()
    # Fast for a trainer, yet slow enough to come in several reads: a level first seen in
    # the very last read is held for its dwell (``vaetui.core.steady``) and shown only after.
    writer = threading.Thread(
        target=write_log,
        kwargs={"path": path, "scenario": scenario, "steps": STEPS, "rate": 400.0},
    )
    writer.start()
    writer.join(timeout=60)
    proc.caught_up()
    rc, out, err = proc.stop(signal.SIGINT)
    summary = summary_of(rc, out, err)
    changes = [json.loads(line) for line in out.strip().splitlines()[:-1]]
    levels = {c["id"]: c["level"] for c in summary["criteria"]}
    for cid, want in EXPECTED[scenario].items():
        assert levels[cid] == want, (cid, summary["criteria"])
        reached = [c for c in changes if c["criterion"] == cid and c["to"] == want]
        assert reached, (cid, want, changes)
        if cid in ("adversarial", "adaptive_weight"):  # judged once the discriminator is on
            assert reached[0]["step"] >= 0.3 * STEPS
    phases = [e for e in summary["events"] if e["kind"] == "phase"]
    assert any("adversarial phase begins" in e["message"] for e in phases)
