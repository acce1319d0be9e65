"""FileSource on real files: every complete line exactly once, whatever happens to the file."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaetui.core.source import FileSource, ReadResult, SourceError, last_lines, newest_part


class Lines:
    """The caller's side of the contract: split lines, drop the partial one on reset."""

    def __init__(self) -> None:
        self.partial = b""
        self.lines: list[bytes] = []

    def feed(self, data: bytes) -> None:
        *complete, self.partial = (self.partial + data).split(b"\n")
        self.lines.extend(complete)

    def reset(self) -> None:
        self.partial = b""

    def take(self, result: ReadResult) -> ReadResult:
        if result.reset:
            self.reset()
        self.feed(result.data)
        return result


def drain(source: FileSource, lines: Lines, max_bytes: int = 1 << 20) -> list[ReadResult]:
    """Read until a read brings neither data nor a reset."""
    results = []
    while True:
        result = lines.take(source.read(max_bytes))
        results.append(result)
        if not result.data and not result.reset:
            return results


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def test_missing_path_then_appears(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    source = FileSource(path)
    assert source.read() == ReadResult(b"", reset=False, exists=False)
    path.write_bytes(b"step=1 kl=3\n")
    assert source.read() == ReadResult(b"step=1 kl=3\n", reset=False, exists=True)
    assert (source.path, source.offset, source.size) == (str(path), 12, 12)
    source.close()
    source.close()


def test_growth_in_partial_writes(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    source, lines = FileSource(path), Lines()
    for piece in [b"step=1 kl", b"=3\nstep=2 ", b"", b"kl=4", b"\nstep=3 kl=5\nste"]:
        append(path, piece)
        drain(source, lines)
    assert lines.lines == [b"step=1 kl=3", b"step=2 kl=4", b"step=3 kl=5"]
    assert lines.partial == b"ste"


def test_reads_in_bounded_chunks(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"x" * 10_000)
    source = FileSource(path)
    sizes = [len(source.read(max_bytes=1000).data) for _ in range(11)]
    assert sizes == [1000] * 10 + [0]
    assert source.offset == source.size == 10_000


def test_copytruncate(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"step=1\nstep=2\npart")
    source, lines = FileSource(path), Lines()
    drain(source, lines)
    with path.open("r+b") as f:
        f.truncate(0)
    append(path, b"step=3\n")
    result = lines.take(source.read())
    assert (result.reset, result.reason) == (True, "file was truncated")
    assert lines.lines == [b"step=1", b"step=2", b"step=3"]


def test_truncated_and_regrown_past_offset_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"step=1\nstep=2\n")
    source, lines = FileSource(path), Lines()
    drain(source, lines)
    path.write_bytes(b"run two\nstep=10 kl=1\nstep=11 kl=2\n")  # longer than before
    assert drain(source, lines)[0].reset
    assert lines.lines == [b"step=1", b"step=2", b"run two", b"step=10 kl=1", b"step=11 kl=2"]


def test_rename_rotation_finishes_old_handle_first(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    writer = path.open("ab", buffering=0)
    writer.write(b"old=1\nold=")
    source, lines = FileSource(path), Lines()
    drain(source, lines)
    path.rename(tmp_path / "train.log.1")
    writer.write(b"2\n")  # the trainer writes once more before reopening
    writer.close()
    path.write_bytes(b"new=1\n")
    first, second, third = source.read(), source.read(), source.read()
    assert first == ReadResult(b"2\n", reset=False, exists=True)
    assert second == ReadResult(b"new=1\n", reset=True, exists=True, reason="file was replaced")
    assert third == ReadResult(b"", reset=False, exists=True)
    for result in (first, second):
        lines.take(result)
    assert lines.lines == [b"old=1", b"old=2", b"new=1"]


def test_delete_and_recreate(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    writer = path.open("ab", buffering=0)
    writer.write(b"a=1\n")
    source, lines = FileSource(path), Lines()
    drain(source, lines)
    path.unlink()
    writer.write(b"a=2\nhalf")  # still written to the deleted file
    assert lines.take(source.read()) == ReadResult(b"a=2\nhalf", reset=False, exists=False)
    assert lines.take(source.read()) == ReadResult(b"", reset=False, exists=False)
    path.write_bytes(b"b=1\n")
    results = drain(source, lines)
    assert results[0].reset and results[0].reason == "file was replaced"
    assert lines.lines == [b"a=1", b"a=2", b"b=1"]
    writer.close()


def test_symlink_retarget(tmp_path: Path) -> None:
    (tmp_path / "run1").mkdir()
    (tmp_path / "run2").mkdir()
    (tmp_path / "run1" / "log").write_bytes(b"run=1\npartial")
    (tmp_path / "run2" / "log").write_bytes(b"run=2\n")
    link = tmp_path / "latest.log"
    link.symlink_to(tmp_path / "run1" / "log")
    source, lines = FileSource(link), Lines()
    drain(source, lines)
    staged = tmp_path / "latest.tmp"
    staged.symlink_to(tmp_path / "run2" / "log")
    staged.replace(link)  # atomic retarget, as `ln -sfn` does
    results = drain(source, lines)
    assert (results[0].reset, results[0].reason) == (True, "symlink target changed")
    assert lines.lines == [b"run=1", b"run=2"]


def test_dangling_symlink_waits(tmp_path: Path) -> None:
    link = tmp_path / "train.log"
    link.symlink_to(tmp_path / "not-yet.log")
    source = FileSource(link)
    assert not source.read().exists
    (tmp_path / "not-yet.log").write_bytes(b"k=1\n")
    assert source.read().data == b"k=1\n"


def test_directory_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.mkdir()
    with pytest.raises(SourceError, match=r"train.log is a directory, not a log file$"):
        FileSource(path).read()


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"k=1\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running with privileges that read anything (root)")
        with pytest.raises(SourceError, match=r"^cannot read .*train.log: permission denied$"):
            FileSource(path).read()
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_permission_error_message_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"k=1\n")
    real_open = os.open

    def denied(name: object, *args: object) -> int:
        if os.fspath(name) == str(path):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied")
        return real_open(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(SourceError, match=r"^cannot read .*train.log: permission denied$"):
        FileSource(path).read()


def test_replaced_by_a_directory_then_fixed(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"k=1\n")
    source, lines = FileSource(path), Lines()
    drain(source, lines)
    path.unlink()
    path.mkdir()
    with pytest.raises(SourceError, match="is a directory"):
        source.read()
    path.rmdir()
    path.write_bytes(b"k=2\n")
    assert drain(source, lines)[0].reset
    assert lines.lines == [b"k=1", b"k=2"]


def test_fifo_is_read_as_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    arrived = threading.Event()
    source = FileSource(fifo, on_data=arrived.set)
    assert source.read() == ReadResult(b"", reset=False, exists=True)
    assert source.is_stream

    def write() -> None:
        with fifo.open("wb") as f:
            for i in range(100):
                f.write(b"step=%d\n" % i)

    writer = threading.Thread(target=write)
    writer.start()
    received = bytearray()
    while not source.finished:
        arrived.clear()
        data = source.read(max_bytes=100).data
        received += data
        if not data and not source.finished:
            assert arrived.wait(5)
    writer.join()
    assert bytes(received) == b"".join(b"step=%d\n" % i for i in range(100))
    source.close()


def test_close_unblocks_a_fifo_nobody_writes(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    source = FileSource(fifo)
    source.read()
    source.close()
    assert not [t.name for t in threading.enumerate() if str(fifo) in t.name]


# --- property: random writes and faults against a real file -----------------------------------


def line_stream():
    """Unique lines forever, so a doubled or lost line cannot hide."""
    i = 0
    while True:
        yield from b"step=%d kl=%d.5 rec=0.0%d\n" % (i, i * 7, i % 10)
        i += 1


write_op = st.tuples(st.just("write"), st.integers(1, 120))
fault_op = st.tuples(st.sampled_from(["truncate", "rotate", "recreate"]), st.integers(0, 40))
ops = st.lists(st.one_of(write_op, write_op, write_op, fault_op), max_size=30)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=ops, max_bytes=st.sampled_from([1, 7, 64, 1 << 20]))
def test_property_every_complete_line_once(ops: list[tuple[str, int]], max_bytes: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run_scenario(Path(tmp), ops, max_bytes)


def run_scenario(tmp: Path, ops: list[tuple[str, int]], max_bytes: int) -> None:
    path = tmp / "train.log"
    stream = line_stream()
    take = lambda n: bytes(next(stream) for _ in range(n))  # noqa: E731
    expected, got = Lines(), Lines()
    source = FileSource(path)
    drain(source, got, max_bytes)  # the file does not exist yet
    writer = path.open("ab", buffering=0)
    drain(source, got, max_bytes)  # it appears (a file nobody ever saw cannot be followed)
    for step, (op, n) in enumerate(ops):
        if op == "write":
            data = take(n)
            writer.write(data)
            expected.feed(data)
        elif op == "truncate":  # copytruncate: same inode, same writer
            os.ftruncate(writer.fileno(), 0)
            expected.reset()
        else:  # rotate / recreate: the writer adds a last bit to the old file, then reopens
            if op == "rotate":
                path.rename(tmp / f"train.log.{step}")
            else:
                path.unlink()
            tail = take(n)
            writer.write(tail)
            expected.feed(tail)
            expected.reset()
            writer.close()
            writer = path.open("ab", buffering=0)
        drain(source, got, max_bytes)
    writer.close()
    source.close()
    assert got.lines == expected.lines


@given(
    st.lists(st.sampled_from([b"a", b"bc", b"", b"\r"]), max_size=12),
    st.booleans(),
    st.integers(0, 14),
)
def test_last_lines_are_the_tail_of_split_lines(
    parts: list[bytes], ended: bool, count: int
) -> None:
    data = b"\n".join(parts) + (b"\n" if ended and parts else b"")
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines = lines[:-1]  # the line end closes the last line, it starts none
    want = lines[-count:] if 0 < count < len(lines) else (lines if count else [])
    got = last_lines(data, count)
    assert data.endswith(got)
    if count >= len(lines):
        assert got == data
    elif count:
        assert got == b"\n".join(want) + (b"\n" if data.endswith(b"\n") else b"")
    else:
        assert got == b""


def test_newest_part_keeps_whole_lines_and_at_most_the_lines_asked(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_bytes(b"".join(b"step %d loss=0.1\n" % i for i in range(20_000)))
    size = log.stat().st_size
    assert newest_part(str(log), size // 2) is None  # small enough to be read whole
    tail, total = newest_part(str(log), 64 << 10) or (b"", 0)
    assert total == size and len(tail) <= 64 << 10
    assert tail.startswith(b"step ") and tail.endswith(b"step 19999 loss=0.1\n")
    few, _ = newest_part(str(log), 64 << 10, lines=100) or (b"", 0)
    assert few == b"".join(b"step %d loss=0.1\n" % i for i in range(19_900, 20_000))
    all_of_it, _ = newest_part(str(log), 64 << 10, lines=10**6) or (b"", 0)
    assert all_of_it == tail
