"""Runs not on screen keep their histories compact, and that changes nothing they show.

Compaction only gives back the spare room of the history buffers (and of the record index):
every point stays as it was, so every summary, verdict and event is the same as without it,
however the log arrives and whenever the run leaves or comes back on screen.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tests.support.snapshots import write_sim
from vaetui.core.options import RunOptions
from vaetui.core.run import Run
from vaetui.core.snapshot import Snapshot

NOW = 2_000_000_000.0


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


class _Clock:
    """One wall clock for the runs compared: each reads a chunk at the same moment."""

    def __init__(self) -> None:
        self.now = NOW - 100_000.0

    def __call__(self) -> float:
        return self.now


def _same(a: Snapshot, b: Snapshot) -> None:
    """Equal in everything, down to how long each run has been quiet."""
    assert dataclasses.replace(a, history={}) == dataclasses.replace(b, history={})
    assert a.history.keys() == b.history.keys()
    for name, series in a.history.items():
        other = b.history[name]
        for column in ("steps", "values", "segments"):
            assert np.array_equal(getattr(series, column), getattr(other, column), equal_nan=True)


def _buffer_bytes(run: Run) -> int:
    recorder = run._recorder
    total = sum(
        c._buf.nbytes for h in recorder.histories.values() for c in (h.steps, h.values, h.segments)
    )
    return total + recorder.index.steps._buf.nbytes + recorder.index.lines._buf.nbytes


@pytest.mark.parametrize("scenario", ["healthy", "collapse", "restart", "kl-explodes"])
def test_compact_and_roomy_runs_show_the_same(tmp_path: Path, scenario: str) -> None:
    data = write_sim(tmp_path / f"{scenario}.log", scenario, 12_000).read_bytes()
    options = RunOptions(live=True)
    clock = _Clock()
    roomy, compact, toggled = (Run("a", options, clock) for _ in range(3))
    compact.set_compact(True)
    chunks = _chunks(data, 7_919)  # odd sizes: records cut across reads
    for i, chunk in enumerate(chunks):
        clock.now += 0.37
        for run in (roomy, compact, toggled):
            run.feed(chunk)
        if i % 17 == 0:  # pictures along the way: the verdict trackers see the same
            snaps = [r.snapshot(now=NOW + i) for r in (roomy, compact, toggled)]
            _same(snaps[0], snaps[1])
            _same(snaps[0], snaps[2])
        if i % 23 == 0:
            toggled.set_compact(not toggled.compact)  # leaves and comes back on screen
    for run in (roomy, compact, toggled):
        run.finish()
    final = [r.snapshot(now=NOW + len(chunks)) for r in (roomy, compact, toggled)]
    _same(final[0], final[1])
    _same(final[0], final[2])
    assert [v.level for v in final[0].criteria] == [v.level for v in final[1].criteria]
    assert _buffer_bytes(compact) < _buffer_bytes(roomy)


def test_compacting_gives_back_the_spare_room(tmp_path: Path) -> None:
    data = write_sim(tmp_path / "healthy.log", "healthy", 40_000).read_bytes()
    run = Run("a", RunOptions(live=True))
    for chunk in _chunks(data, 4_096):  # a log growing a little at a time
        run.feed(chunk)
    before = run.snapshot(now=NOW)
    roomy = _buffer_bytes(run)
    run.set_compact(True)
    compact = _buffer_bytes(run)
    points = sum(len(h) for h in run._recorder.histories.values())
    assert compact < roomy
    # No more than the points themselves (8 + 8 + 4 bytes each) and the record index.
    index = len(run._recorder.index) * 16
    assert compact == points * 20 + index
    _same(before, run.snapshot(now=NOW))
