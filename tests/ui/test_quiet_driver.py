"""The terminal driver whose input thread sleeps until a key is pressed (``vaetui.ui.driver``).

The driver reads a real pipe standing in for the terminal, on its real input thread; the
events it sends are collected instead of going to an app.
"""

from __future__ import annotations

import asyncio
import os
import selectors
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from textual import constants, events

from vaetui.core.options import RunOptions
from vaetui.ui.app import VaeApp
from vaetui.ui.driver import FALLBACK_TICK, QuietLinuxDriver, parser_timeout

#: Generous bound for the thread to answer; the tests wait for an outcome, they time nothing.
ANSWER = 10.0


class _Parser:
    def __init__(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)


def test_parser_timeout_is_none_while_the_parser_waits_for_nothing() -> None:
    assert parser_timeout(_Parser(_timeout_time=None), 100.0) is None


def test_parser_timeout_runs_to_the_parsers_deadline() -> None:
    assert parser_timeout(_Parser(_timeout_time=100.25), 100.0) == pytest.approx(0.25)
    assert parser_timeout(_Parser(_timeout_time=99.0), 100.0) == 0.0


def test_parser_timeout_falls_back_to_polling_when_the_deadline_is_unknown() -> None:
    assert parser_timeout(_Parser(), 100.0) == FALLBACK_TICK
    assert parser_timeout(_Parser(_timeout_time="soon"), 100.0) == FALLBACK_TICK


class _Harness:
    """A QuietLinuxDriver reading from a pipe, its input thread running, its events kept."""

    def __init__(self, driver: QuietLinuxDriver, write_fd: int) -> None:
        self.driver = driver
        self.write_fd = write_fd
        self.events: list[Any] = []
        self.timeouts: list[float | None] = []
        self._lock = threading.Lock()

    def keys(self) -> list[str]:
        with self._lock:
            return [e.key for e in self.events if isinstance(e, events.Key)]

    def wait_for_keys(self, want: list[str]) -> list[str]:
        deadline = time.monotonic() + ANSWER
        while self.keys() != want and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.keys()

    def note(self, event: Any) -> None:
        with self._lock:
            self.events.append(event)


@contextmanager
def _driver(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Harness]:
    """The driver on its own thread, with a pipe for a terminal; stopped on the way out."""
    read_fd, write_fd = os.pipe()
    saved = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}
    holder: dict[str, _Harness] = {}

    async def build() -> QuietLinuxDriver:
        return QuietLinuxDriver(app=None)  # type: ignore[arg-type]

    driver = asyncio.run(build())
    driver.fileno = read_fd
    harness = holder["h"] = _Harness(driver, write_fd)
    monkeypatch.setattr(driver, "process_message", harness.note)
    real_select = selectors.SelectSelector.select

    def select(self: selectors.SelectSelector, timeout: float | None = None) -> Any:
        if threading.current_thread() is thread:
            harness.timeouts.append(timeout)
        return real_select(self, timeout)

    monkeypatch.setattr(selectors.SelectSelector, "select", select)
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    try:
        yield harness
    finally:
        driver.exit_event.set()
        thread.join(ANSWER)
        alive = thread.is_alive()
        driver.close()
        for fd in (read_fd, write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        assert not alive, "the input thread did not end when input was disabled"


def test_keys_reach_the_app_and_the_thread_then_waits_without_a_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _driver(monkeypatch) as h:
        os.write(h.write_fd, b"q")
        assert h.wait_for_keys(["q"]) == ["q"]
        time.sleep(0.2)  # let the thread go back to its wait
        assert h.timeouts[-1] is None
        assert all(t is None for t in h.timeouts), h.timeouts


def test_a_lone_escape_is_sent_once_the_parser_gives_up_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _driver(monkeypatch) as h:
        os.write(h.write_fd, b"\x1b")
        assert h.wait_for_keys(["escape"]) == ["escape"]
        waits = [t for t in h.timeouts if t is not None]
        assert waits and all(0 <= t <= 1.0 for t in waits)  # slept only to the deadline
        time.sleep(0.2)
        assert h.timeouts[-1] is None  # and then without a timeout again


def test_an_escape_sequence_is_one_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with _driver(monkeypatch) as h:
        os.write(h.write_fd, b"\x1b[A")
        assert h.wait_for_keys(["up"]) == ["up"]


def test_the_thread_ends_promptly_when_input_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    # Leaving _driver sets exit_event and asserts the thread ended: with a wait that has no
    # timeout, only the wake pipe can end it.
    with _driver(monkeypatch) as h:
        time.sleep(0.1)
        assert h.timeouts and h.timeouts[-1] is None


def test_ended_input_does_not_make_the_thread_spin(monkeypatch: pytest.MonkeyPatch) -> None:
    with _driver(monkeypatch) as h:
        os.write(h.write_fd, b"a")
        assert h.wait_for_keys(["a"]) == ["a"]
        os.close(h.write_fd)  # standard input ends
        time.sleep(0.5)
        looks = len(h.timeouts)
        time.sleep(0.5)
        assert len(h.timeouts) == looks  # asleep, not polling an input that stays readable


def _app() -> VaeApp:
    return VaeApp(["train.log"], RunOptions())


def test_the_app_uses_the_quiet_driver_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(constants, "DRIVER", None)
    if os.name != "posix":
        pytest.skip("the quiet driver replaces Textual's Linux driver only")
    assert _app().get_driver_class() is QuietLinuxDriver


def test_a_driver_named_in_the_environment_is_used_as_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(constants, "DRIVER", "textual.drivers.linux_driver:LinuxDriver")
    from textual.drivers.linux_driver import LinuxDriver

    assert _app().get_driver_class() is LinuxDriver
