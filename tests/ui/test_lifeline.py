"""The lifeline ends the process after a signal even when the app never exits cleanly."""

from __future__ import annotations

import os
import signal
import threading
import time

from vaetui.ui.lifeline import Lifeline


def test_a_signal_asks_the_app_to_exit_and_the_deadline_ends_the_process() -> None:
    exited = threading.Event()
    codes: list[int] = []
    asked: list[str] = []

    def force_exit(code: int) -> None:
        codes.append(code)
        exited.set()

    with Lifeline(deadline=0.05, force_exit=force_exit) as lifeline:
        lifeline.connect(lambda: asked.append("exit"))
        os.kill(os.getpid(), signal.SIGHUP)
        assert exited.wait(5.0), "the deadline never ended the process"
    assert asked == ["exit"]
    assert codes == [0]
    assert lifeline.reason.startswith("signal")


def test_connecting_after_the_signal_asks_at_once() -> None:
    exited = threading.Event()
    with Lifeline(deadline=0.05, force_exit=lambda code: exited.set()) as lifeline:
        os.kill(os.getpid(), signal.SIGTERM)
        assert exited.wait(5.0)
        asked: list[bool] = []
        lifeline.connect(lambda: asked.append(True))
    assert asked == [True]
    # The signals are given back: the previous handler is in force again.
    assert signal.getsignal(signal.SIGTERM) is not lifeline._on_signal


def test_a_resize_or_a_suspend_signal_does_not_end_the_app() -> None:
    """Python writes every caught signal to the wakeup pipe, also those the terminal driver
    handles (a resize sends SIGWINCH; a suspend and resume, SIGTSTP and SIGCONT)."""
    handled: list[int] = []
    others = (signal.SIGWINCH, signal.SIGCONT)
    previous = {sig: signal.signal(sig, lambda n, _f: handled.append(n)) for sig in others}
    exited = threading.Event()
    try:
        with Lifeline(deadline=0.05, force_exit=lambda code: exited.set()) as lifeline:
            asked: list[str] = []
            lifeline.connect(lambda: asked.append("exit"))
            for sig in others:
                os.kill(os.getpid(), sig)
            for _ in range(500):  # until the handlers ran: the pipe has the numbers by then
                if len(handled) == len(others):
                    break
                time.sleep(0.01)
            assert sorted(handled) == sorted(others)
            assert not exited.wait(0.5), "a resize ended the app"
            assert not lifeline.ending and asked == []
            os.kill(os.getpid(), signal.SIGTERM)  # an ending signal still ends it
            assert exited.wait(5.0)
            assert asked == ["exit"]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
