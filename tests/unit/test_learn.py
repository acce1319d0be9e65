"""``profile learn`` on every healthy generated log, then ``check --profile`` on the runs of
the same model: healthy siblings excellent or ok, failing ones still bad.

The generated logs are real runs of one small VAE (latent 32) through several loggers; the
manifest says which scenario each file is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.paths import GENERATED
from vaetui.cli import main

pytestmark = pytest.mark.skipif(
    not (GENERATED / "manifest.json").exists(), reason="the shared generated logs are absent"
)
HEALTHY = ("healthy", "warmup", "restart")
FAILING = ("collapse", "kl_explodes", "diverge")


def manifest() -> list[dict]:
    if not (GENERATED / "manifest.json").exists():
        return []
    return json.loads((GENERATED / "manifest.json").read_text())["files"]


def learned(path: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["profile", "learn", str(path), "--name", "mine"]) == 0
    out.write_text(capsys.readouterr().out)
    return out


def overall(path: Path, profile: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    main(["check", "--json", "--profile", str(profile), str(path)])
    return json.loads(capsys.readouterr().out)


REFERENCES = [f["path"] for f in manifest() if f["scenario"] == "healthy"]


@pytest.mark.parametrize("reference", REFERENCES)
def test_learned_profile_judges_the_siblings(
    reference: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = learned(GENERATED / reference, tmp_path / "mine.toml", capsys)
    text = profile.read_text()
    assert 'name = "mine"' in text
    assert "# learned from" in text and "settled KL" in text
    for f in manifest():
        got = overall(GENERATED / f["path"], profile, capsys)
        levels = {c["id"]: c["level"] for c in got["criteria"]}
        if f["scenario"] in HEALTHY:
            assert got["overall"] in ("excellent", "ok"), (f["path"], levels)
            assert levels["kl_zone"] == "excellent", (f["path"], levels)
        elif f["scenario"] in FAILING:
            assert got["overall"] == "bad", (f["path"], levels)


def test_the_seed_bands_call_the_small_model_watch(capsys: pytest.CaptureFixture[str]) -> None:
    """Why learning matters: the seed's raw band calls this 32-latent model's KL ~40 'watch'."""
    main(["check", "--json", str(GENERATED / "plain/healthy.log")])
    levels = {c["id"]: c["level"] for c in json.loads(capsys.readouterr().out)["criteria"]}
    assert levels["kl_zone"] == "watch"


def test_profile_show_explains_each_band(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = learned(GENERATED / "plain/healthy.log", tmp_path / "mine.toml", capsys)
    assert main(["profile", "show", "--profile", str(profile)]) == 0
    shown = capsys.readouterr().out.splitlines()
    i = shown.index(next(line for line in shown if line.startswith("excellent_min = ")))
    assert shown[i - 1].startswith("# learned from healthy.log: settled KL ")
    assert shown[i - 1].endswith("÷ 2")
    # What profile show prints reads back the same (notes included).
    again = tmp_path / "again.toml"
    again.write_text("\n".join(shown) + "\n")
    assert main(["profile", "show", "--profile", str(again)]) == 0
    assert capsys.readouterr().out.splitlines() == shown


def test_learn_refuses_a_diverged_run(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["profile", "learn", str(GENERATED / "plain/diverge.log")])
    assert code == 65
    assert "diverged" in capsys.readouterr().err


def test_gan_profile_keeps_a_second_seed_healthy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vaetui.simulate import write_log

    for seed in (1, 2):
        write_log(tmp_path / f"seed{seed}.log", scenario="gan-healthy", steps=2000, seed=seed)
    write_log(tmp_path / "wins.log", scenario="gan-disc-wins", steps=2000, seed=3)
    profile = learned(tmp_path / "seed1.log", tmp_path / "gan.toml", capsys)
    assert "settled disc_loss" in profile.read_text()
    assert overall(tmp_path / "seed2.log", profile, capsys)["overall"] in ("excellent", "ok")
    wins = overall(tmp_path / "wins.log", profile, capsys)
    assert {c["id"]: c["level"] for c in wins["criteria"]}["adversarial"] == "bad"
