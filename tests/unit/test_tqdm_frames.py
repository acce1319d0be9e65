"""tqdm refreshes framed over the whole block (``vaetui.core.formats.fasttqdm.frame_refreshes``)
and clean UTF-8 blocks kept as bytes (``vaetui.core.lines.LineSplitter``) must give exactly what
the segment-by-segment definitions give: the same segments, physical lines, stripped padding and
bars cut out; the same text, bad-byte counts and line numbers; the same records and verdicts."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import vaetui.core.formats.fastkv as fastkv
from tests.support.parity import close, run_picture
from vaetui.core.formats import fasttqdm
from vaetui.core.formats.fasttqdm import frame_refreshes
from vaetui.core.formats.text import TextParser
from vaetui.core.lines import LineSplitter, TextBlock, clean_text

#: Each test runs with the compiled readers and without them (``tests/unit/conftest.py``).
pytestmark = pytest.mark.usefixtures("readers")

_BAR = re.compile(rb"%\|[^|\r\n]*\|")


def _rstrip(segment: bytes) -> bytes:
    stripped = segment.rstrip()
    if stripped[-1:] < b"\x80":
        return stripped
    text = stripped.decode("utf-8", errors="surrogateescape").rstrip()
    return text.encode("utf-8", errors="surrogateescape")


def _frames_one_by_one(raw: bytes, first_line: int) -> tuple[list[bytes], list[int], bytes]:
    """The definition: split at ``\\n`` then ``\\r``, strip each segment, drop blank ones, join
    them one per line and cut every bar with the regex."""
    segments: list[bytes] = []
    lines: list[int] = []
    for number, line in enumerate(raw.split(b"\n"), first_line):
        parts = [p for p in map(_rstrip, line.split(b"\r")) if p]
        segments += parts
        lines += [number] * len(parts)
    virtual = _BAR.sub(b"%||", b"\n".join(segments)) + b"\n" if segments else b""
    return segments, lines, virtual


def _framed(raw: bytes, first_line: int) -> tuple[list[bytes], list[int], bytes]:
    frames = frame_refreshes(raw, first_line)
    segments = [frames.segment(i) for i in range(len(frames.lines))]
    return segments, frames.lines.tolist(), frames.virtual


_PIECES = st.sampled_from(
    [
        b"%",
        b"|",
        b"%|",
        b"\r",
        b"\n",
        b" ",
        b"  ",
        b"\t",
        b"\x0b",
        b"\x0c",
        b"\x1c",
        b"a",
        b"7",
        b"]",
        "█".encode(),
        "▌".encode(),
        "\u00a0".encode(),  # no-break space: str.rstrip strips it, bytes.rstrip does not
        "\u2028".encode(),
        "\u3000".encode(),
        b"\xff",  # not UTF-8 (surrogate-escaped when stripped)
        b"\xe2\x96",  # a glyph cut short
    ]
)


@settings(max_examples=400, deadline=None)
@given(raw=st.lists(_PIECES, max_size=40).map(b"".join), first_line=st.integers(1, 9))
@example(raw=b"a" + b" " * 40 + b"\rb \t \x0b\n", first_line=1)  # past the vectorised rounds
@example(raw=b"x%|aa%|bb|c|\r%|   |\n", first_line=3)  # a bar's end opens another: regex
@example(raw=" \u3000 q\u00a0 \r".encode() * 3, first_line=1)
@example(raw=b"no terminator at the end", first_line=2)
@example(raw=b"\r\n\r \n", first_line=1)
def test_refreshes_framed_as_one_by_one(raw: bytes, first_line: int) -> None:
    assert _framed(raw, first_line) == _frames_one_by_one(raw, first_line)
    # The same with the terminators found beforehand (as the line splitter finds them).
    breaks = np.array([i for i, c in enumerate(raw) if c in b"\r\n"], dtype=np.int64)
    frames = frame_refreshes(raw, first_line, breaks)
    segments = [frames.segment(i) for i in range(len(frames.lines))]
    assert (segments, frames.lines.tolist(), frames.virtual) == _framed(raw, first_line)


def test_a_bar_closing_where_another_opens_is_left_to_the_regex() -> None:
    raw = b"a 5%|ab%|cd| 1/9 [x]\rb 6%|ab| 2/9 [y]\n"
    codes = np.frombuffer(raw, dtype=np.uint8)
    term = np.flatnonzero((codes == 10) | (codes == 13))
    assert fasttqdm._bar_glyphs(codes, term) is None
    assert _framed(raw, 1) == _frames_one_by_one(raw, 1)


def test_a_real_block_is_framed_as_one_by_one() -> None:
    parts = []
    for n in range(1, 3000):
        fill = "█" * (n % 10) + "▌" * (n % 2) + " " * (10 - n % 10 - n % 2)
        post = f"loss={0.5 + (n % 13) / 7:.4g}" + (", lr=1e-05" if n % 5 else "")
        parts.append(f"\rtrain: {n % 100:3d}%|{fill}| {n}/9999 [00:01<00:02, 3.1it/s, {post}]")
        parts[-1] += " " * (n % 4)  # tqdm pads a shorter refresh over a longer one
        if n % 700 == 0:
            parts.append("\n")
    raw = "".join(parts).encode() + b"\n"
    assert _framed(raw, 4) == _frames_one_by_one(raw, 4)


# -- whole runs: the batched bars against the per-segment parser ---------------------------


def _snapshot(data: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> dict:
    return run_picture(data, fast, monkeypatch, block=1, chunk=1 << 16)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.floats(min_value=-1e6, max_value=1e6, width=32), min_size=2, max_size=20),
    pad=st.sampled_from(["", " ", "\u00a0", " \t"]),
    bars_per_line=st.integers(0, 2500),
    ascii_bar=st.booleans(),
)
def test_padded_bars_on_many_lines_agree(values, pad, bars_per_line, ascii_bar) -> None:
    parts = []
    for i in range(1, 4000):
        v = values[i % len(values)]
        glyph, part = ("#", "5") if ascii_bar else ("█", "▋")
        fill = glyph * (i % 10) + part * (i % 3 == 0) + " " * (10 - i % 10 - (i % 3 == 0))
        post = f"loss={v:.3g}" + (", kl_loss=12.5" if i % 3 else "")
        parts.append(f"\rtrain: {i % 100:3d}%|{fill}| {i}/9999 [00:01<00:02, 3.1it/s, {post}]")
        parts[-1] += pad * (i % 3)
        if bars_per_line and i % bars_per_line == 0:
            parts.append("\n")
    data = ("".join(parts) + "\n").encode()
    with pytest.MonkeyPatch.context() as mp:
        assert close(_snapshot(data, True, mp), _snapshot(data, False, mp))


def test_batched_bars_are_taken_for_padded_refreshes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastkv, "MIN_BLOCK_BYTES", 64 << 10)
    parts = [
        f"\rtrain: {i % 100:3d}%|{'█' * (i % 10):10s}| {i}/9999 [00:01, loss=0.{i % 9}]"
        + " " * (i % 3)
        for i in range(1, 6000)
    ]
    raw = "".join(parts).encode() + b"\n"
    pieces = fasttqdm.split_refreshes(TextParser()._fast_bars, TextBlock(None, 1, raw, 1))
    assert pieces is not None
    assert sum(len(p.steps) for p in pieces if isinstance(p, fastkv.Batch)) > 5000


def test_a_small_block_of_wide_characters_counts_characters_not_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fastkv, "MIN_BLOCK_BYTES", 1000)
    bar = "\rtrain:  50%|█████     | 5/10 [00:01, loss=0.5]"
    for repeat in (10, 30):  # 500 and 1500 characters, both over 1000 bytes
        raw = (bar * repeat).encode()
        parser = TextParser()
        from_bytes = parser._bars_batchable(TextBlock(None, 1, raw, 0))
        assert from_bytes == parser._bars_batchable(TextBlock(raw.decode(), 1))
        assert from_bytes == (repeat == 30)


# -- LineSplitter: clean UTF-8 stays bytes ---------------------------------------------------


def _reference(raw: bytes) -> tuple[str, int, bool]:
    """Text, bad bytes and whether the bytes are kept, by definition (the decoded text with
    escapes stripped; replaced characters, U+FFFD and NUL counted; kept when nothing changed)."""
    try:
        text = raw.decode("utf-8")
        bad = text.count("\ufffd")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
    bad += text.count("\x00")
    cleaned = clean_text(text)
    controls = any((ord(c) < 32 and c not in "\t\n\r") or c in "\x7f\x9b" for c in text)
    return cleaned, bad, not (bad or controls)


_TEXT = st.lists(
    st.one_of(
        _PIECES,
        st.sampled_from(
            [b"\x00", b"\x1b[2K", b"\x7f", "\x9b".encode(), "\ufffd".encode(), b"\xc2", b"\x9b"]
        ),
        st.text(max_size=4).map(str.encode),
    ),
    max_size=60,
).map(lambda parts: b"".join(parts) + b"\n")


@settings(max_examples=400, deadline=None)
@given(raw=_TEXT)
@example(raw=b"0\x1b]\n\n")  # an OSC left open: it must not swallow the line break
def test_a_block_keeps_its_bytes_exactly_when_they_decode_to_its_text(raw: bytes) -> None:
    splitter = LineSplitter()
    block = splitter.feed(raw)
    assert block is not None
    text, bad, kept = _reference(raw)
    assert block.text == text
    assert splitter.bad_bytes == bad
    assert (block.raw is not None) == kept
    if block.raw is not None:
        assert block.raw == raw and block.newlines == raw.count(b"\n")
        if block.breaks is not None:
            assert block.breaks.tolist() == [i for i, c in enumerate(raw) if c in b"\r\n"]
    assert splitter.lines == raw.count(b"\n")


def test_a_clean_block_of_bar_glyphs_is_not_decoded() -> None:
    raw = "\rtrain:  50%|█████▌    | 5/10 [00:01, loss=0.5]\n".encode() * 100
    block = LineSplitter().feed(raw)
    assert block is not None and block.raw == raw
    assert block._text is None  # decoded only when a parser asks for the text
    assert block.text == raw.decode()
