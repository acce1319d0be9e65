"""A burst of lines written one by one ends on screen with its newest step, redrawn few times."""

from __future__ import annotations

from pathlib import Path

from tests.support.snapshots import write_sim
from tests.ui.test_app_pilot import screen_text, sync, wait_for
from vaetui.ui.app import build_app


@sync
async def test_a_burst_shows_the_newest_step(tmp_path: Path) -> None:
    source = write_sim(tmp_path / "src.log", "healthy", 3000)
    lines = source.read_text().splitlines(keepends=True)
    log = tmp_path / "train.log"
    log.write_text("".join(lines[:100]))
    app = build_app([str(log)])
    async with app.run_test(size=(80, 24)) as pilot:
        feed = app.feeds[0]
        await wait_for(pilot, lambda: feed.snapshot is not None and feed.snapshot.records > 0)
        applied: list[int] = []
        original = app.throttle._apply
        app.throttle._apply = lambda pending: (applied.append(1), original(pending))  # type: ignore[assignment]
        records = feed.snapshot.records
        burst = lines[100:400]
        with log.open("a") as fh:
            for line in burst:  # one write and flush per line: one inotify event each
                fh.write(line)
                fh.flush()
        expected = records + sum(1 for line in burst if "loss" in line)
        await wait_for(pilot, lambda: feed.snapshot.records == expected)
        await pilot.pause(0.3)
        newest = int(feed.snapshot.last_step)
        assert f"step {newest:,}" in screen_text(app)
        assert feed.snapshot.records == expected  # nothing lost, nothing counted twice
        assert len(applied) < len(burst) // 10
