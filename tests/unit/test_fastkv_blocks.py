"""Blocks that are almost all of one shape (``vaetui.core.formats.fastkv``): the lines of another
shape are found without splitting the block into lines, read with the block when their columns
are the same, read by the per-line parser when not; key letters are deleted before the numbers
are read. Every path must give what the per-line parser gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.parity import run_picture
from vaetui.core.formats.fastkv import FastPath, Shape, _compact_cols, _odd_lines
from vaetui.core.lines import _cut_after_last_terminator

#: Each test runs with the compiled readers and without them (``tests/unit/conftest.py``).
pytestmark = pytest.mark.usefixtures("readers")


def _snapshot(data: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> dict:
    return run_picture(data, fast, monkeypatch, chunk=1 << 18)


def _line(i: int, odd: bool) -> str:
    g = "1e-05" if odd else f"0.{i % 97 + 1:04d}"  # the notation Python picks below 1e-4
    return f"step {i} loss={0.5 - i * 1e-6:.5f} kl_loss={300 + i % 7} g_loss={g} lr=5e-05\n"


def _log(lines: int, odd_every: int, message_every: int = 0, eval_every: int = 0) -> bytes:
    out = []
    for i in range(1, lines):
        out.append(_line(i, i % odd_every == 0))
        if message_every and i % message_every == 0:
            out.append(f"Saving checkpoint to ckpt/step_{i}.pt\n")
        if eval_every and i % eval_every == 0:
            out.append(f"step {i} val_loss={0.4 + i * 1e-7:.6f}\n")
    return "".join(out).encode()


def _count_splits(data: bytes, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many blocks were split into lines (``FastPath._pieces``) while reading ``data``."""
    calls = []
    pieces = FastPath._pieces

    def counting(self, *args):
        calls.append(1)
        return pieces(self, *args)

    monkeypatch.setattr(FastPath, "_pieces", counting)
    _snapshot(data, True, monkeypatch)
    return len(calls)


@pytest.mark.parametrize(
    ("odd_every", "message_every", "eval_every"),
    [(997, 0, 0), (499, 1500, 0), (601, 0, 2000), (211, 3001, 2503)],
)
def test_blocks_with_a_few_odd_lines_read_as_the_per_line_parser_reads(
    odd_every: int, message_every: int, eval_every: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _log(30_000, odd_every, message_every, eval_every)
    fast = _snapshot(data, True, monkeypatch)
    assert fast == _snapshot(data, False, monkeypatch)
    assert fast["records"] >= 29_000
    # Only the first block (no shape known yet) is split into lines; the others are read
    # around their odd lines.
    assert _count_splits(data, monkeypatch) == 1


def test_too_many_odd_lines_split_the_block_and_still_agree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _log(30_000, odd_every=7)  # ~60 odd lines per 64 KiB block: over MAX_ODD_LINES
    assert _snapshot(data, True, monkeypatch) == _snapshot(data, False, monkeypatch)
    assert _count_splits(data, monkeypatch) > 1


def test_nan_columns_and_glued_units_are_read_without_deleting_letters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = "".join(
        f"step {i} loss=nan rec_loss={i % 13 / 100} kl_loss=inf time={i % 5 + 1}.5s\n"
        for i in range(1, 20_000)
    ).encode()
    fast = _snapshot(lines, True, monkeypatch)
    assert fast == _snapshot(lines, False, monkeypatch)
    assert fast["metrics"]["total_loss"]["nan_count"] == 19_999


def test_compact_columns_skip_number_tokens_that_would_lose_letters() -> None:
    shape = Shape(step_col=1, epoch_col=None, value_cols=(3, 5), names=("loss", "kl"))
    assert _compact_cols(b"step 3 loss=0.5 kl=1e-05", shape) == (1, 2, 3)  # "e 3 0.5 1e-05"
    assert _compact_cols(b"step 3 loss=nan kl=1e-05", shape) is None
    shape = Shape(step_col=5, epoch_col=None, value_cols=(1, 3), names=("loss", "kl"))
    assert _compact_cols(b"loss=0.5 kl=2 step 3", shape) == (3, 0, 1)  # "0.5 2 e 3"
    # Keys with e's keep a token: the columns move with it.
    shape = Shape(step_col=1, epoch_col=3, value_cols=(5,), names=("rec",))
    assert _compact_cols(b"step 3 epoch 1 rec=0.5", shape) == (1, 3, 5)


@settings(max_examples=200, deadline=None)
@given(
    kinds=st.lists(st.sampled_from([b"a= b=", b"a= b=e", b"x", b""]), min_size=1, max_size=60),
    limit=st.integers(0, 8),
)
def test_odd_lines_are_the_lines_of_another_shape(kinds: list[bytes], limit: int) -> None:
    current = b"a= b=\n"
    shapes = b"".join(k + b"\n" for k in kinds)
    want = [i for i, k in enumerate(kinds) if k + b"\n" != current]
    got = _odd_lines(shapes, current, len(kinds), limit)
    if len(want) > limit:
        assert got is None
    else:
        assert got is not None
        assert [i for i, _, _ in got] == want
        assert all(shapes[a:b] == kinds[i] + b"\n" for i, a, b in got)


@given(
    head=st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")),
    data=st.binary(max_size=60),
)
def test_cutting_after_the_last_terminator(head: bytes, data: bytes) -> None:
    joined = head + data
    last = max(joined.rfind(b"\n"), joined.rfind(b"\r"))
    assert _cut_after_last_terminator(head, data) == (joined[: last + 1], joined[last + 1 :])
