"""FileWatcher and Follower with the real watchdog observer on real files.

Followers here get a 30 s safety interval unless a test says otherwise, so a test only passes
if the watcher's event (not the safety timeout) woke the follower.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import vaetui.core.follow as follow
import vaetui.core.observers as observers
from vaetui.core.follow import Follower, follow_once
from vaetui.core.source import SourceError
from vaetui.core.watch import FileWatcher

NO_SAFETY_NET = 30.0


def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll `condition` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition.__doc__ or condition}")
        time.sleep(0.005)


class Collector:
    """A fake consumer that splits lines and checks it is called under the follower's lock."""

    def __init__(self) -> None:
        self.partial = b""
        self.lines: list[bytes] = []
        self.resets = 0
        self.finished = False
        self.lock: threading.Lock | None = None

    def feed(self, data: bytes) -> None:
        assert self.lock is None or self.lock.locked()
        *complete, self.partial = (self.partial + data).split(b"\n")
        self.lines.extend(complete)

    def source_reset(self, reason: str = "") -> None:
        assert self.lock is None or self.lock.locked()
        self.partial = b""
        self.resets += 1

    def finish(self) -> None:
        if self.partial:
            self.lines.append(self.partial)
            self.partial = b""
        self.finished = True


@pytest.fixture
def follower_of() -> Iterator[Callable[..., tuple[Follower, Collector]]]:
    """Start followers with a Collector and stop them all at the end of the test."""
    started: list[Follower] = []

    def make(path: Path | str, **kwargs: object) -> tuple[Follower, Collector]:
        collector = Collector()
        kwargs.setdefault("safety_interval", NO_SAFETY_NET)
        follower = Follower(path, collector, **kwargs)  # type: ignore[arg-type]
        collector.lock = follower.lock
        follower.start()
        started.append(follower)
        return follower, collector

    yield make
    for follower in started:
        follower.stop()


def lines_of(follower: Follower, collector: Collector) -> list[bytes]:
    with follower.lock:
        return list(collector.lines)


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


# --- FileWatcher ---------------------------------------------------------------------------


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def test_watcher_sees_create_write_rename_delete(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    calls = Calls()
    watcher = FileWatcher(path, calls)
    watcher.start()
    assert watcher.mode == "inotify"
    for change in (
        lambda: path.write_bytes(b"a\n"),
        lambda: append(path, b"b\n"),
        lambda: path.rename(tmp_path / "train.log.1"),
        lambda: (tmp_path / "train.log.1").rename(path),
        lambda: path.unlink(),
    ):
        before = calls.count
        change()
        wait_for(lambda before=before: calls.count > before)
    watcher.stop()
    watcher.stop()


def test_watcher_ignores_other_files_and_own_reads(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"a\n")
    calls = Calls()
    watcher = FileWatcher(path, calls)
    watcher.start()
    (tmp_path / "ckpt.pt").write_bytes(b"weights")
    path.read_bytes()
    time.sleep(0.2)  # a negative: give a wrong event the time to arrive
    watcher.stop()
    assert calls.count == 0


def test_watcher_waits_for_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "a" / "train.log"
    calls = Calls()
    watcher = FileWatcher(path, calls, poll_interval=0.02)
    watcher.start()
    path.parent.mkdir(parents=True)
    # The follower calls maintain() on each step; the directory appearing is reported.
    wait_for(lambda: (watcher.maintain(), calls.count > 0)[1])
    before = calls.count
    path.write_bytes(b"a\n")
    wait_for(lambda: calls.count > before)
    watcher.stop()


def test_watcher_check_repairs_a_moved_directory(tmp_path: Path) -> None:
    path = tmp_path / "run" / "train.log"
    path.parent.mkdir()
    path.write_bytes(b"a\n")
    calls = Calls()
    watcher = FileWatcher(path, calls)
    watcher.start()
    path.parent.rename(tmp_path / "run.old")  # no event reaches the watch on "run"
    path.parent.mkdir()
    path.write_bytes(b"b\n")
    watcher.check()
    wait_for(lambda: calls.count > 0)  # re-watched, and told the file may be there
    before = calls.count
    append(path, b"c\n")
    wait_for(lambda: calls.count > before)
    watcher.stop()


def test_watcher_polling_mode(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    calls = Calls()
    watcher = FileWatcher(path, calls, poll=True, poll_interval=0.05)
    watcher.start()
    assert watcher.mode == "polling"
    path.write_bytes(b"a\n")
    wait_for(lambda: calls.count > 0)
    watcher.stop()


def test_watcher_falls_back_when_inotify_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_inotify() -> None:
        raise OSError(errno.EMFILE, "inotify instance limit reached")

    monkeypatch.setattr(observers, "Observer", no_inotify)
    path = tmp_path / "train.log"
    calls = Calls()
    watcher = FileWatcher(path, calls, poll_interval=0.05)
    watcher.start()
    assert watcher.mode == "polling (inotify unavailable)"
    path.write_bytes(b"a\n")
    wait_for(lambda: calls.count > 0)
    watcher.stop()


def test_watcher_falls_back_when_out_of_watches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class OutOfWatches(observers.Observer):  # type: ignore[misc,valid-type]
        def schedule(self, *args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(observers, "Observer", OutOfWatches)
    path = tmp_path / "train.log"
    calls = Calls()
    watcher = FileWatcher(path, calls, poll_interval=0.05)
    watcher.start()
    assert watcher.mode == "polling (inotify unavailable)"
    path.write_bytes(b"a\n")
    wait_for(lambda: calls.count > 0)
    watcher.stop()


# --- Follower ------------------------------------------------------------------------------


def test_follows_growth_in_partial_writes(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"step=1 kl=3\nstep=2 ")
    follower, collector = follower_of(path)
    wait_for(lambda: follower.state == "following")
    assert follower.mode == "inotify"
    assert lines_of(follower, collector) == [b"step=1 kl=3"]
    append(path, b"kl=4\nstep=3")
    wait_for(lambda: lines_of(follower, collector) == [b"step=1 kl=3", b"step=2 kl=4"])
    append(path, b" kl=5\n")
    wait_for(lambda: len(lines_of(follower, collector)) == 3)
    assert follower.bytes_read == follower.bytes_total == path.stat().st_size


def test_backfill_in_chunks_reports_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follow, "CHUNK_BYTES", 1024)
    path = tmp_path / "train.log"
    path.write_bytes(b"".join(b"step=%05d kl=1\n" % i for i in range(1000)))  # 16 KB
    progress: list[tuple[str, int, int]] = []
    collector = Collector()

    def on_update() -> None:
        progress.append((follower.state, follower.bytes_read, follower.bytes_total))

    follower = Follower(path, collector, on_update=on_update, safety_interval=NO_SAFETY_NET)
    follower.start()
    try:
        wait_for(lambda: follower.state == "following")
        assert len(lines_of(follower, collector)) == 1000
    finally:
        follower.stop()
    reading = [p for p in progress if p[0] == "reading"]
    assert len(reading) >= 10
    assert [p[1] for p in reading] == sorted(p[1] for p in reading)
    assert all(total == 16_000 for _, _, total in progress)


def test_copytruncate(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"a=1\na=2\n")
    follower, collector = follower_of(path)
    wait_for(lambda: len(lines_of(follower, collector)) == 2)
    with path.open("r+b") as f:
        f.truncate(0)
    append(path, b"b=1\n")
    wait_for(lambda: lines_of(follower, collector) == [b"a=1", b"a=2", b"b=1"])
    assert collector.resets == 1


def test_rename_rotation(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "train.log"
    writer = path.open("ab", buffering=0)
    writer.write(b"old=1\n")
    follower, collector = follower_of(path)
    wait_for(lambda: len(lines_of(follower, collector)) == 1)
    path.rename(tmp_path / "train.log.1")
    writer.write(b"old=2\n")
    writer.close()
    path.write_bytes(b"new=1\n")
    wait_for(lambda: lines_of(follower, collector) == [b"old=1", b"old=2", b"new=1"])
    append(path, b"new=2\n")
    wait_for(lambda: len(lines_of(follower, collector)) == 4)


def test_delete_and_recreate(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"a=1\n")
    follower, collector = follower_of(path)
    wait_for(lambda: len(lines_of(follower, collector)) == 1)
    path.unlink()
    wait_for(lambda: follower.state == "waiting for file")
    path.write_bytes(b"b=1\n")
    wait_for(lambda: lines_of(follower, collector) == [b"a=1", b"b=1"])
    assert follower.state == "following"


def test_path_appears_later(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "later" / "train.log"
    follower, collector = follower_of(path)
    wait_for(lambda: follower.state == "waiting for file")
    path.parent.mkdir()
    path.write_bytes(b"a=1\n")
    wait_for(lambda: lines_of(follower, collector) == [b"a=1"])


def test_run_directory_deleted_and_recreated(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "run" / "train.log"
    path.parent.mkdir()
    path.write_bytes(b"a=1\n")
    follower, collector = follower_of(path)
    wait_for(lambda: len(lines_of(follower, collector)) == 1)
    path.unlink()
    path.parent.rmdir()
    wait_for(lambda: follower.state == "waiting for file")
    path.parent.mkdir()
    path.write_bytes(b"b=1\n")
    wait_for(lambda: lines_of(follower, collector) == [b"a=1", b"b=1"])


def test_symlink_retarget_to_another_directory(tmp_path: Path, follower_of) -> None:
    run1, run2 = tmp_path / "run1", tmp_path / "run2"
    run1.mkdir()
    run2.mkdir()
    (run1 / "log").write_bytes(b"run=1\n")
    (run2 / "log").write_bytes(b"")
    link = tmp_path / "latest.log"
    link.symlink_to(run1 / "log")
    follower, collector = follower_of(link)
    wait_for(lambda: len(lines_of(follower, collector)) == 1)
    append(run1 / "log", b"run=1b\n")  # a write to the target, seen in the target's directory
    wait_for(lambda: len(lines_of(follower, collector)) == 2)
    staged = tmp_path / "latest.tmp"
    staged.symlink_to(run2 / "log")
    staged.replace(link)
    append(run2 / "log", b"run=2\n")
    wait_for(lambda: lines_of(follower, collector)[2:] == [b"run=2"])
    append(run2 / "log", b"run=2b\n")
    wait_for(lambda: lines_of(follower, collector)[2:] == [b"run=2", b"run=2b"])


def test_directory_error_then_recovers(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "train.log"
    path.mkdir()
    follower, collector = follower_of(path)
    wait_for(lambda: follower.error is not None)
    assert follower.error == f"{path} is a directory, not a log file"
    path.rmdir()
    path.write_bytes(b"a=1\n")
    wait_for(lambda: lines_of(follower, collector) == [b"a=1"])
    assert follower.error is None


def test_poll_mode(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "train.log"
    follower, collector = follower_of(path, poll=True)
    assert follower.mode == "polling"
    path.write_bytes(b"a=1\n")
    wait_for(lambda: lines_of(follower, collector) == [b"a=1"])


def test_safety_interval_covers_a_missed_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, follower_of
) -> None:
    monkeypatch.setattr(FileWatcher, "start", lambda self: None)  # a watcher that sees nothing
    path = tmp_path / "train.log"
    follower, collector = follower_of(path, safety_interval=0.05)
    path.write_bytes(b"a=1\n")
    wait_for(lambda: lines_of(follower, collector) == [b"a=1"])


def test_fifo_like_stdin_finishes(tmp_path: Path, follower_of) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    follower, collector = follower_of(fifo)
    with fifo.open("wb") as writer:
        writer.write(b"a=1\na=2\nlast")
    wait_for(lambda: follower.state == "finished")
    assert collector.finished
    assert lines_of(follower, collector) == [b"a=1", b"a=2", b"last"]


def test_stop_is_clean_and_idempotent(tmp_path: Path) -> None:
    Follower(tmp_path / "train.log", Collector()).stop()  # never started
    follower = Follower(tmp_path / "train.log", Collector())
    follower.start()
    wait_for(lambda: follower.state == "waiting for file")
    follower.stop()
    follower.stop()
    assert follower.state == "stopped"
    assert not [t for t in threading.enumerate() if t.name.startswith("vaetui-")]


def test_a_crashing_consumer_is_reported(tmp_path: Path, follower_of) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"a=1\n")
    follower, collector = follower_of(path)
    wait_for(lambda: follower.state == "following")
    collector.feed = None  # type: ignore[assignment,method-assign]
    append(path, b"a=2\n")
    wait_for(lambda: follower.status().state == "failed")
    assert follower.error is not None and follower.error.startswith("reading")


# --- follow_once ---------------------------------------------------------------------------


def test_follow_once_reads_everything(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"a=1\na=2\nlast")
    collector = Collector()
    assert follow_once(path, collector) == 12
    assert collector.lines == [b"a=1", b"a=2", b"last"]
    assert collector.finished


def test_follow_once_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        follow_once(tmp_path / "nope.log", Collector())


def test_follow_once_standard_input() -> None:
    code = (
        "from vaetui.core.follow import follow_once\n"
        "class C:\n"
        "    data = b''\n"
        "    def feed(self, d): self.data += d\n"
        "    def source_reset(self, reason=''): pass\n"
        "    def finish(self): print(len(self.data), self.data.count(b'\\n'))\n"
        "print(follow_once('-', C()))\n"
    )
    payload = b"".join(b"step=%d kl=2\n" % i for i in range(50_000))
    out = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, check=True, timeout=20
    ).stdout.split()
    assert out == [str(len(payload)).encode(), b"50000", str(len(payload)).encode()]


def test_follower_on_standard_input_finishes_at_eof() -> None:
    code = (
        "import time\n"
        "from vaetui.core.follow import Follower\n"
        "class C:\n"
        "    data = b''\n"
        "    def feed(self, d): self.data += d\n"
        "    def source_reset(self, reason=''): pass\n"
        "    def finish(self): self.done = True\n"
        "c = C(); f = Follower('-', c); f.start()\n"
        "deadline = time.monotonic() + 10\n"
        "while f.state != 'finished' and time.monotonic() < deadline: time.sleep(0.005)\n"
        "print(f.state, f.mode, c.done, c.data.count(b'\\n')); f.stop()\n"
    )
    payload = b"".join(b"step=%d kl=2\n" % i for i in range(1000))
    out = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, check=True, timeout=20
    ).stdout.split()
    assert out == [b"finished", b"stream", b"True", b"1000"]


def test_an_old_log_is_reported_as_old(tmp_path: Path) -> None:
    """The history of a log last written hours ago is that old, not 'just now'."""
    from vaetui.core.options import RunOptions
    from vaetui.core.run import Run

    path = tmp_path / "train.log"
    path.write_text("".join(f"step {s} loss=0.15 rec_loss=0.007 kl_loss=500\n" for s in range(50)))
    hours_ago = time.time() - 3 * 3600
    os.utime(path, (hours_ago, hours_ago))
    run = Run("train.log", RunOptions(live=True))
    follower = Follower(str(path), run, safety_interval=0.1, on_history_time=run.note_history_time)
    follower.start()
    try:
        wait_for(lambda: follower.state == "following")
        time.sleep(0.2)
        with follower.lock:
            snap = run.snapshot()
    finally:
        follower.stop()
    assert snap.last_record_time == pytest.approx(hours_ago, abs=1)
    # complete when opened: it reads finished, and stall alone does not make it WATCH
    assert snap.finished
    stall = snap.verdict("stall")
    assert stall is not None and stall.level == "n/a" and "3 h" in stall.summary


def test_the_safety_look_of_a_quiet_file_stretches_and_still_catches_a_missed_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, follower_of
) -> None:
    monkeypatch.setattr(FileWatcher, "start", lambda self: None)  # a watcher that sees nothing
    waits: list[float | None] = []
    step = Follower.step

    def recorded(self: Follower, timed_out: bool) -> float | None:
        wait = step(self, timed_out)
        waits.append(wait)
        return wait

    monkeypatch.setattr(Follower, "step", recorded)
    path = tmp_path / "train.log"
    path.write_bytes(b"a=1\n")
    follower, collector = follower_of(path, safety_interval=0.05)
    wait_for(lambda: len(waits) >= 6)
    quiet = list(waits[1:6])
    ceiling = 0.05 * follow.SAFETY_STRETCH
    assert quiet == sorted(quiet) and max(quiet) == pytest.approx(ceiling)  # 0.05 .. 0.2
    append(path, b"a=2\n")  # no event comes: only a safety look can find it
    wait_for(lambda: lines_of(follower, collector) == [b"a=1", b"a=2"])
    # Data found: back to the short look (every look before it waited the longest). The
    # step that read the line returns its wait just after the line reached the collector.
    wait_for(lambda: any(w == pytest.approx(0.05) for w in waits[6:]))
