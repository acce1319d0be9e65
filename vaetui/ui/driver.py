"""A terminal driver whose input thread sleeps until a key is pressed.

Textual's Linux driver reads keys on a thread that wakes ten times a second whether or not
anything was typed, so that a lone ``Esc`` is reported once no escape sequence follows it.
On a quiet log that thread was the biggest part of the app's idle CPU: a monitor kept open
all day beside a trainer should cost nothing while nobody types and nothing is written.

:class:`QuietLinuxDriver` is Textual's driver with one change: its input thread waits on the
terminal with no timeout, except while the key parser waits for the rest of an escape
sequence (then exactly until the parser's own deadline). Leaving application mode wakes it
through a pipe, so quitting and suspending (``SIGTSTP``) are as prompt as before.
"""

from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual.drivers.linux_driver import LinuxDriver

try:  # the key parser's clock
    from textual._time import get_time
except ImportError:  # pragma: no cover - a Textual release that moved it
    from time import monotonic as get_time

#: How often the input thread looks at a parser that keeps its deadline where this module
#: cannot see it (a Textual release that renamed it): Textual's own interval.
FALLBACK_TICK = 0.1
#: How long leaving waits for input already typed (read with the last decode).
LAST_READ = 0.0
_UNKNOWN = object()


class _WakingEvent(threading.Event):
    """An event that also writes a byte to a pipe when set, to wake a thread in ``select``."""

    def __init__(self) -> None:
        super().__init__()
        self._wake_fd = -1

    def attach(self, wake_fd: int) -> None:
        """Write to ``wake_fd`` when set (-1: write nowhere)."""
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        if self._wake_fd < 0:
            return
        try:
            os.write(self._wake_fd, b"\0")
        except OSError:  # the pipe is full: a wake is pending anyway
            pass


def parser_timeout(parser: Any, now: float) -> float | None:
    """Seconds the input thread may sleep before the key parser must be ticked: None (until
    input) when it waits for nothing, 0 when its deadline has passed, and Textual's own
    interval when the parser's deadline cannot be read. ``now`` is on the parser's clock
    (``textual._time.get_time``)."""
    deadline = getattr(parser, "_timeout_time", _UNKNOWN)
    if deadline is _UNKNOWN or not (deadline is None or isinstance(deadline, (int, float))):
        return FALLBACK_TICK
    if deadline is None:
        return None
    return max(0.0, deadline - now)


class QuietLinuxDriver(LinuxDriver):
    """Textual's Linux driver, its input thread asleep while no key is pressed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The pipe that wakes the input thread: made when application mode starts, closed
        #: with the driver (a suspend closes it, the resume makes a new one).
        self._wake: tuple[int, int] | None = None
        self._waking = _WakingEvent()
        self.exit_event = self._waking

    def _open_wake(self) -> int:
        """The wake pipe's reading end, the pipe made first if there is none."""
        if self._wake is None:
            self._wake = os.pipe()
            for fd in self._wake:
                os.set_blocking(fd, False)
            self._waking.attach(self._wake[1])
        return self._wake[0]

    def start_application_mode(self) -> None:
        self._open_wake()
        super().start_application_mode()

    def run_input_thread(self) -> None:
        """Read keys until input is disabled; the same events as Textual's thread sends."""
        from textual._xterm_parser import XTermParser

        wake_read = self._open_wake()
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(wake_read, selectors.EVENT_READ)
        try:
            while not self.exit_event.is_set():
                ready = selector.select(parser_timeout(parser, get_time()))
                self._take_input(selector, ready, parser, decode, final=False)
            selector.unregister(wake_read)
            self._take_input(selector, selector.select(LAST_READ), parser, decode, final=True)
        finally:
            selector.close()
            self._drain_wakes()
            try:
                for _event in parser.feed(""):
                    pass
            except Exception:  # end of input with a sequence left unfinished
                pass

    def _take_input(
        self,
        selector: selectors.BaseSelector,
        ready: list[Any],
        parser: Any,
        decode: Any,
        final: bool,
    ) -> None:
        """Feed what the terminal has to the parser and send its events; then tick it."""
        for key, _mask in ready:
            if key.fd != self.fileno:  # the wake pipe
                self._drain_wakes()
                continue
            text = decode(os.read(self.fileno, 1024 * 4), final=final)
            if not text:  # standard input has ended: stop looking at it (it stays readable)
                if self.fileno in selector.get_map():
                    selector.unregister(self.fileno)
                break
            for event in parser.feed(text):
                self.process_message(event)
        for event in parser.tick():
            self.process_message(event)

    def _drain_wakes(self) -> None:
        if self._wake is None:
            return
        try:
            while os.read(self._wake[0], 512):
                pass
        except OSError:  # nothing left to read
            pass

    def close(self) -> None:
        super().close()
        wake, self._wake = self._wake, None
        self._waking.attach(-1)
        for fd in wake or ():
            try:
                os.close(fd)
            except OSError:
                pass
