"""Sixty-four logs at once, 24 of them growing: a handful of threads, and keys still answered.

Every followed file shares one watchdog observer (a watch per directory) and one small pool
of reader threads, so the thread count does not grow with the number of paths, and the app
keeps answering keys while the histories load and the files grow.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from vaetui.ui.app import VaeApp, build_app
from vaetui.ui.widgets.help import HelpScreen

PATHS, GROWING, FOLDERS = 64, 24, 4


def _line(step: int) -> str:
    return f"step {step} loss=0.15 rec_loss=0.0069 kl_loss=505 kl_weight=0.0001\n"


def _logs(tmp_path: Path) -> list[Path]:
    logs = []
    for i in range(PATHS):
        folder = tmp_path / f"runs{i % FOLDERS}"
        folder.mkdir(exist_ok=True)
        log = folder / f"run{i}.log"
        log.write_text("".join(_line(s) for s in range(2000)))
        logs.append(log)
    return logs


def _grow(logs: list[Path], stop: threading.Event) -> None:
    step = 2000
    while not stop.is_set():
        for log in logs:
            with log.open("a") as fh:
                fh.write("".join(_line(s) for s in range(step, step + 5)))
        step += 5
        time.sleep(0.05)


async def _until(pilot, cond, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


async def _drive(app: VaeApp, logs: list[Path]) -> int:
    async with app.run_test(size=(100, 30)) as pilot:
        stop = threading.Event()
        writer = threading.Thread(target=_grow, args=(logs[:GROWING], stop), daemon=True)
        writer.start()
        try:
            await pilot.pause(0.3)
            await pilot.press("question_mark")  # answered while 24 files grow
            await _until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
            await pilot.press("escape")
            await _until(pilot, lambda: not isinstance(app.screen, HelpScreen), "help to close")
            await _until(
                pilot,
                lambda: all(f.follow_status().state == "following" for f in app.feeds),
                "every file to be followed",
            )
            threads = threading.active_count()
            await pilot.press("space")  # pause
            await _until(pilot, lambda: app.throttle.paused, "pause")
        finally:
            stop.set()
            writer.join()
        return threads


def test_sixty_four_paths_cost_a_handful_of_threads_and_keys_are_answered(
    tmp_path: Path,
) -> None:
    logs = _logs(tmp_path)
    before = threading.active_count()
    app = build_app([str(p) for p in logs])
    threads = asyncio.run(_drive(app, logs))
    # pool workers, the shared observer and one emitter per folder, Textual's, the writer
    assert threads - before <= 16, threads - before
    waiting = [f.path for f in app.feeds if f.status.state == "waiting for file"]
    assert not waiting
