"""Chunking must not matter: a live follower feeds the core arbitrary byte chunks.

Property: feeding a log to :class:`Run` in random chunks gives exactly what feeding it whole
gives (records, lines, steps, segments, every metric's history, events). ``LineSplitter``
alone gives the same text for any chunking. And no input, however hostile, makes the core
raise or emit JSON that a strict parser rejects.
"""

from __future__ import annotations

import io
import json
import math
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import SHARED_LOGS
from tests.support.runs import fed_in_pieces
from vaetui.core.lines import LineSplitter
from vaetui.core.options import RunOptions
from vaetui.core.run import Run
from vaetui.simulate import write_log

#: Each test runs with the compiled readers and without them (``tests/unit/conftest.py``).
pytestmark = pytest.mark.usefixtures("readers")

SHARED_FILES = [
    "generated/plain/restart.log",
    "generated/tqdm/restart.log",
    "generated/tqdm/diverge.log",
    "generated/logging/diverge.log",
    "generated/jsonl/restart.jsonl",
    "generated/lightning/restart.stdout.log",
    "generated/lightning/diverge/version_0/metrics.csv",
    "public/samples/zged-seqdecoder-tqdm-gbk-crlf.log",
    "public/samples/d2-mask2former-log.txt",
    "public/samples/mmengine-mmpretrain-epoch.log",
    "public/samples/kerasio-vae-fit-keras2.log",
    "public/samples/anican-pytorchvae-lightning-metrics.csv",
]
SIMULATED = [
    ("restart", "tqdm"),
    ("diverge", "logging"),
    ("warmup", "jsonl"),
    ("collapse", "kv"),
]

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def load(source: str) -> bytes:
    if source.startswith("sim:"):
        scenario, fmt = source[4:].split("/")
        buf = io.StringIO()
        write_log(buf, scenario=scenario, steps=600, fmt=fmt)
        return buf.getvalue().encode("utf-8")
    path = SHARED_LOGS / source
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path.read_bytes()


SOURCES = [pytest.param(f"sim:{s}/{f}", id=f"sim-{s}-{f}") for s, f in SIMULATED] + [
    pytest.param(p, id=p.rsplit("/", 1)[-1]) for p in SHARED_FILES
]


def _key(x: float) -> float | str:
    return "nan" if math.isnan(x) else x


def essentials(run: Run) -> dict:
    snap = run.snapshot(now=0.0)
    return {
        "format": snap.format,
        "records": snap.records,
        "lines": snap.lines,
        "skipped_lines": snap.skipped_lines,
        "first_step": snap.first_step,
        "last_step": snap.last_step,
        "segments": snap.segments,
        "segment_starts": snap.segment_starts,
        "bad_bytes": snap.bad_bytes,
        "metrics": {
            name: (m.count, _key(m.last) if m.last is not None else None, m.nan_count)
            for name, m in snap.metrics.items()
        },
        "history": {
            name: (
                tuple(map(_key, s.steps.tolist())),
                tuple(map(_key, s.values.tolist())),
                tuple(s.segments.tolist()),
            )
            for name, s in snap.history.items()
        },
        "events": [(e.step, e.line, e.kind, e.message) for e in snap.events],
        "levels": [(v.id, v.level) for v in snap.criteria],
    }


def read(data: bytes, cuts: list[int], fmt: str = "auto") -> Run:
    return fed_in_pieces(data, cuts, "chunked.log", RunOptions(fmt=fmt))


@cache
def whole(source: str, fmt: str = "auto") -> dict:
    return essentials(read(load(source), [], fmt))


@pytest.mark.parametrize("source", SOURCES)
@SETTINGS
@given(data=st.data())
def test_random_chunks_give_the_same_run(source: str, data: st.DataObject) -> None:
    raw = load(source)
    expected = whole(source)
    assert expected["records"] > 0
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=60), label="cuts")
    # and some cuts in the first few kilobytes, where the format is sniffed
    cuts += data.draw(st.lists(st.integers(0, min(len(raw), 5000)), max_size=20), label="head")
    assert essentials(read(raw, cuts)) == expected


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 4095, 4096, 4097])
@pytest.mark.parametrize(
    "source",
    [
        pytest.param("sim:restart/tqdm", id="sim-tqdm"),
        pytest.param("generated/logging/diverge.log", id="logging"),
        pytest.param("public/samples/zged-seqdecoder-tqdm-gbk-crlf.log", id="zged-gbk"),
    ],
)
def test_fixed_small_chunks(source: str, size: int) -> None:
    raw = load(source)[:20_000]
    expected = essentials(read(raw, []))
    assert essentials(read(raw, list(range(size, len(raw), size)))) == expected


# --------------------------------------------------------------------------- hostile text
FRAGMENTS = [
    b"\n",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"\x1b[31m",
    b"\x1b[0m",
    b"\x1b[A",
    b"\x1b[2K",
    b"\x1b]0;title\x07",
    b"\x9b31m",
    b"\x00",
    b"\x08",
    b"\xff",
    b"\xfe\xfe",
    b"\xe2\x82",  # a truncated multi-byte character
    "€".encode(),
    "█▉".encode(),
    b"\xa8\x87",  # GBK bar glyph
    b" ",
    b"\t",
    b"step ",
    b"epoch ",
    b"Epoch 3/30",
    b"iter: ",
    b"loss=",
    b"kl_loss=",
    b"rec_loss: ",
    b"kl_weight=",
    b"val_loss=",
    b"nan",
    b"inf",
    b"NaN",
    b"nan.0",
    b"1e-4",
    b"-0.5",
    b"0.0069",
    b"509.2",
    b"tensor(0.0119, device='cuda:0')",
    b"train:  10%|#         | 10/100 [00:01<00:09, 9.99it/s, loss=0.5, kl_loss=500]",
    b"Epoch 1:   0%|          | 0/25 [00:00<?, ?it/s, v_num=0, loss=0.2]",
    b'{"step": 3, "loss": NaN, "kl_loss": 500}',
    b'{"step": ',
    b"epoch,step,loss,kl_loss",
    b"0,10,0.1,500",
    b",,,",
    b"547/547 [==============================] - 13s 24ms/step - loss: 253.6",
    b"Epoch(train) [1][10/25]  lr: 1.0000e-04  loss: 0.2",
]
_fragment = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.binary(max_size=6),
    st.integers(0, 100_000).map(lambda n: str(n).encode()),
)
HOSTILE = st.lists(_fragment, max_size=150).map(b"".join)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    raw=HOSTILE,
    cuts=st.lists(st.integers(0, 3000), max_size=30),
    fmt=st.sampled_from(["auto", "kv", "jsonl", "csv"]),
)
def test_hostile_text_chunking(raw: bytes, cuts: list[int], fmt: str) -> None:
    expected = essentials(read(raw, [], fmt))
    assert essentials(read(raw, cuts, fmt)) == expected


def split_text(raw: bytes, cuts: list[int], max_line_bytes: int | None = None) -> tuple:
    splitter = LineSplitter() if max_line_bytes is None else LineSplitter(max_line_bytes)
    pieces: list[str] = []
    firsts: list[int] = []
    start = 0
    bounds = [c for c in sorted(set(cuts)) if 0 < c < len(raw)] + [len(raw)]
    for cut in bounds:
        block = splitter.feed(raw[start:cut])
        start = cut
        if block is not None:
            pieces.append(block.text)
            firsts.append(block.first_line)
    block = splitter.flush()
    if block is not None:
        pieces.append(block.text)
        firsts.append(block.first_line)
    text = "".join(pieces)
    # every block starts on the line its predecessors ended on
    line = 1
    for piece, first in zip(pieces, firsts):
        assert first == line
        line += piece.count("\n")
    return text, splitter.lines, splitter.bad_bytes


@settings(max_examples=200, deadline=None, derandomize=True)
@given(raw=HOSTILE, cuts=st.lists(st.integers(0, 3000), max_size=40))
def test_line_splitter_same_text_for_any_chunking(raw: bytes, cuts: list[int]) -> None:
    text, lines, bad = split_text(raw, cuts)
    assert (text, lines, bad) == split_text(raw, [])
    assert "\x1b" not in text and "\x00" not in text
    # only tab, LF and CR survive among the C0 controls
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in text)
    if raw:
        assert text.endswith(("\n", "\r"))  # flush terminates an unfinished last line


@pytest.mark.parametrize("source", SOURCES[:4] + SOURCES[5:7])
def test_line_splitter_byte_by_byte(source: str) -> None:
    raw = load(source)[:6000]
    assert split_text(raw, list(range(len(raw)))) == split_text(raw, [])


@pytest.mark.parametrize(
    ("raw", "cuts"),
    [
        pytest.param(b"a" * 100 + b"\n", [50, 80], id="ascii"),
        pytest.param(("€" * 30 + "\n").encode(), [40, 70], id="multibyte"),
    ],
)
def test_line_splitter_long_line_any_chunking(raw: bytes, cuts: list[int]) -> None:
    assert split_text(raw, cuts, max_line_bytes=64) == split_text(raw, [], max_line_bytes=64)


def test_over_long_line_is_cut_and_counted() -> None:
    splitter = LineSplitter(max_line_bytes=64)
    block = splitter.feed(b"x" * 500 + b"\nstep 2 loss=1\n")
    assert block is not None
    first, second = block.text.split("\n")[:2]
    # The kept head ends its segment with "\r", as when the line arrives in pieces.
    assert first == "x" * 64 + "\r"
    assert second == "step 2 loss=1"
    assert splitter.cut_lines == 1
    assert splitter.lines == 2


# ------------------------------------------------------------------------------------- fuzz
def _strict_json(run: Run) -> str:
    return json.dumps(run.snapshot().to_json(), allow_nan=False)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    raw=st.binary(max_size=4000),
    cuts=st.lists(st.integers(0, 4000), max_size=20),
    fmt=st.sampled_from(["auto", "kv", "jsonl", "csv"]),
)
def test_random_bytes_never_raise(raw: bytes, cuts: list[int], fmt: str) -> None:
    run = read(raw, cuts, fmt)
    snap = run.snapshot()
    assert snap.records >= 0
    assert snap.lines >= 0
    _strict_json(run)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(raw=HOSTILE, fmt=st.sampled_from(["auto", "kv", "jsonl", "csv"]))
def test_hostile_text_never_raises(raw: bytes, fmt: str) -> None:
    run = Run("x", RunOptions(fmt=fmt, live=True))
    run.feed(raw)
    run.snapshot()
    run.source_reset()
    run.feed(raw[: len(raw) // 2])
    run.finish()
    _strict_json(run)


@pytest.mark.parametrize(
    ("fmt", "raw"),
    [
        pytest.param(
            "csv",
            b"step,loss\nnan,1\ninf,2\n3,4\n",
            id="csv-nan-step",
        ),
        pytest.param(
            "jsonl", b'{"step": NaN, "loss": 1}\n{"step": 1e400, "loss": 2}\n', id="jsonl"
        ),
        pytest.param("kv", b"step 1 loss=1e999 kl_loss=-1e999 rec_loss=nan\n", id="kv-inf"),
    ],
)
def test_non_finite_steps_and_values_give_strict_json(fmt: str, raw: bytes) -> None:
    run = read(raw, [], fmt)
    text = _strict_json(run)
    out = json.loads(text)
    for key in ("first_step", "last_step"):
        assert out[key] is None or math.isfinite(out[key])
