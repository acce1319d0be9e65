"""The compiled readers (``vaetui/core/_native.c``) against Python's own answers.

``read_shape`` must give exactly ``float(token)`` for every number it accepts and refuse what
the slower readers would have to decide; ``plain_newlines`` must pass exactly the chunks that
Python decodes strictly with nothing for the line splitter to strip or replace.
"""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vaetui.core import native
from vaetui.core.formats.fastkv import _DELIMITERS, _NUMERIC

pytestmark = pytest.mark.skipif(
    not native.available(), reason="the compiled readers (vaetui/core/_native.c) were not built"
)


def _shape(line: bytes) -> bytes:
    return line.translate(None, _NUMERIC)


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _read(lines: list[bytes], tokens: tuple[int, ...], templates: tuple[bytes, ...] = ()):
    templates = templates or (_shape(lines[0]),)
    return native.read_shape(b"\n".join(lines), len(lines), templates, _DELIMITERS, tokens)


_DIGITS = st.text("0123456789", min_size=1, max_size=24)
_NUMBERS = st.builds(
    lambda sign, whole, frac, exp: f"{sign}{whole}{frac}{exp}",
    st.sampled_from(["", "-", "+"]),
    _DIGITS,
    st.one_of(st.just(""), st.just("."), _DIGITS.map(lambda d: "." + d)),
    st.one_of(
        st.just(""),
        st.builds(
            lambda e, s, d: f"{e}{s}{d}",
            st.sampled_from("eE"),
            st.sampled_from(["", "-", "+"]),
            st.integers(0, 400).map(str),
        ),
    ),
)


@given(
    st.lists(
        st.one_of(_NUMBERS, st.floats(allow_nan=False, allow_infinity=False).map(repr)),
        min_size=1,
        max_size=16,
    )
)
@example(["0.1", "1e-320", "2.2250738585072014e-308", "9007199254740993", "1e23", "-0.0"])
@example(["0.30000000000000004", "123456789012345678901234", "1e400", "-1e400", ".5", "5."])
def test_every_number_read_is_exactly_what_float_reads(numbers: list[str]) -> None:
    lines = [f"step {i} value={n} rest=0".encode() for i, n in enumerate(numbers)]
    # Each line its own shape (signs, dots and exponents differ): all templates given.
    templates = tuple(dict.fromkeys(_shape(line) for line in lines))
    table = _read(lines, (1, 3), templates)
    assert table is not None
    for i, n in enumerate(numbers):
        assert _bits(table[i, 0]) == _bits(float(i))
        assert _bits(table[i, 1]) == _bits(float(n)), n


@pytest.mark.parametrize(
    "token", ["nan", "inf", "-inf", "Infinity", "1_0", "1e", "1e+", ".", "-", "+-1", "1.2.3", "e5"]
)
def test_what_is_not_a_plain_decimal_number_is_refused(token: str) -> None:
    lines = [b"step 1 loss=0.5", f"step 2 loss={token}".encode()]
    templates = (_shape(lines[0]), _shape(lines[1]))
    assert _read(lines, (1, 3), templates) is None


def test_a_line_of_another_shape_is_refused() -> None:
    lines = [b"step 1 loss=0.5", b"step 2 loss=0.25", b"step 3 lost=0.25"]
    assert _read(lines, (1, 3)) is None
    both = (_shape(lines[0]), _shape(lines[2]))
    table = _read(lines, (1, 3), both)
    assert table is not None and table[:, 1].tolist() == [0.5, 0.25, 0.25]


def test_a_line_with_another_number_of_tokens_is_refused() -> None:
    # The same shape (digits are deleted from shapes), but the second line has no step.
    lines = [b"step 1 x loss=0.5", b"step  x loss=0.25"]
    assert _shape(lines[0]) == _shape(lines[1])
    assert _read(lines, (1, 4)) is None


def test_too_few_or_too_many_lines_are_refused() -> None:
    data = b"a=1\na=2\na=3\n"
    assert native.read_shape(data, 3, (b"a=",), _DELIMITERS, (1,)) is not None
    assert native.read_shape(data, 2, (b"a=",), _DELIMITERS, (1,)) is None
    assert native.read_shape(data, 4, (b"a=",), _DELIMITERS, (1,)) is None


def test_a_token_may_fill_several_columns_in_any_order() -> None:
    table = _read([b"s=1 a=2 b=3", b"s=4 a=5 b=6"], (5, 1, 3, 1))
    assert table is not None
    assert table.tolist() == [[3.0, 1.0, 2.0, 1.0], [6.0, 4.0, 5.0, 4.0]]
    assert table.flags.f_contiguous


def test_many_long_mantissas_are_left_to_a_faster_reader() -> None:
    from vaetui.core import _native

    numbers = [repr(0.1 + i * 1e-7) for i in range(1000)]
    lines = [f"v={n}".encode() for n in numbers]
    data = b"\n".join(lines)
    templates = tuple(dict.fromkeys(_shape(line) for line in lines))
    out = bytearray(8 * len(lines))
    seps = native.separators_of(_DELIMITERS)
    assert _native.read_shape(data, templates, seps, (1,), memoryview(out).cast("d"), 1000) == 2
    # A few such numbers among short ones are read here, exactly.
    mixed = [f"v={n if i % 50 == 0 else '0.5'}".encode() for i, n in enumerate(numbers)]
    templates = tuple(dict.fromkeys(_shape(line) for line in mixed))
    table = _read(mixed, (1,), templates)
    assert table is not None
    assert [_bits(x) for x in table[:, 0]] == [_bits(float(line.split(b"=")[1])) for line in mixed]


def test_no_nul_byte_matches_the_end_of_a_shape() -> None:
    assert _read([b"a=1", b"a=2\x00"], (1,), (b"a=",)) is None


def test_numbers_that_are_token_separators_turn_the_reader_off() -> None:
    dashes = bytes.maketrans(b"=-", b"  ")
    assert native.separators_of(dashes) is None
    assert native.read_shape(b"a=1\n", 1, (b"a=",), dashes, (1,)) is None


def _needs_no_cleaning(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    controls = set(range(32)) - {9, 10, 13} | {127}
    return not any(ord(c) in controls for c in text) and "\x9b" not in text and "\ufffd" not in text


@given(st.binary(max_size=600) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")))
@example(b"caf\xc3\xa9\n")
@example(b"\xed\xa0\x80")  # a surrogate
@example(b"\xf4\x90\x80\x80")  # past U+10FFFF
@example(b"\xc0\xaf")  # overlong
@example("\x9b".encode())
@example("\ufffd".encode())
@example(b"\t\r\n\x7f")
@example(b"a" * 300 + "█".encode() + b"\n" * 3)
def test_plain_newlines_passes_what_needs_no_cleaning(data: bytes) -> None:
    expected = data.count(b"\n") if _needs_no_cleaning(data) else -1
    assert native.plain_newlines(data) == expected


def test_reading_releases_nothing_it_holds() -> None:
    # A million-line read and the tables it returns: the buffers are released (no error
    # from a later resize of what was read).
    data = bytearray(b"step 1 loss=0.5\n" * 1000)
    table = native.read_shape(bytes(data), 1000, (b"step  loss=",), _DELIMITERS, (1, 3))
    assert table is not None and math.isclose(table[:, 1].sum(), 500.0)
    data.extend(b"x")  # would raise BufferError if a buffer export were still held


def test_a_real_tqdm_block_is_framed_by_the_compiled_reader() -> None:
    from vaetui.core.formats import fasttqdm

    refreshes = []
    for n in range(1, 400):
        fill = "█" * (n % 10) + " " * (10 - n % 10)
        refreshes.append(f"\rtrain: {n % 100:3d}%|{fill}| {n}/400 [00:0{n % 9}<00:10, loss={n}]  ")
    raw = ("".join(refreshes) + "\nEpoch 1 done\n").encode()
    framed = native.frame_refreshes(raw, 5)
    assert framed is not None
    virtual, starts, ends, lines = framed
    assert virtual.count(b"%||") == 399 and "█".encode() not in virtual
    assert lines.tolist() == [5] * 399 + [6]
    assert raw[int(starts[0]) : int(ends[0])].startswith("train:   1%|█".encode())
    assert raw[int(starts[-1]) : int(ends[-1])] == b"Epoch 1 done"
    # The same frames as numpy's.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(native, "_native", None)
        slow = fasttqdm.frame_refreshes(raw, 5)
    fast = fasttqdm.frame_refreshes(raw, 5)
    assert fast.virtual == slow.virtual
    for name in ("starts", "ends", "lines"):
        assert getattr(fast, name).tolist() == getattr(slow, name).tolist()


@pytest.mark.parametrize(
    "raw",
    [
        "loss=1\u00a0\r".encode(),  # ends in a no-break space: str.rstrip's business
        b"5%|ab%|cd| 1/9\n",  # a bar's closing | opens another: the regex decides
    ],
)
def test_what_only_python_frames_is_left_to_it(raw: bytes) -> None:
    assert native.frame_refreshes(raw, 1) is None
