"""`vaetui check --json` against ground truth: the generated logs and the simulator.

The generated logs (``shared/logs/generated``) come with ``manifest.json``: levels computed from
the values the trainer itself recorded. In CI the repository is cloned with ``shared/`` beside
it; when it is absent those tests skip. The simulator tests need nothing outside the repo.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.support.paths import GENERATED
from vaetui.cli import main
from vaetui.core.run import Run
from vaetui.simulate import FORMATS, SCENARIOS, write_log

JUDGED = ("kl_zone", "kl_share", "rec_range", "divergence", "balance")


def _manifest_entries() -> list:
    path = GENERATED / "manifest.json"
    if not path.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{path} not present"))]
    files = json.loads(path.read_text(encoding="utf-8"))["files"]
    return [
        pytest.param(entry, id=entry["path"]) for entry in files if entry["format"] != "tensorboard"
    ]


def _reject(token: str) -> None:
    raise ValueError(f"check --json printed {token}: not strict JSON")


def check_json(path: Path | str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple:
    code = main(["check", "--json", *extra, str(path)])
    captured = capsys.readouterr()
    assert captured.err == ""
    # NaN / Infinity must be written as strings (SPEC: strict parsers rely on the output)
    return code, json.loads(captured.out, parse_constant=_reject)


@pytest.mark.parametrize("entry", _manifest_entries())
def test_generated_log_matches_manifest(entry: dict, capsys: pytest.CaptureFixture[str]) -> None:
    path = GENERATED / entry["path"]
    if not path.is_file():
        pytest.skip(f"{path} not present")
    code, out = check_json(path, capsys)

    levels = {c["id"]: c["level"] for c in out["criteria"]}
    for cid in JUDGED:
        assert levels[cid] == entry["expected"][cid], (cid, levels, entry["expected"])

    assert out["last_step"] == entry["last_step"]
    assert out["records"] == entry["records"]
    assert out["segments"] == 1 + len(entry["restarts"])

    nan_events = [e for e in out["events"] if e["kind"] == "nan"]
    if entry["first_nonfinite_logged_step"] is None:
        assert nan_events == []
    else:
        assert nan_events, out["events"]
        assert nan_events[0]["step"] == entry["first_nonfinite_logged_step"]
        divergence = next(c for c in out["criteria"] if c["id"] == "divergence")
        assert str(entry["first_nonfinite_logged_step"]) in divergence["summary"]

    restarts = [e for e in out["events"] if e["kind"] == "restart"]
    assert len(restarts) == len(entry["restarts"])
    for event, truth in zip(restarts, entry["restarts"]):
        assert event["step"] == truth["to_step"]
        # the manifest names the line where the new process starts writing: its banner,
        # which states kl_weight and the latent size
        if "line" in truth:
            assert event["line"] == truth["line"], (event, truth)

    worst = {"bad": 2, "watch": 1}
    assert code == max((worst.get(lv, 0) for lv in levels.values()), default=0)
    assert out["overall"] in levels.values()


# ------------------------------------------------------------------------------------ simulator
SIM_STEPS = 2000


def simulate(scenario: str, fmt: str) -> Run:
    buf = io.StringIO()
    write_log(buf, scenario=scenario, steps=SIM_STEPS, fmt=fmt)
    run = Run(f"{scenario}.{fmt}")
    run.feed(buf.getvalue().encode("utf-8"))
    run.finish()
    return run


def _levels(run: Run) -> dict[str, str]:
    return {v.id: v.level for v in run.snapshot().criteria}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_simulated_scenario_verdict(scenario: str, fmt: str) -> None:
    run = simulate(scenario, fmt)
    snap = run.snapshot()
    levels = _levels(run)
    # a rerun appended to a finished log ends at its own few records
    assert snap.last_step == (30 if scenario == "resume-short" else SIM_STEPS)
    assert snap.format == ("jsonl" if fmt == "jsonl" else "kv")
    kinds = [e.kind for e in snap.events]

    if scenario in ("healthy", "blurry"):  # blurry: healthy numbers, only its images tell
        assert levels["sharpness"] == "n/a", levels  # the log alone, without its images
        for cid in ("kl_zone", "kl_share", "rec_range", "divergence"):
            assert levels[cid] not in ("watch", "bad"), (cid, levels)
        assert snap.overall in ("excellent", "ok"), levels
        assert "nan" not in kinds
        assert snap.segments == 1
    elif scenario == "collapse":
        assert levels["kl_zone"] == "bad", levels
        assert "collapse" in snap.verdict("kl_zone").summary
    elif scenario == "kl-explodes":
        assert levels["kl_zone"] == "bad", levels
        assert snap.verdict("kl_zone").value > 5000
    elif scenario == "diverge":
        assert levels["divergence"] == "bad", levels
        nan_events = [e for e in snap.events if e.kind == "nan"]
        assert nan_events
        assert nan_events[0].step == 0.8 * SIM_STEPS  # the simulator blows up at 80%
        assert str(int(0.8 * SIM_STEPS)) in snap.verdict("divergence").summary
        assert snap.overall == "bad"
    elif scenario == "warmup":
        assert snap.overall in ("excellent", "ok"), levels
        for cid in ("kl_zone", "kl_share", "rec_range", "divergence"):
            assert levels[cid] in ("excellent", "ok"), (cid, levels)
    elif scenario == "restart":
        assert snap.segments == 2
        restarts = [e for e in snap.events if e.kind == "restart"]
        assert len(restarts) == 1
        assert restarts[0].step == 10
        assert snap.segment_starts == (10.0,)
        for cid in ("kl_zone", "kl_share", "rec_range", "divergence"):
            assert levels[cid] not in ("watch", "bad"), (cid, levels)
    elif scenario.startswith("gan-"):
        from tests.unit.test_gan_scenarios import EXPECTED

        for cid, want in EXPECTED[scenario].items():
            assert levels[cid] == want, (cid, levels)
        assert any("adversarial phase begins" in e.message for e in snap.phases)
    else:
        # The schedule and units scenarios: their ground truth from vaetui.simulate.truth
        # (each scenario's story and the seed's bands).
        from vaetui.simulate.truth import TRUTH

        for cid, want in TRUTH[scenario].levels.items():
            assert levels[cid] in want, (scenario, cid, levels[cid], want)


@pytest.mark.parametrize(
    "fmt",
    [
        pytest.param(
            fmt,
            marks=(),
        )
        for fmt in FORMATS
    ],
)
def test_simulated_warmup_end_is_detected(fmt: str) -> None:
    """kl_weight ramps 0 -> 1e-4 over the first 30%: judging starts where it levels off."""
    snap = simulate("warmup", fmt).snapshot()
    assert snap.warmup_end_step is not None
    assert 0.25 * SIM_STEPS <= snap.warmup_end_step <= 0.35 * SIM_STEPS


@pytest.mark.parametrize("scenario", ["healthy", "collapse", "diverge"])
def test_simulated_check_exit_codes(
    scenario: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{scenario}.log"
    write_log(path, scenario=scenario, steps=SIM_STEPS, fmt="kv")
    code, out = check_json(path, capsys)
    assert code == {"healthy": 0, "collapse": 2, "diverge": 2}[scenario]
    assert out["file"] == str(path)
    assert out["format"] == "kv"
    assert out["records"] == SIM_STEPS // 10
    stall = next(c for c in out["criteria"] if c["id"] == "stall")
    assert stall["level"] == "n/a"


def test_latent_dim_option_reports_kl_per_element(capsys: pytest.CaptureFixture[str]) -> None:
    path = GENERATED / "plain" / "healthy.log"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    _code, raw = check_json(path, capsys)
    _code, per = check_json(path, capsys, "--latent-dim", "32", "--profile", "per-latent")
    assert per["latent_dim"] == 32
    raw_zone = next(c for c in raw["criteria"] if c["id"] == "kl_zone")
    per_zone = next(c for c in per["criteria"] if c["id"] == "kl_zone")
    assert raw_zone["level"] == "watch"  # ~36 nats raw: the seed's bands call that low
    assert per_zone["level"] == "excellent"  # ~1.1 per latent element
    assert per_zone["value"] == pytest.approx(raw_zone["value"] / 32)
