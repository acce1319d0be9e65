"""Replay a log as a live trainer writes it, and record every verdict change on the way.

Two ways, the same question: through the core in-process (``replay_in_process``: one physical
piece of the log at a time, a snapshot after each, as ``check --follow`` takes them), and through
the real ``vaetui check --follow --json`` in a subprocess (``replay_follow``), the log written
to disk a line at a time. The accuracy benchmark and the tests read both.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vaetui.core.options import RunOptions
from vaetui.core.run import Run
from vaetui.core.snapshot import OVERALL, PENDING, Snapshot

_PIECE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def pieces(data: bytes) -> Iterator[bytes]:
    """The log as a trainer writes it: one line (or one ``\\r`` bar refresh) at a time."""
    for m in _PIECE.finditer(data):
        if m.group():
            yield m.group()


@dataclass(frozen=True)
class SeenChange:
    """A verdict change as a follower saw it: its stamp, and the newest step read then."""

    criterion: str
    before: str | None
    after: str
    step: float | None
    line: int | None
    read_step: float | None
    summary: str
    #: The segment (1 = the first run in the log) that was newest when the change was seen.
    segment: int = 1

    @property
    def first_reading(self) -> bool:
        """A criterion's first level after it could not judge (``n/a`` or ``pending``)."""
        return self.before in (None, "n/a", PENDING)


@dataclass
class Replay:
    """What a live follower saw: the changes in order, and the final picture."""

    changes: list[SeenChange] = field(default_factory=list)
    final: Snapshot | None = None
    #: Every level a criterion showed at some point, per criterion.
    shown: dict[str, set[str]] = field(default_factory=dict)
    #: Segment -> (its first step, the newest step read in it).
    spans: dict[int, tuple[float, float]] = field(default_factory=dict)

    def late_changes(self, after_step: float) -> list[SeenChange]:
        """Changes reported after the newest step read passed ``after_step``."""
        return [c for c in self.changes if c.read_step is not None and c.read_step > after_step]

    def after_quarter(self, fraction: float = 0.25) -> list[SeenChange]:
        """Changes seen after the first ``fraction`` of their own segment.

        A run that restarts is judged afresh in each of its segments: each has its own first
        quarter, the run's length being its longest segment's (a run cut short by a crash
        does not shrink it).
        """
        length = max((last - first for first, last in self.spans.values()), default=0.0)
        out = []
        for c in self.changes:
            span = self.spans.get(c.segment)
            if (
                c.read_step is not None
                and span is not None
                and c.read_step > span[0] + fraction * length
            ):
                out.append(c)
        return out

    def flaps(self, fraction: float = 0.25) -> list[SeenChange]:
        """What the steady-badge budget counts: ``after_quarter`` changes between two levels.

        A criterion's first reading (out of ``pending``, say where a KL warm-up ends) is where
        judging begins, not a change of verdict.
        """
        return [c for c in self.after_quarter(fraction) if not c.first_reading]

    def first(self, criterion: str, level: str) -> SeenChange | None:
        """The first change of ``criterion`` to ``level``."""
        return next(
            (c for c in self.changes if c.criterion == criterion and c.after == level), None
        )


def replay_in_process(
    data: bytes, options: RunOptions | None = None, name: str = "replay"
) -> Replay:
    """Feed ``data`` piece by piece to a live ``Run`` and collect its verdict changes."""
    opts = options or RunOptions(live=True)
    run = Run(name, opts if opts.live else _live(opts))
    out = Replay()
    seen = 0
    for piece in pieces(data):
        run.feed(piece)
        snap = run.snapshot()
        _note_span(out, snap)
        for v in snap.criteria:
            out.shown.setdefault(v.id, set()).add(v.level)
        for c in snap.changes:
            if c.seq > seen and c.criterion != OVERALL:
                out.changes.append(
                    SeenChange(
                        c.criterion,
                        c.before,
                        c.after,
                        c.step,
                        c.line,
                        snap.last_step,
                        c.summary,
                        snap.segments,
                    )
                )
        if snap.changes:
            seen = max(seen, snap.changes[-1].seq)
    run.finish()
    out.final = run.snapshot()
    return out


def _note_span(out: Replay, snap: Snapshot) -> None:
    """Keep the newest segment's first step and newest step read."""
    if snap.last_step is None or snap.first_step is None:
        return
    start = snap.segment_starts[-1] if snap.segment_starts else snap.first_step
    first = out.spans.get(snap.segments, (start, start))[0]
    out.spans[snap.segments] = (first, snap.last_step)


def _live(options: RunOptions) -> RunOptions:
    from dataclasses import replace

    return replace(options, live=True)


def replay_follow(
    data: bytes,
    path: Path,
    args: tuple[str, ...] = (),
    rate: float = 400.0,
    settle: float = 1.5,
) -> tuple[list[dict], dict]:
    """Write ``data`` to ``path`` a piece at a time while ``vaetui check --follow --json`` reads it.

    Returns the JSON lines it printed for verdict changes, and its final summary object.
    """
    path.write_bytes(b"")
    cmd = [sys.executable, "-m", "vaetui", "check", "--follow", "--json", *args, str(path)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "100"}
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(_read_lines(proc)), daemon=True)
    reader.start()
    time.sleep(0.8)  # let it open the file and start watching
    interval = 1.0 / rate
    with path.open("ab") as fh:
        for piece in pieces(data):
            fh.write(piece)
            fh.flush()
            time.sleep(interval)
    time.sleep(settle)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    reader.join(timeout=5)
    objs = [json.loads(line) for line in lines if line.strip()]
    if not objs:
        err = proc.stderr.read().decode() if proc.stderr is not None else ""
        raise RuntimeError(f"check --follow printed nothing: {err}")
    return objs[:-1], objs[-1]


def _read_lines(proc: subprocess.Popen[bytes]) -> list[str]:
    assert proc.stdout is not None
    return [raw.decode("utf-8") for raw in proc.stdout]
