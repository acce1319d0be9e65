"""The TUI under log faults: copytruncate, rotation, delete and recreate, garbage, hostile
escapes. The app must stay up, keep following, and keep its badges and step current."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from textual.pilot import Pilot

from vaetui.ui.app import VaeApp, build_app
from vaetui.ui.widgets.verdicts import VerdictBadge


def _line(step: int, kl: float = 500.0) -> str:
    return f"step {step} loss=0.15 rec_loss=0.0069 kl_loss={kl} kl_weight=0.0001\n"


def _status(app: VaeApp) -> str:
    """The top line of the screen, as plain text."""
    strips = app.screen._compositor.render_strips()
    return "".join(seg.text for seg in strips[0]) if strips else ""


async def _until(pilot: Pilot, cond, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met; status: {_status(pilot.app)}")
        await pilot.pause(0.05)


def _shows_step(app: VaeApp, step: int) -> bool:
    return f"step {step:,}" in _status(app)


async def _faults(log: Path) -> None:
    app = build_app([str(log)])
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: _shows_step(app, 50))
        kl = app.query_one("#badge-kl_zone", VerdictBadge)
        assert kl.level == "excellent"

        # copytruncate: the file shrinks to nothing and training goes on at later steps
        os.truncate(log, 0)
        with log.open("a") as fh:
            fh.writelines(_line(s) for s in range(51, 71))
        await _until(pilot, lambda: _shows_step(app, 70))

        # rename-rotation: a new file at the path
        log.rename(log.with_suffix(".1"))
        log.write_text("".join(_line(s) for s in range(71, 91)))
        await _until(pilot, lambda: _shows_step(app, 90))

        # delete and recreate, with garbage and hostile text in the new file
        log.unlink()
        log.write_bytes(
            b"\x00\xff\xfe garbage \x1b]52;c;aGVsbG8=\x07 [bold red]x[/]\n"
            + "".join(_line(s, kl=5.0) for s in range(91, 151)).encode()
        )
        await _until(pilot, lambda: _shows_step(app, 150))
        # the collapse in the new lines turns the KL badge bad
        await _until(pilot, lambda: kl.level == "bad")
        assert app.is_running


def test_tui_keeps_following_through_faults(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text("".join(_line(s) for s in range(1, 51)))
    asyncio.run(_faults(log))


async def _dead_reader(log: Path) -> None:
    app = build_app([str(log)])
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: _shows_step(app, 50))
        overall = app.query_one("#badge-overall", VerdictBadge)
        assert overall.level not in ("n/a", "pending")

        def boom(data: bytes) -> None:
            raise RuntimeError("a bug in the reader")

        app.feeds[0].run.feed = boom  # type: ignore[method-assign]
        with log.open("a") as fh:
            fh.write(_line(51))
        await _until(pilot, lambda: "ERROR" in _status(pilot.app), timeout=40.0)
        await _until(pilot, lambda: overall.level == "n/a", timeout=40.0)
        levels = {b.criterion_id: b.level for b in app.query(VerdictBadge)}
        assert set(levels.values()) == {"n/a"}, levels
        assert app.is_running


def test_a_dead_reader_shows_error_and_no_verdicts(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text("".join(_line(s) for s in range(1, 51)))
    asyncio.run(_dead_reader(log))
