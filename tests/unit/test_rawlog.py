"""The raw lines of a log by number: an index of byte offsets for a file, a ring for stdin."""

from __future__ import annotations

import re
from pathlib import Path

from vaetui.core.rawlog import FileLines, StreamLines, compile_search, display_text
from vaetui.core.run import Run


def _write(path: Path, lines: int, tail: bytes = b"") -> Path:
    path.write_bytes(b"".join(b"step %d loss=0.5\n" % i for i in range(1, lines + 1)) + tail)
    return path


def test_lines_by_number_across_index_blocks(tmp_path: Path) -> None:
    raw = FileLines(str(_write(tmp_path / "a.log", 1000)), every=16)
    raw.refresh()
    assert raw.first_line() == 1 and raw.last_line() == 1000
    assert raw.lines(1, 2) == [(1, "step 1 loss=0.5"), (2, "step 2 loss=0.5")]
    assert [n for n, _ in raw.lines(15, 4)] == [15, 16, 17, 18]  # across a block boundary
    assert raw.lines(999, 10) == [(999, "step 999 loss=0.5"), (1000, "step 1000 loss=0.5")]


def test_growing_file_is_indexed_incrementally_and_restarted_when_truncated(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "a.log", 100, b"step 101 lo")
    raw = FileLines(str(path), every=8)
    raw.refresh()
    assert raw.last_line() == 101 and raw.lines(101, 1) == [(101, "step 101 lo")]
    with path.open("ab") as fh:
        fh.write(b"ss=0.4\nstep 102 loss=0.3\n")
    raw.refresh()
    assert raw.last_line() == 102
    assert raw.lines(101, 2) == [(101, "step 101 loss=0.4"), (102, "step 102 loss=0.3")]
    _write(path, 5)  # truncated and rewritten
    raw.refresh()
    assert raw.last_line() == 5 and raw.lines(5, 3) == [(5, "step 5 loss=0.5")]


def test_search_forward_and_backward(tmp_path: Path) -> None:
    raw = FileLines(str(_write(tmp_path / "a.log", 500)), every=32)
    raw.refresh()
    pattern = re.compile(r"step 4\d\b")
    assert raw.search(pattern, 1, forward=True) == 40
    assert raw.search(pattern, 40, forward=True) == 41
    assert raw.search(pattern, 45, forward=False) == 44
    assert raw.search(pattern, 40, forward=False) is None
    assert raw.search(re.compile("nothing"), 0, forward=True) is None


def test_event_lines_are_the_raw_lines(tmp_path: Path) -> None:
    """An event's line number opens the raw log at the line with its evidence."""
    text = "".join(f"step {i} loss=0.5 rec_loss=0.01 kl_loss=500\n" for i in range(1, 300))
    text += "step 300 loss=nan rec_loss=nan kl_loss=nan\n"
    path = tmp_path / "nan.log"
    path.write_text("banner line\n" + text)
    run = Run("nan.log")
    run.feed(path.read_bytes())
    run.finish()
    nan = next(e for e in run.snapshot().events if e.kind == "nan")
    raw = FileLines(str(path))
    raw.refresh()
    assert nan.line is not None
    assert raw.lines(nan.line, 1)[0][1].startswith("step 300 loss=nan")


def test_text_is_literal_escapes_stripped_last_frame_shown() -> None:
    assert display_text(b"\x1b[31mred\x1b[0m [bold]x[/]\n") == "red [bold]x[/]"
    assert display_text(b"10%|#  | 1/10\r50%|### | 5/10\r") == "50%|### | 5/10"
    assert display_text(b"\x1b]52;c;aGk=\x07copied") == "copied"
    assert isinstance(compile_search("("), str) and compile_search("kl").search("KL")


def test_standard_input_keeps_the_newest_lines() -> None:
    ring = StreamLines(keep=50)
    ring.feed(b"first\nsec")
    ring.feed(b"ond\n" + b"".join(b"line %d\n" % i for i in range(3, 201)))
    ring.feed(b"unfinished")
    assert ring.last_line() == 200 and ring.first_line() == 151
    assert ring.lines(1, 2) == [(151, "line 151"), (152, "line 152")]
    ring.finish()
    assert ring.last_line() == 201 and ring.lines(201, 5) == [(201, "unfinished")]
    assert ring.search(re.compile("line 16"), 201, forward=False) == 169
    assert ring.search(re.compile("first"), 151, forward=False) is None  # no longer kept
