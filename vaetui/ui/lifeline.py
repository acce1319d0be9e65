"""Make sure ``vaetui tail`` ends: on a signal, when its terminal goes away, and when the
clean shutdown itself hangs.

A dropped SSH connection or a killed tmux session sends SIGHUP and leaves the terminal dead.
Textual then writes its frames into a bounded queue that nothing drains any more, and its
clean shutdown can block on that queue for ever, leaving an orphan. So the app is asked to
exit the usual way, and a deadline thread ends the process anyway if that has not happened
within ``DEADLINE`` seconds (restoring the terminal first when there still is one). Signals
are noticed through ``signal.set_wakeup_fd`` on a thread of their own, so a main thread that
is stuck somewhere cannot keep a signal from being seen.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

#: Seconds from a signal to the forced exit when the clean shutdown has not finished.
DEADLINE = 1.5
#: The same when the terminal is gone: nothing is left to restore, so there is no wait.
DEADLINE_NO_TERMINAL = 0.5
SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
_ENDING = frozenset(int(sig) for sig in SIGNALS)

#: What Textual's driver undoes when it leaves application mode: mouse reporting, bracketed
#: paste, focus events, the kitty keyboard protocol, a hidden cursor and the alternate screen.
RESTORE = (
    "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?1004l"
    "\x1b[<u\x1b[?7h\x1b[?25h\x1b[?1049l"
)
_GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


def _terminal_fd() -> int | None:
    """The descriptor Textual draws on (standard error), if it is a terminal."""
    stream = sys.__stderr__
    try:
        fd = stream.fileno() if stream is not None else -1
    except (OSError, ValueError):
        return None
    return fd if fd >= 0 and os.isatty(fd) else None


class Lifeline:
    """Ends the process when the app is asked to stop, one way or the other.

    Use as a context manager around ``app.run()`` on the main thread. ``connect`` gives it
    a thread-safe way to ask the app to exit once the app's loop runs.

    Args:
        deadline: seconds a clean shutdown may take after a signal.
        exit_code: the status a forced exit ends with.
        force_exit: how the process is ended (tests pass a recorder instead of ``os._exit``).
    """

    def __init__(
        self,
        deadline: float = DEADLINE,
        exit_code: int = 0,
        force_exit: Callable[[int], Any] = os._exit,
    ) -> None:
        self._deadline = deadline
        self._exit_code = exit_code
        self._force_exit = force_exit
        self._request: Callable[[], object] | None = None
        self._ending = threading.Event()
        self._closed = threading.Event()
        self._tty = _terminal_fd()
        self._tty_attrs: list[Any] | None = None
        self._previous: dict[int, Any] = {}
        self._wakeup: tuple[int, int] | None = None
        self._old_wakeup = -1
        self._watch: threading.Thread | None = None
        self.reason = ""

    @property
    def ending(self) -> bool:
        """True once an exit was requested (the deadline is running)."""
        return self._ending.is_set()

    def __enter__(self) -> Lifeline:
        self.install()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.uninstall()

    def install(self) -> None:
        """Catch the signals and start watching them and the terminal (main thread only)."""
        if self._tty is not None:
            with contextlib.suppress(Exception):
                import termios

                self._tty_attrs = termios.tcgetattr(self._tty)
        for sig in SIGNALS:
            self._previous[sig] = signal.signal(sig, self._on_signal)
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)
        self._wakeup = (read_fd, write_fd)
        self._old_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        self._watch = threading.Thread(target=self._watch_loop, name="vaetui-lifeline", daemon=True)
        self._watch.start()

    def uninstall(self) -> None:
        """Give the signals back; the deadline, if running, still ends the process."""
        self._closed.set()
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
        if self._wakeup is not None:
            signal.set_wakeup_fd(self._old_wakeup)
            with contextlib.suppress(OSError):
                os.write(self._wakeup[1], b"\0")  # wake the watch thread so it returns
        if self._watch is not None:
            self._watch.join(timeout=1.0)
        if self._wakeup is not None:
            for fd in self._wakeup:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._wakeup = None

    def connect(self, request_exit: Callable[[], object]) -> None:
        """How to ask the app to exit, from any thread; asked at once if already ending."""
        self._request = request_exit
        if self.ending:
            request_exit()

    def end(self, reason: str, terminal_gone: bool = False) -> None:
        """Ask the app to exit and start the deadline; later calls do nothing."""
        if self._ending.is_set():
            return
        self._ending.set()
        self.reason = reason
        if terminal_gone:
            self._tty = None  # never write to a terminal that is gone
        deadline = DEADLINE_NO_TERMINAL if terminal_gone else self._deadline
        threading.Thread(
            target=self._after_deadline, args=(deadline,), name="vaetui-deadline", daemon=True
        ).start()
        request = self._request
        if request is not None:
            with contextlib.suppress(Exception):
                request()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.end(f"signal {signal.Signals(signum).name}")

    def _watch_loop(self) -> None:
        """Until uninstalled: notice signals (through the wakeup pipe) and a vanished terminal."""
        assert self._wakeup is not None
        poller = select.poll()
        poller.register(self._wakeup[0], select.POLLIN)
        if self._tty is not None:
            poller.register(self._tty, 0)  # only hang-up and error are of interest
        while not self._closed.is_set():
            # No timeout: a signal, a hang-up and ``uninstall`` (a byte down the pipe) all
            # end the wait, so an idle app wakes this thread for nothing.
            for fd, events in poller.poll():
                if fd == self._wakeup[0]:
                    if self._ending_signal(fd) and not self._closed.is_set():
                        self.end("signal")
                elif events & _GONE:
                    poller.unregister(fd)
                    self.end("the terminal went away", terminal_gone=True)

    @staticmethod
    def _ending_signal(fd: int) -> bool:
        """Read the wakeup pipe: True when it names a signal that ends the app. Python writes
        the number of every signal it catches there, so a resize (SIGWINCH) or a suspend
        and resume (SIGTSTP, SIGCONT), which the terminal driver handles, must not count."""
        try:
            numbers = os.read(fd, 512)
        except OSError:
            return False
        return any(n in _ENDING for n in numbers)

    def _after_deadline(self, seconds: float) -> None:
        """Restore the terminal if there still is one, and end the process."""
        time.sleep(seconds)
        tty = self._tty
        if tty is not None:
            restorer = threading.Thread(target=self._restore, args=(tty,), daemon=True)
            restorer.start()
            restorer.join(0.3)  # a terminal that blocks the write is not waited for
        self._force_exit(self._exit_code)

    def _restore(self, fd: int) -> None:
        with contextlib.suppress(Exception):
            if self._tty_attrs is not None:
                import termios

                termios.tcsetattr(fd, termios.TCSANOW, self._tty_attrs)
            os.write(fd, RESTORE.encode())
