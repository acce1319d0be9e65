"""The preview judged in a forked child (``vaetui.core.preview.JudgedInChild``): the options
made there (or the command line refused there, the refusal raised in the caller), the same
verdicts as judged in the process, light snapshots that need no numpy, and a child that
fails or hangs costing nothing but the wait."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from vaetui.core import preview
from vaetui.core.options import RunOptions
from vaetui.core.preview import (
    PREVIEW_BYTES,
    JudgedInChild,
    NotPlain,
    followed_jobs,
    light_bytes,
    newest_part_snapshot,
)
from vaetui.core.profile import load_profile
from vaetui.errors import InputError, UsageError
from vaetui.simulate import log_chunks


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = tmp_path_factory.mktemp("preview") / "big.log"
    log.write_text("".join(log_chunks("healthy", 160_000, "kv", 0, 10)))
    assert log.stat().st_size > 2 * PREVIEW_BYTES
    return log


def _small_log(tmp_path: Path) -> Path:
    log = tmp_path / "small.log"
    log.write_text("".join(f"step {s} loss=1.0 kl_loss=400\n" for s in range(0, 500, 10)))
    return log


def _defaults() -> RunOptions:
    return RunOptions()


def test_the_child_judges_as_the_process_does(big_log: Path, tmp_path: Path) -> None:
    small = _small_log(tmp_path)
    paths = [str(big_log), str(small), str(tmp_path / "absent.log")]
    jobs = followed_jobs(paths, RunOptions())
    here = newest_part_snapshot(str(big_log), "big.log", jobs[0][2])
    assert here is not None
    judged = JudgedInChild(paths, _defaults)
    accepted = judged.accepted()
    assert accepted is not None and accepted.options() == RunOptions()
    assert accepted.options() is accepted.options()  # read back once
    assert accepted.images_expected is False
    light = judged.light()
    whole = judged.whole()
    assert light is not None and whole is not None
    # The small and the missing log have no preview: the child says so.
    assert light[1] is None and light[2] is None and set(whole) == {0}
    assert light[0] is not None
    for snap in (light[0], whole[0]):
        assert snap is not None
        assert [(v.id, v.level) for v in snap.criteria] == [(v.id, v.level) for v in here.criteria]
        assert (snap.lines, snap.last_step, snap.bytes_total) == (
            here.lines,
            here.last_step,
            here.bytes_total,
        )
        assert set(snap.metrics) == set(here.metrics)
    assert light[0] is not None and light[0].history == {}
    assert set(whole[0].history) == set(here.history)
    for name, series in here.history.items():
        assert np.array_equal(whole[0].history[name].values, series.values, equal_nan=True)
    assert judged.whole() is whole  # decoded once


def test_a_light_snapshot_holds_plain_numbers_only(big_log: Path) -> None:
    snap = newest_part_snapshot(str(big_log), "big.log", RunOptions(live=True))
    assert snap is not None
    light = pickle.loads(light_bytes(snap))
    numbers = [v.value for v in light.criteria] + [m.last for m in light.metrics.values()]
    assert numbers and all(type(x) in (float, int, type(None)) for x in numbers)
    assert [v.level for v in light.criteria] == [v.level for v in snap.criteria]
    with pytest.raises(NotPlain):  # an array anywhere else is refused, not smuggled in
        light_bytes(dataclasses.replace(snap, segment_starts=np.arange(3)))


def test_reading_a_light_snapshot_back_loads_no_numpy(big_log: Path) -> None:
    snap = newest_part_snapshot(str(big_log), "big.log", RunOptions(live=True))
    assert snap is not None
    data = light_bytes(snap)
    code = (
        "import pickle, sys\n"
        "snap = pickle.loads(sys.stdin.buffer.read())\n"
        "print(snap.overall, 'numpy' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=data, capture_output=True, check=True, timeout=60
    )
    assert out.stdout.decode().split() == [snap.overall, "False"]


@pytest.mark.parametrize("where", ["making the options", "judging"])
def test_a_child_that_hangs_is_given_up_and_killed(
    big_log: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    def hang(*_args: object) -> RunOptions:
        time.sleep(60)
        return RunOptions()

    if where == "judging":
        monkeypatch.setattr(preview, "newest_part_snapshot", hang)
    judged = JudgedInChild([str(big_log)], hang if where == "making the options" else _defaults)
    pid = judged._pid
    assert pid is not None
    t0 = time.monotonic()
    # Where it hangs making the options, it says nothing; judging, it has said yes first.
    assert (judged.accepted(patience=0.5) is None) == (where == "making the options")
    assert judged.light(patience=0.5) is None
    assert time.monotonic() - t0 < 10
    assert judged.whole() is None
    with pytest.raises(ChildProcessError):  # killed and reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)


def test_a_child_that_fails_answers_nothing(big_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(preview, "newest_part_snapshot", fail)
    judged = JudgedInChild([str(big_log)], _defaults)
    assert judged.light() is None and judged.whole() is None


def test_without_fork_nothing_is_judged_in_a_child(
    big_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "fork")
    judged = JudgedInChild([str(big_log)], _defaults)
    assert judged.light() is None and judged.whole() is None


def test_the_childs_options_are_the_ones_it_was_asked_to_make(big_log: Path) -> None:
    wanted = RunOptions(fmt="kv", profile=load_profile("per-latent"), kl_weight=1e-6, rank=1)
    judged = JudgedInChild([str(big_log)], lambda: wanted)
    accepted = judged.accepted()
    assert accepted is not None and accepted.options() == wanted
    whole = judged.whole()
    assert whole is not None and whole[0].records > 0
    judged.close()


def test_images_beside_a_log_are_expected(tmp_path: Path) -> None:
    log = _small_log(tmp_path)
    (tmp_path / "images").mkdir()
    beside = JudgedInChild([str(log)], _defaults)
    accepted = beside.accepted()
    assert accepted is not None and accepted.images_expected is True
    given = JudgedInChild([str(log)], lambda: RunOptions(images=str(tmp_path / "elsewhere")))
    assert (accepted := given.accepted()) is not None and accepted.images_expected is True
    for judged in (beside, given):
        judged.close()  # reaped: no zombie left


@pytest.mark.parametrize(
    ("refusal", "code"),
    [
        (UsageError("unknown format 'nope': choose one of auto, kv"), 64),
        (InputError("/data/runs is a directory, not a log file"), 66),
        (InputError("reference good.log: no metrics", 65), 65),
    ],
)
def test_a_refusal_in_the_child_is_raised_by_the_caller(
    big_log: Path, refusal: Exception, code: int
) -> None:
    def refuse() -> RunOptions:
        raise refusal

    judged = JudgedInChild([str(big_log)], refuse)
    with pytest.raises(type(refusal)) as raised:
        judged.accepted()
    assert str(raised.value) == str(refusal)
    assert getattr(raised.value, "code", 64) == code
    assert judged.light() is None and judged.whole() is None  # nothing was judged


def test_a_child_whose_options_fail_otherwise_leaves_them_to_the_caller(big_log: Path) -> None:
    def broken() -> RunOptions:
        raise RuntimeError("a bug")

    judged = JudgedInChild([str(big_log)], broken)
    assert judged.accepted() is None  # the caller makes them, and meets the bug itself
    assert judged.light() is None


def test_a_profile_of_ones_own_travels_back_from_the_child(tmp_path: Path) -> None:
    """A TOML profile with its own line format (a compiled pattern) is read in the child
    and comes back the same."""
    profile = tmp_path / "mine.toml"
    profile.write_text(
        '[[formats]]\nname = "mytrainer"\n'
        "pattern = 'it (?P<step>\\d+) \\| nll (?P<nll>\\S+) \\| kld (?P<kld>\\S+)'\n"
        "[kl_zone]\nexcellent_min = 150.0\n"
    )
    log = tmp_path / "train.log"
    log.write_text("".join(f"it {s} | nll 0.02 | kld 300\n" for s in range(1, 50)))

    def prepare() -> RunOptions:
        return RunOptions(fmt="mytrainer", profile=load_profile(str(profile)))

    wanted = prepare()
    judged = JudgedInChild([str(log)], prepare)
    accepted = judged.accepted()
    assert accepted is not None
    assert accepted.options() == wanted
    assert accepted.options().profile.line_format("mytrainer") is not None
    judged.close()
