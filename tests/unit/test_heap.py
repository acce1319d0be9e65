"""Freed memory is kept for reuse while a backfill runs, and given back when it is over."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from tests.unit.test_watch_follow import Collector, lines_of, wait_for
from vaetui.core import heap
from vaetui.core.follow import Follower, follow_once

needs_glibc = pytest.mark.skipif(
    heap._c_library() is False, reason="the C library has no mallopt (not glibc)"
)


@needs_glibc
def test_holds_nest_and_the_last_return_ends_holding() -> None:
    start = heap.holders()  # followers other tests left running may hold too
    assert heap.hold_freed_memory()
    assert heap.hold_freed_memory()
    heap.return_freed_memory()
    assert heap.holders() == start + 1
    heap.return_freed_memory()
    assert heap.holders() == start


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


@needs_glibc
def test_holding_spares_fresh_pages_for_every_large_block() -> None:
    """Eight rounds of allocating and freeing 8 MiB copies: fresh pages each round without
    holding, the same pages round after round with it."""
    block = b"x" * (8 << 20)

    def rounds() -> int:
        before = _minor_faults()
        for _ in range(8):
            copy = block.translate(bytes(range(256)))  # a new 8 MiB object, touched whole
            del copy
        return _minor_faults() - before

    rounds()  # whatever the first touch of the heap costs is paid here
    plain = rounds()
    assert heap.hold_freed_memory()
    try:
        rounds()
        held = rounds()
    finally:
        heap.return_freed_memory()
    assert held * 4 < plain, (held, plain)


def test_a_whole_read_holds_only_while_it_reads(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"".join(f"step={i} kl={i}\n".encode() for i in range(2000)))
    start = heap.holders()
    collector = Collector()
    assert follow_once(path, collector) == path.stat().st_size
    assert heap.holders() == start


def test_a_follower_returns_the_memory_once_the_backfill_is_read(tmp_path: Path) -> None:
    path = tmp_path / "train.log"
    path.write_bytes(b"".join(f"step={i} kl={i}\n".encode() for i in range(2000)))
    start = heap.holders()
    collector = Collector()
    follower = Follower(path, collector, safety_interval=30.0)
    collector.lock = follower.lock
    follower.start()
    try:
        wait_for(lambda: len(lines_of(follower, collector)) == 2000)
        wait_for(lambda: heap.holders() == start)
    finally:
        follower.stop()
    assert heap.holders() == start


@needs_glibc
def test_a_follower_stopped_before_its_file_appears_holds_nothing(tmp_path: Path) -> None:
    start = heap.holders()
    follower = Follower(tmp_path / "not-yet.log", Collector(), safety_interval=30.0)
    follower.start()
    assert heap.holders() == start + 1
    follower.stop()
    follower.stop()
    assert heap.holders() == start
