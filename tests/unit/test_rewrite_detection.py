"""A file truncated and written again is never taken for one that grew, even when every
line ends with the same bytes (fixed widths, a constant host and GPU field at the end)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from vaetui.core.follow import Follower
from vaetui.core.options import RunOptions
from vaetui.core.run import Run
from vaetui.core.source import REWRITTEN, FileSource

#: More than a block of constant bytes at the end of every line.
_SUFFIX = " host=gpu-node-0001 gpu=NVIDIA-A100-SXM4-80GB driver=535.104.05 cuda=12.2 " + "-" * 40


def _lines(steps: range, kl: float) -> bytes:
    return "".join(
        f"step {s:06d} loss=0.5000 rec_loss=0.0100 kl_loss={kl:07.2f}{_SUFFIX}\n" for s in steps
    ).encode()


def _read_all(source: FileSource) -> tuple[bytes, list[str]]:
    data, reasons = b"", []
    while True:
        result = source.read(1 << 20)
        if result.reset:
            data = b""
            reasons.append(result.reason)
        data += result.data
        if not result.data and not result.reset:
            return data, reasons


def _rewrite(path: Path, content: bytes) -> None:
    """Truncate and write again in one go, keeping the inode (as ``> log`` does)."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, content)
    finally:
        os.close(fd)


def test_a_rewrite_longer_than_the_offset_is_read_from_its_start(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(_lines(range(300), 500.0))
    source = FileSource(path)
    assert _read_all(source)[0] == path.read_bytes()
    new = _lines(range(400), 480.0)  # a restarted run: the same shape, other numbers
    _rewrite(path, new)
    data, reasons = _read_all(source)
    source.close()
    assert reasons == [REWRITTEN]
    assert data == new


def test_a_rewrite_of_the_same_size_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(_lines(range(300), 500.0))
    source = FileSource(path)
    _read_all(source)
    new = _lines(range(1000, 1300), 500.0)
    assert len(new) == path.stat().st_size
    time.sleep(0.01)  # a new modification time
    _rewrite(path, new)
    data, reasons = _read_all(source)
    source.close()
    assert reasons == [REWRITTEN]
    assert data == new


def test_plain_growth_is_no_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(_lines(range(300), 500.0))
    source = FileSource(path)
    _read_all(source)
    with path.open("ab") as fh:
        fh.write(_lines(range(300, 400), 500.0))
    data, reasons = _read_all(source)
    source.close()
    assert reasons == []
    assert data == _lines(range(300, 400), 500.0)


@pytest.mark.parametrize("poll", [False, True], ids=["inotify", "poll"])
def test_a_followed_rewrite_loses_no_line_and_is_an_event(tmp_path: Path, poll: bool) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(_lines(range(300), 500.0))
    run = Run("train.log", RunOptions(live=True))
    follower = Follower(path, run, poll=poll, safety_interval=0.2)
    follower.start()
    try:
        _wait(follower, run, 300)
        _rewrite(path, _lines(range(400), 480.0))
        _wait(follower, run, 700)
        with follower.lock:
            snap = run.snapshot()
    finally:
        follower.stop()
    assert len(snap.history["kl_loss"].values) == 700
    assert snap.segments == 2
    assert [e.kind for e in snap.events].count("truncation") == 1


def _wait(follower: Follower, run: Run, points: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with follower.lock:
            snap = run.snapshot()
        if "kl_loss" in snap.history and len(snap.history["kl_loss"].values) >= points:
            return
        time.sleep(0.05)
    raise AssertionError(f"kl_loss never reached {points} points")
