"""The preview judged in a forked child (``vaetui.core.preview.JudgedInChild``): the same
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


def test_the_child_judges_as_the_process_does(big_log: Path, tmp_path: Path) -> None:
    small = _small_log(tmp_path)
    jobs = followed_jobs([str(big_log), str(small), str(tmp_path / "absent.log")], RunOptions())
    here = newest_part_snapshot(str(big_log), "big.log", jobs[0][2])
    assert here is not None
    judged = JudgedInChild(jobs)
    light = judged.light()
    whole = judged.whole()
    assert light is not None and whole is not None
    assert set(light) == set(whole) == {0}  # the small and the missing log have no preview
    for snap in (light[0], whole[0]):
        assert [(v.id, v.level) for v in snap.criteria] == [(v.id, v.level) for v in here.criteria]
        assert (snap.lines, snap.last_step, snap.bytes_total) == (
            here.lines,
            here.last_step,
            here.bytes_total,
        )
        assert set(snap.metrics) == set(here.metrics)
    assert light[0].history == {}
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


def test_a_child_that_hangs_is_given_up_and_killed(
    big_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hang(*_args: object) -> None:
        time.sleep(60)

    monkeypatch.setattr(preview, "newest_part_snapshot", hang)
    judged = JudgedInChild(followed_jobs([str(big_log)], RunOptions()))
    pid = judged._pid
    assert pid is not None
    t0 = time.monotonic()
    assert judged.light(patience=0.5) is None
    assert time.monotonic() - t0 < 10
    assert judged.whole() is None
    with pytest.raises(ChildProcessError):  # killed and reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)


def test_a_child_that_fails_answers_nothing(big_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(preview, "newest_part_snapshot", fail)
    judged = JudgedInChild(followed_jobs([str(big_log)], RunOptions()))
    assert judged.light() is None and judged.whole() is None


def test_without_fork_nothing_is_judged_in_a_child(
    big_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "fork")
    judged = JudgedInChild(followed_jobs([str(big_log)], RunOptions()))
    assert judged.light() is None and judged.whole() is None
