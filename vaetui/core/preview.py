"""A big log judged from its newest part, at once, while its whole history is still read.

``newest_part_snapshot`` is the judgement itself: the last megabyte (at most the lines the
trend window needs) read into a fresh :class:`~vaetui.core.run.Run`. ``JudgedInChild`` runs
it in a forked process, so that a caller which has other work before it can show anything
(``vaetui tail`` loading Textual) gets the verdicts on its second core meanwhile. The child
sends each snapshot twice: *light*, without histories and with plain Python numbers, which
unpickles without numpy or the parsers; and whole, for when the caller has loaded them.

This module imports neither numpy nor the parsers; the child and ``newest_part_snapshot``
import them when they judge.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import pickle
import select
import signal
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from vaetui.core.follow import wants_event_reader
from vaetui.core.source import newest_part

if TYPE_CHECKING:
    from vaetui.core.options import RunOptions
    from vaetui.core.snapshot import Snapshot

#: How much of a big log's end is judged first, while the whole history is read: at most
#: this many bytes,
PREVIEW_BYTES = 1 << 20
#: and of those no more lines than this times the points that fill the trend window
#: (``Smoothing.full_window_points``): more would cost time, not move a trend.
PREVIEW_MARGIN = 1.2
#: A child that has not answered by then is given up (and killed): the caller judges itself.
CHILD_PATIENCE_S = 20.0

#: A run to judge: its path, its name, and the options its feed judges it with.
Job = tuple[str, str, "RunOptions"]


def run_name(path: str) -> str:
    """A short name for a run: the file name, or ``stdin`` for ``-``."""
    return "stdin" if path == "-" else os.path.basename(path.rstrip("/")) or path


def live_options(options: RunOptions) -> RunOptions:
    """``options`` for a followed run: stalls judged, verdict changes noted."""
    return options if options.live else dataclasses.replace(options, live=True)


def followed_jobs(paths: Sequence[str], options: RunOptions) -> list[Job]:
    """What ``JudgedInChild`` needs to judge the runs ``vaetui tail`` follows, in order:
    the same names and options their feeds judge them with."""
    live = live_options(options)
    return [(path, run_name(path), live) for path in paths]


def newest_part_snapshot(
    path: str, name: str, options: RunOptions, now: float | None = None
) -> Snapshot | None:
    """A snapshot of the newest part of the log at ``path``, or None when there is no
    preview to make: a log small enough to read whole, standard input, an event file, a
    file that cannot be read. ``now`` is the time the stall verdict is judged at."""
    if wants_event_reader(path, options.fmt):
        return None
    lines = math.ceil(options.profile.smoothing.full_window_points() * PREVIEW_MARGIN)
    newest = newest_part(path, PREVIEW_BYTES, lines)
    if newest is None:
        return None
    from vaetui.core.run import Run  # the parsers and numpy: only when there is a preview

    tail, size = newest
    preview = Run(name, options)
    preview.bytes_total = size
    preview.feed(tail)
    return preview.snapshot(now=now)


class NotPlain(pickle.PicklingError):
    """A light snapshot held an array: it would need numpy to be read back."""


class _PlainPickler(pickle.Pickler):
    """Pickles numpy scalars as Python numbers, and refuses arrays."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind.__module__ != "numpy":
            return NotImplemented
        if kind.__name__ == "ndarray":
            raise NotPlain("an array in a light snapshot")
        item = getattr(obj, "item", None)
        if item is None:
            return NotImplemented
        value = item()
        return (type(value), (value,))


def light_bytes(snapshot: Snapshot) -> bytes:
    """``snapshot`` without its histories, pickled so that reading it back imports neither
    numpy nor the parsers (numpy numbers become Python ones). Raises ``NotPlain`` when
    some other part of it holds an array."""
    buffer = io.BytesIO()
    _PlainPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
        dataclasses.replace(snapshot, history={})
    )
    return buffer.getvalue()


class JudgedInChild:
    """The newest parts of some logs, judged in a forked child while the caller goes on.

    Made before the caller starts threads (a fork copies only the calling thread). Where
    ``os.fork`` does not exist, or the fork fails, nothing is judged here and ``light``
    and ``whole`` answer None: the caller judges the preview itself.

    Args:
        jobs: ``(path, run name, options)`` per run, in the order the caller numbers them.
    """

    def __init__(self, jobs: Sequence[Job]) -> None:
        self._pid: int | None = None
        self._fd: int | None = None
        self._answer: dict[int, tuple[bytes, bytes]] | None = None
        self._whole: dict[int, Snapshot] | None = None
        if not jobs or not hasattr(os, "fork"):
            return
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:  # the child: judge, answer, leave without running the parent's cleanup
            os.close(read_end)
            _child(jobs, write_end)
        os.close(write_end)
        self._pid, self._fd = pid, read_end

    def light(self, patience: float = CHILD_PATIENCE_S) -> dict[int, Snapshot] | None:
        """Each run's light snapshot by position (runs without a preview left out), waiting
        for the child at most ``patience`` seconds; None when it gave no answer."""
        answer = self._receive(patience)
        if answer is None:
            return None
        return {index: pickle.loads(light) for index, (light, _) in answer.items() if light}

    def whole(self) -> dict[int, Snapshot] | None:
        """The same snapshots with their histories (unpickling them loads numpy); None when
        the child gave no answer. Decoded once."""
        if self._whole is None:
            answer = self._receive(CHILD_PATIENCE_S)
            if answer is None:
                return None
            self._whole = {index: pickle.loads(whole) for index, (_, whole) in answer.items()}
        return self._whole

    def close(self) -> None:
        """Stop waiting: the child is killed if it still runs, and reaped."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()

    def _receive(self, patience: float) -> dict[int, tuple[bytes, bytes]] | None:
        if self._answer is not None or self._fd is None:
            return self._answer
        data = _read_until_end(self._fd, time.monotonic() + patience)
        self.close()
        if data:
            with contextlib.suppress(Exception):  # a torn answer is no answer
                self._answer = pickle.loads(data)
        return self._answer

    def _reap(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(self._pid, 0)
            self._pid = None


def _read_until_end(fd: int, deadline: float) -> bytes | None:
    """All bytes from ``fd`` until its writer closes it, or None if that takes past
    ``deadline`` (monotonic seconds)."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
        except InterruptedError:
            continue
        except OSError:
            return None
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _child(jobs: Sequence[Job], fd: int) -> None:
    """The forked child's whole life: judge every job, write the answer, exit.

    Its output goes nowhere (the terminal belongs to the parent), an interrupt ends it, and
    whatever fails means only that it sends less or nothing: the parent then judges itself.
    """
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        answer: dict[int, tuple[bytes, bytes]] = {}
        for index, (path, name, options) in enumerate(jobs):
            snapshot = newest_part_snapshot(path, name, options)
            if snapshot is not None:
                whole = pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)
                try:
                    light = light_bytes(snapshot)
                except NotPlain:  # shown once numpy is loaded (``whole``), not on the first screen
                    light = b""
                answer[index] = (light, whole)
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        with open(fd, "wb", closefd=True) as out:
            out.write(data)
        code = 0
    finally:
        os._exit(code)
