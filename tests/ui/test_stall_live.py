"""A run that goes quiet turns the Stall badge to WATCH on the live screen, at the core's
limit and without a new line, and the next line turns it back.

The stall limit is lowered to 2 s through the profile, so the test waits seconds, not minutes;
the path it checks is the one a real 60 s stall takes (no record arrives to count a dwell).
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path

from tests.support.snapshots import write_sim
from tests.ui.test_app_pilot import screen_text, sync, wait_for
from vaetui.core.options import RunOptions
from vaetui.core.profile import Profile, Stall
from vaetui.core.snapshot import Snapshot
from vaetui.ui.app import build_app

LIMIT = 2.0


def stall_badge(text: str) -> str:
    """The Stall badge's level word as the screen shows it."""
    found = re.search(r"Stall\s+([A-Z/]+)", text)
    assert found is not None, text
    return found.group(1)


@sync
async def test_a_quiet_run_turns_the_stall_badge_to_watch(tmp_path: Path) -> None:
    lines = write_sim(tmp_path / "src.log", "healthy", 3000).read_text().splitlines(True)
    log = tmp_path / "train.log"
    log.write_text("".join(lines[:50]))
    profile = replace(Profile(), stall=Stall(min_seconds=LIMIT))
    app = build_app([str(log)], RunOptions(profile=profile))
    async with app.run_test(size=(100, 30)) as pilot:
        feed = app.feeds[0]
        await wait_for(pilot, lambda: feed.snapshot is not None and feed.snapshot.records > 0)
        with log.open("a") as fh:  # a steady pace, so the run reads live
            for line in lines[50:110]:
                fh.write(line)
                fh.flush()
                await pilot.pause(0.03)
        await wait_for(pilot, lambda: stall_badge(screen_text(app)) == "EXCELLENT")
        last_line = time.monotonic()
        await wait_for(pilot, lambda: stall_badge(screen_text(app)) == "WATCH", timeout=10)
        waited = time.monotonic() - last_line
        # Shown at the limit (not at the 15 s quiet refresh, nor never).
        assert waited < app_quiet_refresh(), waited
        text = screen_text(app)
        assert "STALLED" in text and "st/s" not in text  # no pace for a run that stopped
        stall = feed.snapshot.verdict("stall")
        assert stall is not None and stall.level == "watch" and stall.value > LIMIT
        with log.open("a") as fh:
            fh.write(lines[110])
        await wait_for(pilot, lambda: stall_badge(screen_text(app)) == "EXCELLENT")


def app_quiet_refresh() -> float:
    from vaetui.ui.app import QUIET_REFRESH

    return QUIET_REFRESH


@sync
async def test_a_run_not_on_screen_is_judged_stalled_too(tmp_path: Path) -> None:
    """The alerts of a run in the background hear of its stall (``on_snapshot``)."""
    lines = write_sim(tmp_path / "src.log", "healthy", 3000).read_text().splitlines(True)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    for log in logs:
        log.write_text("".join(lines[:50]))
    heard: list[tuple[str, str]] = []

    def on_snapshot(snap: Snapshot, name: str, path: str) -> None:
        stall = snap.verdict("stall")
        if stall is not None:
            heard.append((name, stall.level))

    profile = replace(Profile(), stall=Stall(min_seconds=LIMIT))
    app = build_app([str(p) for p in logs], RunOptions(profile=profile), on_snapshot=on_snapshot)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: all(f.snapshot is not None for f in app.feeds))
        with logs[1].open("a") as fh:  # only the second run writes, at a steady pace
            for line in lines[50:110]:
                fh.write(line)
                fh.flush()
                await pilot.pause(0.03)
        await wait_for(pilot, lambda: ("b.log", "watch") in heard, timeout=10)
        assert app.current == 0  # the first run stayed on screen
