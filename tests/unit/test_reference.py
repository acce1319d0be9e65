"""A run compared with a reference run: the sentences, the curves, and check's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.snapshots import write_sim
from vaetui.cli import main
from vaetui.core.options import RunOptions
from vaetui.core.reference import read_reference, sentence
from vaetui.core.run import Run


def test_sentences() -> None:
    assert sentence("KL", 40.0, 100.0) == "KL is 60% below the reference at this step (40 vs 100)"
    assert sentence("KL", 103.0, 100.0).startswith("KL is within 5% of the reference")
    assert sentence("rec_loss", 0.03, 0.01).startswith("rec_loss is 3.0x the reference")
    assert sentence("KL", 0.0003, 40.0).startswith("KL is below 1% of the reference")
    assert sentence("the total loss", 1.5, 1.0, 900.0) == (
        "The total loss is 50% above the reference at its last step 900 (1.5 vs 1)"
    )
    assert sentence("logvar", -0.8, -0.3) == (
        "logvar is 0.5 below the reference at this step (-0.8 vs -0.3)"
    )


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ref")
    return {s: write_sim(d / f"{s}.log", s, steps=2000) for s in ("healthy", "collapse")}


def test_collapse_against_a_healthy_reference(logs: dict[str, Path]) -> None:
    ref = read_reference(str(logs["healthy"]), RunOptions())
    run = Run("collapse.log", RunOptions(reference=ref))
    run.feed(logs["collapse"].read_bytes())
    snap = run.snapshot()
    assert snap.reference is not None
    assert "kl_loss" in snap.reference.history  # the curve the plot overlays
    (kl,) = snap.reference.lines_for("kl_zone")
    assert kl.startswith("KL is below 1% of the reference at this step")
    comparison = next(c for c in snap.reference.comparisons if c.criterion == "kl_zone")
    assert comparison.value < 0.05 * comparison.reference  # KL ~2 against ~500
    assert comparison.reference_step == snap.last_step  # aligned by step


def test_check_prints_the_comparison(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["check", str(logs["collapse"]), "--reference", str(logs["healthy"])]
    assert main([*args, "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    texts = [c["text"] for c in out["reference"]["comparisons"]]
    assert out["reference"]["file"].endswith("healthy.log")
    assert any(t.startswith("KL is") for t in texts)
    main(args)
    human = capsys.readouterr().out
    assert "compared with the reference" in human
    assert "KL is below 1% of the reference at this step" in human


def test_a_bad_reference_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write_sim(tmp_path / "h.log", "healthy", steps=200)
    assert main(["check", str(log), "--reference", str(tmp_path / "missing.log")]) == 66
    assert "reference" in capsys.readouterr().err
    empty = tmp_path / "empty.log"
    empty.write_text("no numbers here\n")
    assert main(["check", str(log), "--reference", str(empty)]) == 65
    assert "no metric lines" in capsys.readouterr().err
