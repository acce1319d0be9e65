"""Which paths are logs: regular files, FIFOs and folders of event files, never devices.

``/dev/zero`` and ``/dev/urandom`` never end, a terminal or a socket is nobody's training log;
reading one would burn a core on junk for ever. The one place that names what a path is, so
``check``, ``tail`` and a followed path that turns into a device all refuse it alike.
"""

from __future__ import annotations

import os
import stat
import sys

_SPECIAL = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(mode: int) -> str | None:
    """What a special file is ("a character device"), or None for a file, FIFO or folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISFIFO(mode):
        return None
    for test, words in _SPECIAL:
        if test(mode):
            return words
    return "a special file"


def refusal(name: str, mode: int) -> str | None:
    """The sentence refusing ``name`` (a device...), or None when it may be read."""
    kind = special_kind(mode)
    return None if kind is None else f"{name} is {kind}, not a log file"


def stdin_refusal() -> str | None:
    """Standard input may be a pipe, a file, a terminal or ``/dev/null`` (it ends at once);
    another device such as ``/dev/zero`` is refused."""
    try:
        fd = sys.stdin.fileno()
        st = os.fstat(fd)
        if os.isatty(fd) or st.st_rdev == os.stat(os.devnull).st_rdev:
            return None
    except (AttributeError, OSError, ValueError):
        return None  # not a real descriptor (replaced in tests, or closed): read what it gives
    return refusal("standard input", st.st_mode)
