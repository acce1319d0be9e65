"""A file written line by line is read in batches: few reads, few pictures, every line once.

Each ``write`` + ``flush`` of a trainer is an inotify event. The follower reads at once after a
quiet spell (so one line shows without delay) and, while the file keeps changing, at most once
per ``coalesce`` seconds; each step tells ``on_update`` once, however many reads it took.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.unit.test_watch_follow import Collector, lines_of, wait_for
from vaetui.core.follow import Follower
from vaetui.core.options import RunOptions
from vaetui.core.pool import FollowPool
from vaetui.core.run import Run


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def _start(path: Path, coalesce: float) -> tuple[Follower, Collector, Counter]:
    collector, updates = Collector(), Counter()
    follower = Follower(path, collector, on_update=updates, safety_interval=30.0, coalesce=coalesce)
    collector.lock = follower.lock
    follower.start()
    return follower, collector, updates


def test_a_burst_of_writes_is_read_in_a_few_steps(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"step=0 kl=1\n")
    follower, collector, updates = _start(path, coalesce=1.0)
    try:
        wait_for(lambda: lines_of(follower, collector) == [b"step=0 kl=1"])
        wait_for(lambda: follower.state == "following")
        before = updates.count
        burst = [f"step={i} kl={i}\n".encode() for i in range(1, 301)]
        with path.open("ab") as fh:
            for line in burst:  # one event per line, as a trainer's print + flush
                fh.write(line)
                fh.flush()
        wait_for(lambda: len(lines_of(follower, collector)) == 301)
        time.sleep(0.3)  # nothing more arrives: nothing is read twice
        assert lines_of(follower, collector) == [b"step=0 kl=1", *(b.rstrip() for b in burst)]
        # 300 events, yet the burst took a handful of steps (at once, then a batch a second).
        assert updates.count - before <= 4
    finally:
        follower.stop()


def test_one_line_after_a_quiet_spell_is_read_at_once(tmp_path: Path) -> None:
    """The leading edge: however long the coalescing window, a lone line is not held back."""
    path = tmp_path / "train.log"
    path.write_bytes(b"")
    follower, collector, _updates = _start(path, coalesce=60.0)
    try:
        wait_for(lambda: follower.state == "following")
        with path.open("ab") as fh:
            fh.write(b"step=1 kl=3\n")
        wait_for(lambda: lines_of(follower, collector) == [b"step=1 kl=3"], timeout=10.0)
    finally:
        follower.stop()


def test_a_run_fed_in_a_burst_has_every_record_once(tmp_path: Path) -> None:
    """Through the real run: the final picture counts each appended record exactly once."""
    path = tmp_path / "train.log"
    path.write_bytes(b"")
    run = Run("train.log", RunOptions(live=True))
    pictures = []
    follower: Follower

    def took() -> None:
        with follower.lock:
            pictures.append(run.snapshot())

    follower = Follower(path, run, on_update=took, safety_interval=30.0, coalesce=0.5)
    follower.start()
    try:
        wait_for(lambda: follower.state == "following")
        with path.open("a") as fh:
            for i in range(1, 501):
                fh.write(f"step {10 * i} loss={1 / i:.5f} kl_loss={200 + i % 7}\n")
                fh.flush()
        wait_for(lambda: bool(pictures) and pictures[-1].records == 500)
        assert pictures[-1].last_step == 5000
        assert pictures[-1].metrics["kl_loss"].count == 500
        assert len(pictures) < 50  # far fewer pictures than the 500 writes
    finally:
        follower.stop()


class Steps:
    """A pool task that counts its steps."""

    def __init__(self) -> None:
        self.steps = 0
        self.ran = threading.Event()

    def step(self, timed_out: bool) -> float | None:
        self.steps += 1
        self.ran.set()
        return 30.0


def test_deferred_wakes_join_into_one_step() -> None:
    pool = FollowPool(workers=2)
    task = Steps()
    pool.add(task)
    try:
        assert task.ran.wait(5.0)
        task.ran.clear()
        at = time.monotonic() + 0.3
        for _ in range(50):
            pool.wake(task, at=at)
        assert task.ran.wait(5.0)
        time.sleep(0.4)
        assert task.steps == 2  # the first step, then one for all fifty wakes
        pool.wake(task)  # a wake without ``at`` runs at once
        wait_for(lambda: task.steps == 3)
    finally:
        pool.remove(task)


def _stream(path: Path, lines: list[bytes], every: float = 0.01) -> None:
    with path.open("ab") as fh:
        for line in lines:
            fh.write(line)
            fh.flush()
            time.sleep(every)


def test_a_steady_stream_is_read_on_a_timer_with_the_watcher_paused(tmp_path: Path) -> None:
    """While the file grows read after read the watcher stops listening (each write would be
    an event); when the writer pauses it listens again, so a lone line shows at once."""
    path = tmp_path / "train.log"
    path.write_bytes(b"")
    follower, collector, _updates = _start(path, coalesce=0.1)
    try:
        wait_for(lambda: follower.state == "following")
        watcher = follower._watcher
        assert watcher is not None
        paused_seen = threading.Event()
        lines = [f"step={i} kl={i}\n".encode() for i in range(150)]
        writer = threading.Thread(target=_stream, args=(path, lines))
        writer.start()
        while writer.is_alive():
            if watcher.paused:
                paused_seen.set()
            time.sleep(0.005)
        writer.join()
        wait_for(lambda: len(lines_of(follower, collector)) == 150)
        assert lines_of(follower, collector) == [line.rstrip() for line in lines]
        assert paused_seen.is_set()
        wait_for(lambda: not watcher.paused)  # the writer stopped: listening again
        time.sleep(0.5)
        with path.open("ab") as fh:
            fh.write(b"step=150 kl=1\n")
        wait_for(lambda: len(lines_of(follower, collector)) == 151)
    finally:
        follower.stop()


def test_rotation_during_a_paused_stream_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"")
    follower, collector, _updates = _start(path, coalesce=0.1)
    try:
        wait_for(lambda: follower.state == "following")
        first = [f"step={i} kl=1\n".encode() for i in range(80)]
        second = [f"step={i} kl=2\n".encode() for i in range(80, 160)]
        _stream(path, first)
        path.rename(tmp_path / "train.log.1")  # rotated while the stream is read on a timer
        _stream(path, second)
        wait_for(lambda: len(lines_of(follower, collector)) == 160)
        assert lines_of(follower, collector) == [line.rstrip() for line in first + second]
    finally:
        follower.stop()
