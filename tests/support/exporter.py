"""A Prometheus collector over a simulated run, for tests of the exposition."""

from __future__ import annotations

import time
from pathlib import Path

from vaetui.core.options import RunOptions
from vaetui.core.promexport import Picture, SnapshotCollector
from vaetui.core.run import Run
from vaetui.simulate import write_log


def collector_for(tmp_path: Path, scenario: str = "diverge") -> SnapshotCollector:
    """A collector exporting one run of ``scenario``, its last lines fed live (so that the
    live-only numbers, such as steps per second, are there too)."""
    log = tmp_path / f"{scenario}.log"
    write_log(str(log), scenario=scenario, steps=2000)
    lines = log.read_bytes().splitlines(keepends=True)
    run = Run("train.log", RunOptions(live=True))
    run.feed(b"".join(lines[:-4]))
    for line in lines[-4:]:
        time.sleep(0.06)  # reads apart in time, as a live log's are
        run.feed(line)
    return SnapshotCollector(lambda: [Picture("train.log", str(log), run.snapshot())])
