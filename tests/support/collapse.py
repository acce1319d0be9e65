"""A simulated run that collapses, cut where it is still healthy: for tests that append it."""

from __future__ import annotations

from pathlib import Path

from vaetui.simulate import write_log

#: Lines of the collapse scenario (3000 steps) that are still judged ok.
HEALTHY_LINES = 50


def collapse_parts(tmp_path: Path) -> tuple[bytes, bytes]:
    """The healthy beginning of a collapsing run and the rest, as bytes to write and append."""
    full = tmp_path / "collapse-full.log"
    write_log(str(full), scenario="collapse", steps=3000)
    lines = full.read_bytes().splitlines(keepends=True)
    return b"".join(lines[:HEALTHY_LINES]), b"".join(lines[HEALTHY_LINES:])
