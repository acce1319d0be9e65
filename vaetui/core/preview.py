"""A big log judged from its newest part, at once, while its whole history is still read.

``newest_part_snapshot`` is the judgement itself: the last megabyte (at most the lines the
trend window needs) read into a fresh :class:`~vaetui.core.run.Run`. ``JudgedInChild`` runs
it in a forked process, so that a caller which has other work before it can show anything
(``vaetui tail`` loading Textual) gets the verdicts on its second core meanwhile.

The child also makes the options the runs are judged with, and so checks the command line:
the caller learns first whether it was refused (the error to report) or accepted (the
options, pickled: the caller unpickles them when it needs them, after its first screen).
Then the child sends each snapshot twice: *light*, without histories and with plain Python
numbers, which unpickles without numpy or the parsers; and whole, for when the caller has
loaded them.

This module imports neither numpy, the parsers nor the options; the child and
``newest_part_snapshot`` import them when they judge.
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
import struct
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from vaetui.errors import EXIT_USAGE, InputError, UsageError

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
#: Makes the options of the runs and checks the command line they come from: raises
#: ``UsageError`` or ``InputError`` (the sentence and exit code to report) when it is refused.
Prepare = Callable[[], "RunOptions"]
#: The first part of the child's answer is preceded by its length, in this form.
_LENGTH = struct.Struct(">Q")


def default_options() -> RunOptions:
    """The options of a run given none (the options module is imported when first asked)."""
    from vaetui.core.options import RunOptions

    return RunOptions()


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
    from vaetui.core.follow import wants_event_reader
    from vaetui.core.source import newest_part

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


class Accepted:
    """The child's word that the command line holds: the options it judges with (read back
    when first asked for), and whether sample images are to be looked for beside the logs."""

    def __init__(self, pickled: bytes, images_expected: bool) -> None:
        self._pickled = pickled
        self._options: RunOptions | None = None
        self.images_expected = images_expected

    def options(self) -> RunOptions:
        """The options, unpickled the first time (this loads the options and the profile
        modules), the same object every time after."""
        if self._options is None:
            self._options = pickle.loads(self._pickled)
        return self._options


class JudgedInChild:
    """The options made and the newest parts of some logs judged in a forked child, while
    the caller goes on.

    Made before the caller starts threads (a fork copies only the calling thread). Where
    ``os.fork`` does not exist, or the fork fails, nothing is done there: ``accepted``,
    ``light`` and ``whole`` answer None, and the caller prepares and judges itself.

    Args:
        paths: The runs' logs, in the order the caller numbers them.
        prepare: Makes the options and checks the command line (in the child).
    """

    def __init__(self, paths: Sequence[str], prepare: Prepare) -> None:
        self._pid: int | None = None
        self._fd: int | None = None
        self._received = b""
        self._first: tuple[Any, ...] | None = None
        self._answer: dict[int, tuple[bytes, bytes]] | None = None
        self._whole: dict[int, Snapshot] | None = None
        if not paths or not hasattr(os, "fork"):
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
            _child(list(paths), prepare, write_end)
        os.close(write_end)
        self._pid, self._fd = pid, read_end

    def accepted(self, patience: float = CHILD_PATIENCE_S) -> Accepted | None:
        """The child's options, waiting for it at most ``patience`` seconds; None when it
        gave no word (it failed, or there is no child). Raises the child's ``UsageError``
        or ``InputError`` when it refused the command line."""
        first = self._first_part(patience)
        if first is None:
            return None
        if first[0] == "refused":
            _, kind, message, code = first
            if kind == "InputError":
                raise InputError(message, code)
            raise UsageError(message)
        _, pickled, images_expected = first
        return Accepted(pickled, images_expected)

    def light(self, patience: float = CHILD_PATIENCE_S) -> dict[int, Snapshot | None] | None:
        """Each run's light snapshot by position, waiting for the child at most ``patience``
        seconds; None when it gave no answer. A run the child found no preview for (a small
        or missing log) is None; one whose preview is not plain (``NotPlain``) is left out."""
        answer = self._receive(patience)
        if answer is None:
            return None
        return {
            index: pickle.loads(light) if light else None
            for index, (light, whole) in answer.items()
            if light or not whole
        }

    def whole(self) -> dict[int, Snapshot] | None:
        """The snapshots with their histories (unpickling them loads numpy), by position,
        for the runs that have a preview; None when the child gave no answer. Decoded once."""
        if self._whole is None:
            answer = self._receive(CHILD_PATIENCE_S)
            if answer is None:
                return None
            self._whole = {
                index: pickle.loads(whole) for index, (_, whole) in answer.items() if whole
            }
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

    def _first_part(self, patience: float) -> tuple[Any, ...] | None:
        """The child's first word: ``("accepted", options, images)`` or ``("refused",
        error name, sentence, exit code)``; None when it did not come in time."""
        if self._first is None and self._fd is not None:
            deadline = time.monotonic() + patience
            if self._read_past(_LENGTH.size, deadline):
                (size,) = _LENGTH.unpack_from(self._received)
                if self._read_past(_LENGTH.size + size, deadline):
                    with contextlib.suppress(Exception):  # a torn word is no word
                        self._first = pickle.loads(self._received[_LENGTH.size :][:size])
                    self._received = self._received[_LENGTH.size + size :]
            if self._first is None:
                self.close()
        return self._first

    def _receive(self, patience: float) -> dict[int, tuple[bytes, bytes]] | None:
        if self._answer is not None or self._first_part(patience) is None:
            return self._answer
        if self._fd is None:
            return None
        if self._read_past(None, time.monotonic() + patience) and self._received:
            with contextlib.suppress(Exception):  # a torn answer is no answer
                self._answer = pickle.loads(self._received)
        self._received = b""
        self.close()
        return self._answer

    def _read_past(self, size: int | None, deadline: float) -> bool:
        """Read from the child until at least ``size`` bytes are here (None: until it
        closes the pipe). False when the pipe closed first, failed, or the deadline passed."""
        assert self._fd is not None
        chunks = [self._received]
        have = len(self._received)
        while size is None or have < size:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                ready, _, _ = select.select([self._fd], [], [], left)
                if not ready:
                    return False
                chunk = os.read(self._fd, 1 << 20)
            except InterruptedError:
                continue
            except OSError:
                return False
            if not chunk:
                break
            chunks.append(chunk)
            have += len(chunk)
        self._received = b"".join(chunks)
        return size is None or have >= size

    def _reap(self) -> None:
        if self._pid is not None:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(self._pid, 0)
            self._pid = None


def _child(paths: list[str], prepare: Prepare, fd: int) -> None:
    """The forked child's whole life: make the options (or report why not), judge every
    run, write the answer, exit.

    Its output goes nowhere (the terminal belongs to the parent), an interrupt ends it, and
    whatever fails means only that it sends less or nothing: the parent then does it itself.
    """
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with open(fd, "wb", closefd=True) as out:
            try:
                options = prepare()
            except (UsageError, InputError) as exc:
                kind = "InputError" if isinstance(exc, InputError) else "UsageError"
                out.write(_word(("refused", kind, str(exc), _exit_code(exc))))
                code = 0
                return
            from vaetui.core.images.folders import images_expected

            pickled = pickle.dumps(options, protocol=pickle.HIGHEST_PROTOCOL)
            out.write(_word(("accepted", pickled, images_expected(paths, options.images))))
            out.flush()
            answer: dict[int, tuple[bytes, bytes]] = {}
            for index, (path, name, run_options) in enumerate(followed_jobs(paths, options)):
                snapshot = newest_part_snapshot(path, name, run_options)
                light = whole = b""
                if snapshot is not None:
                    whole = pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)
                    try:
                        light = light_bytes(snapshot)
                    except NotPlain:  # shown once numpy is loaded (``whole``), not at first
                        pass
                answer[index] = (light, whole)
            out.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        os._exit(code)


def _word(message: tuple[Any, ...]) -> bytes:
    """The child's first word, pickled, after its length."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def _exit_code(exc: UsageError | InputError) -> int:
    return exc.code if isinstance(exc, InputError) else EXIT_USAGE
