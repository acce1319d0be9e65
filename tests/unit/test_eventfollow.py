"""TensorBoard runs followed by re-reading their event files (``vaetui tail runs/exp1``)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from tests.support.paths import GENERATED

pytest.importorskip("tensorboard")

from vaetui.cli import main
from vaetui.core.eventfollow import EventFollower
from vaetui.core.options import RunOptions
from vaetui.core.run import Run

TENSORBOARD = GENERATED / "tensorboard"


@pytest.fixture
def restart_run(tmp_path: Path) -> list[Path]:
    source = TENSORBOARD / "restart"
    if not source.is_dir():
        pytest.skip("the shared TensorBoard logs are not beside this checkout")
    return sorted(source.glob("events.out.tfevents.*"))


def test_a_second_event_file_is_picked_up(tmp_path: Path, restart_run: list[Path]) -> None:
    first, second = restart_run
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(first, run_dir / first.name)
    run = Run("run", RunOptions(live=True))
    updated = threading.Event()
    follower = EventFollower(str(run_dir), run, on_update=updated.set, interval=0.1)
    follower.start()
    try:
        assert updated.wait(10)
        with follower.lock:
            before = run.snapshot()
        assert before.segments == 1 and before.last_step == 430
        updated.clear()
        shutil.copy(second, run_dir / second.name)  # the restarted process's own file
        assert updated.wait(10)
        with follower.lock:
            after = run.snapshot()
    finally:
        follower.stop()
    assert after.segments == 2
    assert after.last_step == 1000
    assert after.records == before.records + 100


def test_an_unchanged_run_is_not_read_again(tmp_path: Path, restart_run: list[Path]) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(restart_run[0].parent, run_dir)
    follower = EventFollower(str(run_dir), Run("run"))
    assert follower.read_now() is True
    assert follower.read_now() is False


def test_the_tui_reads_a_run_folder(restart_run: list[Path]) -> None:
    from vaetui.ui.feed import RunFeed

    feed = RunFeed(0, str(restart_run[0].parent), RunOptions(), post=lambda _m: None)
    message = feed.read_all()
    assert message.snapshot is not None
    assert message.snapshot.format == "tfevents"
    assert message.snapshot.segments == 2 and message.snapshot.last_step == 1000


def test_a_folder_without_event_files_is_a_clear_error(tmp_path: Path) -> None:
    assert main(["check", str(tmp_path)]) == 66
    assert main(["tail", str(tmp_path)]) == 66
