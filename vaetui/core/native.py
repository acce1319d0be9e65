"""The compiled readers (``vaetui/core/_native.c``), when they were built.

* :func:`read_shape` reads lines of one shape into columns in one pass over their bytes: it
  checks each line against the shape, cuts it into tokens and parses the wanted ones as
  ``float`` does, without the GIL. In Python that took three passes: the numbers deleted for
  the shapes, the delimiters turned into spaces, the lines handed to numpy or polars.
* :func:`plain_newlines` tells the line splitter in one pass that a chunk needs no cleaning.
* :func:`frame_refreshes` cuts a block of tqdm refreshes into segments, one per line, bars cut.

Both are optional. Where the module was not built (no C compiler when vaetui was installed) or
``VAETUI_NO_NATIVE`` is set, :func:`available` is False and the callers read as before, more
slowly. Whatever :func:`read_shape` cannot read exactly as the slower readers would (``nan``,
a token that is not a number, a line of another shape) it refuses, and those readers decide.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def _compiled() -> Any:
    """The compiled module, or None when it was not built or is switched off."""
    if os.environ.get("VAETUI_NO_NATIVE"):
        return None
    try:
        from vaetui.core import _native
    except ImportError:  # not built: numpy and polars read alone
        return None
    return _native


_native = _compiled()

#: What ``bytes.split()`` splits at, whatever the format's delimiters.
_WHITESPACE = b" \t\n\r\x0b\x0c"
#: The bytes that numbers are made of (a shape deletes them).
_NUMERIC = b"0123456789.+-"
_SEPARATORS: dict[bytes, bytes | None] = {}


def available() -> bool:
    """Whether the compiled readers are there and not switched off."""
    return _native is not None


def separators_of(delimiters: bytes) -> bytes | None:
    """The 256-byte map of the bytes that end a token once ``delimiters`` (a
    ``bytes.maketrans`` table) has turned them into spaces: ASCII whitespace after it.

    None when a byte that numbers are made of would end a token (then shapes and tokens
    cannot be checked in the same pass, and :func:`read_shape` is not used).
    """
    if delimiters not in _SEPARATORS:
        found = bytes(int(delimiters[b] in _WHITESPACE) for b in range(256))
        _SEPARATORS[delimiters] = None if any(found[b] for b in _NUMERIC) else found
    return _SEPARATORS[delimiters]


def read_shape(
    raw: bytes,
    count: int,
    templates: tuple[bytes, ...],
    delimiters: bytes,
    tokens: Sequence[int],
) -> np.ndarray | None:
    """``count`` lines of ``raw``, each of one of the shapes ``templates``, as a
    ``(count, len(tokens))`` float64 table in Fortran order: column j holds token
    ``tokens[j]`` of each line, tokens being what ``raw.translate(delimiters).split()`` gives.

    The table ``float`` gives for those tokens, or None when the reader is not there, a line
    has another shape (its bytes but ``0-9 . + -`` differ from every template) or another
    number of tokens than the first, or a wanted token is not a plain decimal number.
    """
    separators = separators_of(delimiters)
    if _native is None or separators is None or not tokens or not templates:
        return None
    import numpy as np

    table = np.empty((count, len(tokens)), order="F")
    out = table.reshape(-1, order="F")
    if _native.read_shape(raw, templates, separators, tuple(tokens), out, count) != 0:
        return None
    return table


def plain_newlines(raw: bytes) -> int | None:
    """The newlines of ``raw`` when it needs no cleaning: no control byte but tab, LF and CR,
    and strict UTF-8 holding neither U+009B nor U+FFFD. -1 when it needs some; None when the
    reader is not there (the caller finds out another way)."""
    if _native is None:
        return None
    return int(_native.plain_newlines(raw, True))


def frame_refreshes(
    raw: bytes, first_line: int
) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray] | None:
    """The segments of ``raw`` (split at ``\\n`` and ``\\r``, right-stripped, blank ones left
    out) one per line with each bar's glyphs cut out, and where each is (start, end) in
    ``raw`` and on which physical line, as ``fasttqdm.frame_refreshes`` defines them.

    None when the reader is not there, or a segment needs what only Python does: it ends in
    a non-ASCII byte once stripped (maybe a no-break space), or a bar's closing ``|`` could
    open another bar.
    """
    if _native is None:
        return None
    framed = _native.frame_refreshes(raw, first_line)
    if framed is None:
        return None
    import numpy as np

    virtual, starts, ends, lines = framed
    return (
        virtual,
        np.frombuffer(starts, dtype=np.int64),
        np.frombuffer(ends, dtype=np.int64),
        np.frombuffer(lines, dtype=np.int64),
    )
