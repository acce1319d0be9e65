"""Keep the C heap's freed memory for the next block while a large file is read.

A backfill reads a log in 4 MiB blocks and makes a few copies of each (the block, its shapes,
its columns) before freeing them. glibc hands blocks that large to the kernel on every free
and asks for fresh pages on the next allocation, so each block is paid for again in page
faults: a third of ``check``'s CPU time went to the kernel on a 300 MB JSON-lines log.
`hold_freed_memory` raises the two thresholds behind that (``M_MMAP_THRESHOLD``,
``M_TRIM_THRESHOLD``), so the pages of one block serve the next; peak memory does not grow,
because a block's copies are freed before the next block is read. `return_freed_memory` gives
the retained pages back once the backfill is over, so a long-running ``tail`` keeps the
memory of what it holds, not of what it read.

Both are no-ops where the C library is not glibc (``mallopt`` missing) or ``ctypes`` fails.
"""

from __future__ import annotations

import threading
from typing import Any

#: ``mallopt`` parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Allocations up to this size come from the heap, not from their own mapping (glibc's cap
#: for the dynamic threshold, so a 4 MiB block and its copies all qualify).
HELD_MMAP_THRESHOLD = 32 << 20
#: Free memory at the heap's top kept instead of returned, while holding.
HELD_TRIM_THRESHOLD = 128 << 20
#: glibc's default trim threshold, restored once the memory is returned.
DEFAULT_TRIM_THRESHOLD = 128 << 10

_lock = threading.Lock()
_libc: Any = None
_holders = 0


def _c_library() -> Any:
    """The process's C library functions, or False when they cannot be reached."""
    global _libc
    if _libc is None:
        try:
            import ctypes

            libc = ctypes.CDLL(None)
            _libc = libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else False
        except (ImportError, OSError):
            _libc = False
    return _libc


def hold_freed_memory() -> bool:
    """Keep freed blocks for reuse until every holder has called `return_freed_memory`;
    True when the C library took the setting. Thread-safe; each call needs one return."""
    global _holders
    with _lock:
        libc = _c_library()
        if not libc:
            return False
        if _holders == 0:
            libc.mallopt(_M_MMAP_THRESHOLD, HELD_MMAP_THRESHOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, HELD_TRIM_THRESHOLD)
        _holders += 1
        return True


def return_freed_memory() -> None:
    """End one `hold_freed_memory`; after the last, give the kept memory back to the system
    (large blocks still come from the heap, so a later backfill reuses its pages)."""
    global _holders
    with _lock:
        libc = _c_library()
        if not libc or _holders == 0:
            return
        _holders -= 1
        if _holders == 0:
            libc.mallopt(_M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
            libc.malloc_trim(0)


def holders() -> int:
    """How many reads hold freed memory now (0: none; for tests and diagnostics)."""
    return _holders
