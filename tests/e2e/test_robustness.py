"""Nothing lost, nothing doubled, nothing crashes: the SPEC's "Robustness" rule, end to end.

The follower's pieces (`FileSource`, `FileWatcher`, `Follower`) have their own unit tests; these
tests drive the real ``vaetui check --follow --json`` process while a writer applies every fault
a training log meets in the wild, then stop it with a signal and hold its final summary to the
exact number of metric lines written. The writer waits until the follower has *read* each step
(its file offset, seen in ``/proc``) before the next fault, so each fault hits a follower that is
really following, and no test relies on a long fixed sleep.

Hostile input (extreme numbers, NaN-only logs, thousands of keys, NUL, OSC hyperlinks, FIFOs,
standard input) goes through `Run` or the CLI directly, and hypothesis checks that random bytes
and real log lines mixed with garbage give the same record count in any chunking.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import SHARED_LOGS
from tests.support.runs import fed_in_pieces
from vaetui.core.options import RunOptions
from vaetui.core.recorder import MAX_METRICS
from vaetui.core.run import Run

VAETUI = [sys.executable, "-m", "vaetui"]
HAS_PROC_FDINFO = Path("/proc/self/fdinfo").is_dir()
MiB = 1 << 20

needs_proc = pytest.mark.skipif(
    not HAS_PROC_FDINFO, reason="needs /proc/PID/fdinfo to see what the follower has read"
)


# ------------------------------------------------------------------------------- helpers
def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll `condition` until true; a deadline instead of a fixed sleep keeps tests fast."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def metric_line(step: int) -> bytes:
    """A plain key=value training line with a unique, increasing step."""
    rec = 0.05 + 0.5 / step
    kl = 300.0 + (step % 7)
    return f"step {step} loss={rec + 1e-4 * kl:.6f} rec_loss={rec:.6f} kl_loss={kl:.4f}\n".encode()


def garbage(seed: int, size: int = 3000) -> bytes:
    """Random binary with no printable ASCII (so no metric can hide in it), plus NUL and
    invalid UTF-8 for sure, ending in a newline."""
    rng = random.Random(seed)
    alphabet = bytes(range(0x80, 0x100)) + b"\x00\x01\x07\x08\x0b\x0c\x1b\x7f\n\r"
    return b"\x00\xff\xfe\xc3(" + bytes(rng.choice(alphabet) for _ in range(size)) + b"\n"


def follower_position(pid: int, path: Path) -> int | None:
    """File offset of `pid`'s open handle on the file now at `path`, or None if it has none.

    Matched by (device, inode), so a handle on a rotated-away or deleted file does not count.
    """
    try:
        want = os.stat(path)
    except FileNotFoundError:
        return None
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except FileNotFoundError:
        return None
    for fd in fds:
        try:
            st = os.stat(f"{fd_dir}/{fd}")
            if (st.st_dev, st.st_ino) != (want.st_dev, want.st_ino):
                continue
            with open(f"/proc/{pid}/fdinfo/{fd}") as fh:
                for line in fh:
                    if line.startswith("pos:"):
                        return int(line.split()[1])
        except OSError:
            continue
    return None


class LogWriter:
    """Writes a log the way a trainer does (append mode, unbuffered) and remembers what it wrote.

    `written` is every byte in order, as one whole read would see it; `metric_lines` is how
    many distinct metric lines (distinct steps) that holds.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.step = 0
        self.metric_lines = 0
        self.written = bytearray()
        self._fh = open(path, "ab", buffering=0)  # noqa: SIM115 - kept open like a trainer's

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self.written += data

    def next_line(self) -> bytes:
        """The next metric line, counted as written (the caller writes it)."""
        self.step += 1
        self.metric_lines += 1
        return metric_line(self.step)

    def metrics(self, n: int) -> None:
        for _ in range(n):
            self.write(self.next_line())

    def counted(self, text: bytes) -> None:
        """Write a hand-made line that holds exactly one metric record at the next step."""
        self.step += 1
        self.metric_lines += 1
        self.write(text.replace(b"{step}", str(self.step).encode()))

    def reopen(self) -> None:
        """What a trainer does after logrotate's signal: open the path again."""
        self._fh.close()
        self._fh = open(self.path, "ab", buffering=0)  # noqa: SIM115

    def close(self) -> None:
        self._fh.close()


class FollowProcess:
    """A running ``vaetui check PATH --follow --json``."""

    def __init__(self, path: Path, poll: bool) -> None:
        self.path = path
        args = [*VAETUI, "check", str(path), "--follow", "--json"]
        self.proc = subprocess.Popen(
            [*args, "--poll"] if poll else args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def caught_up(self, timeout: float = 15.0) -> None:
        """Wait until the follower has read the file at the path up to its current size."""

        def done() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"follower exited early: {self.stop_output()}")
            pos = follower_position(self.proc.pid, self.path)
            return pos is not None and pos == self.path.stat().st_size

        wait_for(done, timeout, f"the follower to read all of {self.path}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> tuple[int, str, str]:
        """Send `sig`; return (exit code, stdout, stderr)."""
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), err.decode()

    def stop_output(self) -> str:
        if self.proc.poll() is None:
            self.proc.kill()
        out, err = self.proc.communicate(timeout=10)
        return f"rc={self.proc.returncode}\nstdout={out[-2000:]!r}\nstderr={err[-4000:]!r}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


@pytest.fixture
def follow_proc() -> Iterator[Callable[[Path, bool], FollowProcess]]:
    """Start followers; kill any still running at the end, so a failed test leaves none."""
    started: list[FollowProcess] = []

    def start(path: Path, poll: bool = False) -> FollowProcess:
        p = FollowProcess(path, poll)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


def summary_of(rc: int, out: str, err: str) -> dict:
    """The checks every clean stop must pass; returns the final summary."""
    assert rc in (0, 1, 2), f"exit {rc}\nstderr={err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    lines = out.strip().splitlines()
    assert lines, f"no output; stderr={err[-3000:]}"
    summary = json.loads(lines[-1])
    for key in ("lines", "records", "bad_bytes", "cut_lines"):
        assert isinstance(summary[key], int), (key, summary)
    for verdict in lines[:-1]:
        assert {"criterion", "from", "to"} <= json.loads(verdict).keys()
    return summary


def whole_records(data: bytes) -> int:
    """Records in `data` read at once: the reference the follower must match."""
    run = Run("whole")
    run.feed(data)
    run.finish()
    return run.snapshot().records


# ---------------------------------------------------------------- integration: every fault
HOSTILE_LINES = [
    # CSI colours around a whole metric line, and inside a key.
    (b"\x1b[1;31mstep {step} loss=0.52 rec_loss=0.051 kl_loss=301\x1b[0m\n", True),
    (b"step {step} \x1b[32mloss\x1b[0m=0.5 rec_loss=0.05 kl_loss=300 [bold red]x[/]=1\n", True),
    # OSC 52 (write the clipboard) and OSC 8 (hyperlink) on non-metric lines.
    (b"\x1b]52;c;cm0gLXJmIH4K\x07 copied to your clipboard\n", False),
    (b"\x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07\n", False),
    # An OSC 8 hyperlink wrapped around a metric line (ST-terminated), and a screen clear.
    (
        b"\x1b]8;;http://x\x1b\\step {step} loss=0.49 rec_loss=0.05 kl_loss=299\x1b]8;;\x1b\\\n",
        True,
    ),
    (b"\x1b]0;title\x07\x1b[2J\x1b[H step {step} loss=0.48 rec_loss=0.05 kl_loss=298\n", True),
    # Rich markup that must stay text, on a non-metric line.
    (b"[bold red]not a metric[/] [link=http://x]y[/link] [/]\n", False),
]


def apply_every_fault(w: LogWriter, caught_up: Callable[[], None]) -> None:
    """Growth, partial lines, garbage, a 2 MiB line, escapes, copytruncate, rename-rotation,
    delete+recreate: each followed by new metric lines that must all be counted once."""
    w.metrics(8)  # enough lines for the format to be settled
    caught_up()

    # Partial writes: each line arrives in three pieces, each piece read before the next.
    for _ in range(3):
        line = w.next_line()
        for a, b in ((0, 7), (7, 20), (20, len(line))):
            w.write(line[a:b])
            caught_up()

    # Garbage: random binary, invalid UTF-8, NUL; and bad bytes inside a metric line.
    w.write(garbage(seed=1))
    w.counted(b"step {step} loss=0.5 \xff\xfe\x00 rec_loss=0.05 kl_loss=300\n")
    w.metrics(2)
    caught_up()

    # A 2 MiB line with no metrics and no newline until its end.
    w.write(b"noise " * (2 * MiB // 6) + b"\n")
    w.metrics(2)
    caught_up()

    # Hostile escape sequences and markup.
    for text, is_metric in HOSTILE_LINES:
        if is_metric:
            w.counted(text)
        else:
            w.write(text)
    w.metrics(1)
    caught_up()

    # copytruncate: copy the content away, truncate to 0, keep writing (O_APPEND writer).
    shutil.copyfile(w.path, w.path.with_name(w.path.name + ".copy"))
    os.truncate(w.path, 0)
    w.metrics(3)
    caught_up()

    # Rename rotation: the trainer writes to its old handle until told to reopen.
    os.rename(w.path, w.path.with_name(w.path.name + ".1"))
    w.metrics(2)  # into the renamed file, before the new one exists
    w.reopen()
    w.metrics(3)
    caught_up()

    # Delete and recreate, again with a last line into the deleted file.
    os.unlink(w.path)
    w.metrics(1)
    w.reopen()
    w.metrics(3)
    caught_up()


@needs_proc
@pytest.mark.parametrize("poll", [False, True], ids=["inotify", "poll"])
def test_every_fault_then_sigterm_counts_each_line_once(
    tmp_path: Path, follow_proc: Callable[[Path, bool], FollowProcess], poll: bool
) -> None:
    log = tmp_path / "train.log"
    w = LogWriter(log)
    follower = follow_proc(log, poll)
    try:
        apply_every_fault(w, follower.caught_up)
    finally:
        w.close()
    assert whole_records(bytes(w.written)) == w.metric_lines  # the reference itself is right
    summary = summary_of(*follower.stop(signal.SIGTERM))
    assert summary["records"] == w.metric_lines, summary
    assert summary["cut_lines"] >= 1
    assert summary["bad_bytes"] > 0
    assert summary["last_step"] == w.step
    assert summary["segments"] == 1  # no fault looked like a restart
    for name in summary["metrics"]:
        assert not set(name) & {"\x1b", "\x07", "\x00", "\ufffd"}, name


@needs_proc
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGHUP], ids=["SIGINT", "SIGHUP"])
def test_other_signals_end_cleanly_with_the_summary_last(
    tmp_path: Path, follow_proc: Callable[[Path, bool], FollowProcess], sig: int
) -> None:
    log = tmp_path / "train.log"
    w = LogWriter(log)
    follower = follow_proc(log, False)
    w.metrics(7)
    w.write(b"step 99 loss=0.5")  # an unfinished last line: finish() counts it at the end
    follower.caught_up()
    w.close()
    summary = summary_of(*follower.stop(sig))
    assert summary["records"] == 8
    assert summary["lines"] == 8


def _has_inotify(pid: int) -> bool:
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except FileNotFoundError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"{fd_dir}/{fd}") == "anon_inode:inotify":
                return True
        except OSError:
            continue
    return False


@needs_proc
def test_signal_before_the_file_exists(tmp_path: Path) -> None:
    """A follower still waiting for its file stops cleanly too, with an empty summary."""
    proc = subprocess.Popen(
        [*VAETUI, "check", str(tmp_path / "later.log"), "--follow", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # The inotify handle is made after the signal handlers are installed: wait for it.
        wait_for(lambda: _has_inotify(proc.pid), 15.0, "the follower's inotify watch")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    summary = summary_of(proc.returncode, out.decode(), err.decode())
    assert summary["records"] == 0


# ----------------------------------------------------------------- hostile input via Run
def read_run(data: bytes, live: bool = False, chunk: int | None = None) -> Run:
    run = Run("hostile.log", RunOptions(live=live))
    step = chunk or max(len(data), 1)
    for i in range(0, len(data), step):
        run.feed(data[i : i + step])
    run.finish()
    return run


def strict_json(run: Run) -> dict:
    """The snapshot as `check --json` prints it, rejected if it holds a bare NaN/Infinity."""
    return json.loads(json.dumps(run.snapshot().to_json(), allow_nan=False))


def test_extreme_numbers_are_read_exactly() -> None:
    data = (
        b"step 1 loss=1e308 rec_loss=-0 kl_loss=1e-320\n"
        b"step 2 loss=123456789012345678901234567890 rec_loss=-0.0 kl_loss=4.9e-324\n"
        b"step 3 loss=-123456789012345678901234567890 rec_loss=1.7976931348623157e308"
        b" kl_loss=0\n"
    )
    run = read_run(data, live=True)
    snap = run.snapshot()
    assert snap.records == 3
    history = {name: s.values.tolist() for name, s in snap.history.items()}
    assert history["total_loss"] == [1e308, 1.2345678901234568e29, -1.2345678901234568e29]
    assert history["rec_loss"][:2] == [0.0, 0.0]
    assert history["kl_loss"] == [1e-320, 5e-324, 0.0]
    strict_json(run)


EXTREME = [b"1e308", b"-1e308", b"1.7976931348623157e308", b"-0", b"1e-320", b"4.9e-324"]
EXTREME += [b"123456789012345678901234567890", b"-123456789012345678901234567890", b"0"]


def _extreme_log(lines: int = 200) -> bytes:
    n = len(EXTREME)
    return b"".join(
        b"step %d loss=%s rec_loss=%s kl_loss=%s kl_weight=%s\n"
        % (i + 1, EXTREME[i % n], EXTREME[(i + 3) % n], EXTREME[(i + 5) % n], EXTREME[i % 4])
        for i in range(lines)
    )


def test_a_long_run_of_extreme_numbers_never_crashes() -> None:
    run = read_run(_extreme_log(), live=True)
    with warnings.catch_warnings():
        out = strict_json(run)
    assert out["records"] == 200


def test_extreme_numbers_raise_no_numpy_warnings() -> None:
    run = read_run(_extreme_log(), live=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        strict_json(run)


def test_a_log_of_only_nans_is_divergence_bad() -> None:
    data = b"".join(b"step %d loss=nan rec_loss=nan kl_loss=NaN\n" % i for i in range(1, 80))
    run = read_run(data, live=True)
    out = strict_json(run)
    assert out["records"] == 79
    levels = {v.id: v.level for v in run.snapshot().criteria}
    assert levels["divergence"] == "bad"
    assert run.snapshot().overall == "bad"


def test_thousands_of_keys_on_one_line() -> None:
    keys = b" ".join(b"k%d=%d" % (i, i) for i in range(5000))
    data = b"".join(b"step %d loss=0.5 rec_loss=0.1 kl_loss=300 %s\n" % (s, keys) for s in (1, 2))
    run = read_run(data)
    out = strict_json(run)
    assert out["records"] == 2
    # The first MAX_METRICS distinct metrics are kept (the losses among them); the rest counted.
    assert len(out["metrics"]) == MAX_METRICS
    assert out["metrics"]["kl_loss"]["last"] == 300
    assert out["metrics"]["k1996"]["last"] == 1996
    assert run.snapshot().dropped_metrics == 5003 - MAX_METRICS


def _distinct_key_lines(n: int) -> bytes:
    return b"".join(
        b"step %d loss=0.5 rec_loss=0.1 kl_loss=300 m%d=%d\n" % (i, i, i) for i in range(1, n + 1)
    )


def test_thousands_of_keys_across_lines_fed_line_by_line() -> None:
    data = _distinct_key_lines(3000)
    run = Run("keys.log")
    for line in data.splitlines(keepends=True):
        run.feed(line)
    run.finish()
    out = strict_json(run)
    assert out["records"] == 3000
    assert len(out["metrics"]) == MAX_METRICS  # the first ones; the rest are counted
    assert out["metrics"]["m1997"] == {**out["metrics"]["m1997"], "last": 1997, "count": 1}
    assert run.snapshot().dropped_metrics == 3003 - MAX_METRICS


def test_thousands_of_keys_across_lines_fed_whole() -> None:
    out = strict_json(read_run(_distinct_key_lines(3000)))
    assert out["records"] == 3000
    assert len(out["metrics"]) == MAX_METRICS
    assert out["metrics"]["m1"]["count"] == 1


def test_nul_bytes_are_counted_and_dropped() -> None:
    data = b"step 1 loss=0.5 rec_loss=0.\x001 kl_loss=300\n\x00\x00\x00\n\x00step 2 loss=0.4\n"
    run = read_run(data)
    out = strict_json(run)
    assert out["records"] == 2
    assert out["bad_bytes"] == 5
    assert out["metrics"]["rec_loss"]["last"] == 0.1  # the NUL was dropped, not a separator


def test_osc_hyperlinks_are_stripped_before_parsing() -> None:
    data = (
        b"\x1b]8;;http://x\x07step 1 loss=0.5 rec_loss=0.1 kl_loss=300\x1b]8;;\x07\n"
        b"\x1b]8;;http://x\x07docs\x1b]8;;\x07 and \x1b]52;c;aGk=\x07\n"
        b"step 2 \x1b]8;;http://x\x07loss\x1b]8;;\x07=0.4 rec_loss=0.1 kl_loss=300\n"
    )
    for chunk in (None, 1, 7):
        out = strict_json(read_run(data, chunk=chunk))
        assert out["records"] == 2
        assert list(out["metrics"]) == ["total_loss", "rec_loss", "kl_loss"]
        assert out["metrics"]["total_loss"]["last"] == 0.4


# ------------------------------------------------------------------ FIFO and standard input
def _fifo_writer(path: Path, data: bytes) -> threading.Thread:
    """Write `data` into a FIFO in small pieces (opening blocks until the reader is there)."""

    def write() -> None:
        with open(path, "wb", buffering=0) as fh:
            for i in range(0, len(data), 97):
                fh.write(data[i : i + 97])
                time.sleep(0.001)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize("follow", [False, True], ids=["check", "check-follow"])
def test_check_reads_a_named_pipe(tmp_path: Path, follow: bool) -> None:
    fifo = tmp_path / "train.pipe"
    os.mkfifo(fifo)
    data = b"".join(metric_line(s) for s in range(1, 41)) + garbage(seed=3, size=200)
    writer = _fifo_writer(fifo, data)
    args = [*VAETUI, "check", str(fifo), "--json", *(["--follow"] if follow else [])]
    done = subprocess.run(args, capture_output=True, timeout=30)
    writer.join(timeout=5)
    summary = summary_of(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert summary["records"] == 40
    assert summary["bad_bytes"] > 0


@pytest.mark.parametrize("follow", [False, True], ids=["check", "check-follow"])
def test_check_reads_standard_input(follow: bool) -> None:
    data = b"".join(metric_line(s) for s in range(1, 31)) + b"\x1b[31mstep 31 loss=0.5\x1b[0m"
    args = [*VAETUI, "check", "-", "--json", *(["--follow"] if follow else [])]
    done = subprocess.run(args, input=data, capture_output=True, timeout=30)
    summary = summary_of(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert summary["records"] == 31
    assert summary["last_step"] == 31


# ---------------------------------------------------------------------------------- fuzz
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REAL_LOGS = ["generated/plain/healthy.log", "generated/logging/diverge.log"]
REAL_LOGS += ["generated/tqdm/restart.log", "generated/lightning/warmup.stdout.log"]


@cache
def real_lines(name: str) -> tuple[bytes, ...]:
    path = SHARED_LOGS / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return tuple(path.read_bytes().splitlines(keepends=True)[:400])


def _counts(run: Run) -> tuple[int, int, int, int]:
    snap = run.snapshot(now=0.0)
    return snap.records, snap.lines, snap.bad_bytes, snap.cut_lines


@FUZZ
@given(raw=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=30))
def test_random_bytes_any_chunking_same_counts(raw: bytes, cuts: list[int]) -> None:
    assert _counts(fed_in_pieces(raw, cuts)) == _counts(fed_in_pieces(raw, []))


@pytest.mark.parametrize("name", REAL_LOGS, ids=lambda n: n.split("/", 1)[1])
@FUZZ
@given(data=st.data())
def test_real_lines_mixed_with_garbage_same_records(name: str, data: st.DataObject) -> None:
    lines = real_lines(name)
    pieces = data.draw(
        st.lists(
            st.one_of(
                st.sampled_from(lines),
                st.binary(max_size=120),
                st.sampled_from([b"\x00", b"\xff\xfe", b"\x1b[31m", b"\x1b]8;;x\x07", b"\r"]),
            ),
            min_size=1,
            max_size=120,
        )
    )
    raw = b"".join(pieces)
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=25))
    assert _counts(fed_in_pieces(raw, cuts)) == _counts(fed_in_pieces(raw, []))


@pytest.mark.parametrize("name", REAL_LOGS[:1], ids=["plain"])
@FUZZ
@given(data=st.data())
def test_clean_real_lines_between_garbage_lines_are_all_counted(
    name: str, data: st.DataObject
) -> None:
    """Whole metric lines separated by garbage *lines* (no printable ASCII) are each counted."""
    metric = [ln for ln in real_lines(name) if ln.startswith(b"step ")]
    chosen = data.draw(st.lists(st.sampled_from(metric), min_size=1, max_size=60, unique=True))
    chosen.sort(key=lambda ln: int(ln.split()[1]))  # increasing steps: no restart segments
    junk = st.binary(max_size=80).map(lambda b: bytes(c for c in b if c >= 0x80 or c == 0) + b"\n")
    parts: list[bytes] = []
    for line in chosen:
        parts += [data.draw(junk), line]
    raw = b"".join(parts)
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=25))
    assert fed_in_pieces(raw, cuts).snapshot().records == len(chosen)
