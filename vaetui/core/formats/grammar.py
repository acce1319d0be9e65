"""The line grammar every text log shares: ``name <sep> value`` pairs, wherever they sit.

A *name* is a run of words joined by single spaces, ``-``, ``_``, ``/`` or ``.``
(``Recon Loss_albedo``, ``KL-Loss``, ``train/kl_loss``, ``decode.loss_ce``); a word starts with
a letter of any script (``Потеря``, ``训练损失``). Name and value are separated by ``=``, ``:`` or
whitespace; pairs by ``,``, ``|``, ``;``, tabs or runs of spaces (those need no rule of their
own: a pair ends where its value ends, and the next name begins at the next word). A value is a
number as loggers print it, optionally in ``tensor(...)`` or quotes, optionally with a short unit
glued on (``20.2s``, ``91.7%``, ``15533M``), but never running into another number or word
(``eta: 0:14:11`` and ``10/1000`` are not pairs).

Only the names and values are found here; which numbers are steps and which lines are records
is the text parser's business (:mod:`vaetui.core.formats.text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from vaetui.core.formats.base import NUMBER, to_float

#: A word: a letter of any script, then letters, digits or ``_``; never a number spelled in
#: letters (``loss nan rec nan`` is two pairs, not a name ``loss nan rec``).
WORD = r"(?!(?i:nan|inf|infinity)\b)[^\W\d_]\w*+"
#: Words joined by ``-``, ``.`` or ``/`` (``KL-Loss``, ``decode.loss_ce``, ``train/kl``); taken
#: whole (possessive: a part is never split to find a pair, which also keeps the search fast).
_PART = rf"{WORD}(?:[-./]\w++)*+"
#: Up to four parts joined by single spaces (``Total Training Loss``, ``batch loss``).
NAME = rf"{_PART}(?: {_PART}){{0,3}}"
#: Where a value must stop: a short unit may follow, never more digits, a dot or a colon;
#: or a capitalised message glued on (``loss: nanBatch 5: Invalid loss`` from Keras).
_VALUE_END = r"(?:(?:[A-Za-z%]{1,3})?(?![\w.:/])|(?=[A-Z][a-z]))"

PAIR = re.compile(
    rf"(?<![\w./:\-'\"])['\"]?(?P<name>{NAME})['\"]?"
    r"(?P<sep>\s*[=:]\s*|[ \t]+)"
    rf"(?:tensor\(\s*)?['\"]?(?P<value>{NUMBER})['\"]?{_VALUE_END}"
)

#: Bare split words used as names with a space before the value (``train 3.16 test 2.38``,
#: loguru's mltrainer report): they name that split's loss.
_SPLIT_WORDS = frozenset({"train", "test", "val", "valid", "eval"})


class Pair(NamedTuple):
    """One ``name value`` pair: the name as written, the value, where the value starts."""

    name: str
    value: float
    start: int
    text: str
    #: Where the name starts (with its opening quote, if any).
    name_start: int


def iter_pairs(text: str, ignored: frozenset[str] = frozenset()) -> Iterator[Pair]:
    """Every pair of ``text`` in order; a name written twice gets `` 2``, `` 3``... so no
    value overwrites another. Names in ``ignored`` (``eta``, ``v_num``) are left out."""
    seen: dict[str, int] = {}
    for m in PAIR.finditer(text):
        name = m.group("name")
        if name in ignored:
            continue
        if name.lower() in _SPLIT_WORDS and not m.group("sep").strip():
            name = f"{name}_loss"
        if name in seen:
            seen[name] += 1
            name = f"{name} {seen[name]}"
        else:
            seen[name] = 1
        yield Pair(name, to_float(m.group("value")), m.start("value"), m.group("value"), m.start())


def find_pairs(text: str, ignored: frozenset[str] = frozenset()) -> dict[str, float]:
    """``{name: value}`` for every pair of ``text``: ``iter_pairs`` without the positions
    (the per-line hot path, hence ``findall`` and no objects per pair)."""
    out: dict[str, float] = {}
    for name, sep, value in PAIR.findall(text):
        if name in ignored:
            continue
        if sep[-1:] in " \t" and not sep.strip() and name.lower() in _SPLIT_WORDS:
            name = f"{name}_loss"
        if name in out:
            n = 2
            while f"{name} {n}" in out:
                n += 1
            name = f"{name} {n}"
        try:
            out[name] = float(value)
        except ValueError:
            out[name] = to_float(value)
    return out


def only_pairs(text: str, ignored: frozenset[str] = frozenset()) -> bool:
    """True when ``text`` holds pairs and nothing else (but separators): a continuation
    line of a record wrapped over several lines."""
    rest = PAIR.sub("", text)
    return bool(rest != text) and not rest.strip(" \t,|;-")
