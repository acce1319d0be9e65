"""Every schedule and units scenario written line by line while the real ``vaetui check
--follow --json`` reads it: the levels it ends on, and how many verdict changes it printed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from vaetui.simulate import write_log
from vaetui.simulate.replay import replay_follow
from vaetui.simulate.scenarios import SCHEDULE_SCENARIOS
from vaetui.simulate.truth import TRUTH

STEPS = 2000


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCHEDULE_SCENARIOS)
def test_follow_json_line_by_line(scenario: str, tmp_path: Path) -> None:
    truth = TRUTH[scenario]
    buf = io.StringIO()
    write_log(buf, scenario=scenario, steps=STEPS, fmt="kv")
    args = tuple(f"--{k.replace('_', '-')}={v}" for k, v in truth.options.items())
    changes, final = replay_follow(buf.getvalue().encode(), tmp_path / "run.log", args, rate=800)
    levels = {c["id"]: c["level"] for c in final["criteria"]}
    for cid, want in truth.levels.items():
        assert levels[cid] in want, (cid, levels[cid], want, changes)
    for c in changes:
        assert set(c) >= {"step", "line", "criterion", "from", "to", "summary"}
    if truth.healthy:
        assert not [c for c in changes if c["to"] == "bad"], changes
        # a first ranked level is not a flip (a loaded machine may deliver the log at once)
        late = [
            c
            for c in changes
            if c["from"] not in (None, "n/a", "pending")
            and c["step"] is not None
            and c["step"] > 0.25 * STEPS
        ]
        assert len(late) <= 2 + 2 * truth.schedule_changes, late
