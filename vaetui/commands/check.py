"""``vaetui check``: judge a whole log (or follow it) and print the checklist or JSON.

Reads through the same core as the TUI: the follower's ``follow_once`` for a whole file or
standard input, a ``Follower`` for ``--follow``, TensorBoard's loader for event files.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from vaetui.core.follow import Follower, follow_once
from vaetui.core.run import Run, RunOptions
from vaetui.core.snapshot import LEVELS, Snapshot, json_step
from vaetui.core.source import SourceError
from vaetui.errors import (
    EXIT_BAD,
    EXIT_NO_METRICS,
    EXIT_OK,
    EXIT_UNREADABLE,
    EXIT_WATCH,
    InputError,
    UsageError,
)

_STDIN_CHUNK = 4 << 20


def check(path: str, options: RunOptions, as_json: bool, follow: bool, poll: bool) -> int:
    """Run ``vaetui check`` and return its exit code (0 healthy, 1 watch, 2 bad)."""
    run = Run(path, options)
    if follow:
        snap = _follow(path, run, poll=poll)
    else:
        _read_whole(path, run)
        snap = run.snapshot()
        if snap.records == 0:
            raise InputError(
                f"{path}: no metric lines found ({snap.lines} lines read)", EXIT_NO_METRICS
            )
    if as_json:
        print(json.dumps(snap.to_json()))
    else:
        from rich.console import Console

        from vaetui.commands.report import print_report

        print_report(snap, Console(highlight=False))
    return exit_code(snap)


def exit_code(snap: Snapshot) -> int:
    """0 healthy, 1 some WATCH, 2 some BAD."""
    levels = {v.level for v in snap.criteria}
    if "bad" in levels:
        return EXIT_BAD
    if "watch" in levels:
        return EXIT_WATCH
    return EXIT_OK


def _read_whole(path: str, run: Run) -> None:
    if _wants_events(path, run.options.fmt):
        _read_events(path, run)
        return
    if path == "-":
        while chunk := sys.stdin.buffer.read(_STDIN_CHUNK):
            run.feed(chunk)
        run.finish()
        return
    try:
        follow_once(path, run)
    except SourceError as exc:
        raise InputError(str(exc), EXIT_UNREADABLE) from None


def _wants_events(path: str, fmt: str) -> bool:
    from vaetui.core.formats.tfevents import is_event_path

    return path != "-" and (fmt == "tfevents" or (fmt == "auto" and is_event_path(Path(path))))


def _read_events(path: str, run: Run) -> None:
    from vaetui.core.formats.tfevents import TensorBoardMissing, read_events

    try:
        records, count = read_events(Path(path))
    except TensorBoardMissing as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    run.feed_records(records, "tfevents", count)


def _follow(path: str, run: Run, poll: bool) -> Snapshot:
    """Follow ``path`` until SIGINT/SIGTERM/SIGHUP; print a JSON line per verdict change."""
    stop = threading.Event()
    levels: dict[str, str] = {}

    def on_update() -> None:
        with follower.lock:
            snap = run.snapshot()
        if snap.records == 0:
            return
        for v in snap.criteria:
            if levels.get(v.id) != v.level and (v.id in levels or v.level in LEVELS):
                change = {
                    "step": json_step(snap.last_step),
                    "criterion": v.id,
                    "from": levels.get(v.id),
                    "to": v.level,
                    "summary": v.summary,
                }
                print(json.dumps(change), flush=True)
            levels[v.id] = v.level

    follower = Follower(path, run, on_update=on_update, poll=poll)
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set())
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        follower.start()
        while not stop.wait(0.5):
            if follower.state == "finished":
                break
    finally:
        follower.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    with follower.lock:
        run.finish()
        return run.snapshot()
