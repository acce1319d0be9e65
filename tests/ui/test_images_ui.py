"""The image screen (``i``) and the thumbnail: half-block rendering, live arrival of images."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.apps import static_app
from tests.support.images import blurred, scene, write_pair
from tests.ui.test_app_pilot import screen_text, sync, wait_for
from vaetui.simulate import write_log
from vaetui.ui.app import build_app
from vaetui.ui.widgets.images import ImagePane, ImageScreen


@pytest.fixture(scope="module")
def blurry_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = tmp_path_factory.mktemp("blurry") / "train.log"
    write_log(str(log), scenario="blurry", steps=2000, seed=0, images=True)
    return log


async def _images_drawn(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_image_screen_half_blocks_100x32(
    snap_compare, blurry_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest pair side by side in Unicode half-blocks, with step, PSNR and the verdict."""
    monkeypatch.setenv("VAETUI_IMAGES", "halfblock")
    assert snap_compare(
        static_app(blurry_run), press=["i"], terminal_size=(100, 32), run_before=_images_drawn
    )


@sync
async def test_image_screen_steps_back_and_forward(blurry_run: Path) -> None:
    app = static_app(blurry_run)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("i")
        await _images_drawn(pilot)
        screen = app.screen
        assert isinstance(screen, ImageScreen)
        assert "step 2000" in screen_text(app) and "WATCH" in screen_text(app)
        assert "blurry despite low numbers" in screen_text(app)
        await pilot.press("left", "left")
        assert "step 1900" in screen_text(app)
        await pilot.press("right", "right")
        assert "step 2000" in screen_text(app) and "(newest)" in screen_text(app)
        panes = list(screen.query(ImagePane))
        assert all(p._image is not None for p in panes)  # both decoded and shown
        await pilot.press("escape")
        assert not isinstance(app.screen, ImageScreen)


@sync
async def test_new_images_appear_live_and_half_written_ones_wait(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    lines = (f"step {s} loss=0.15 rec_loss=0.007 kl_loss=500\n" for s in range(10, 510, 10))
    log.write_text("".join(lines))
    folder = tmp_path / "images" / "train"
    write_pair(folder, 100, blurred(scene(seed=100)))
    app = build_app([str(log)])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("i")
        await wait_for(pilot, lambda: "step 100" in screen_text(app))
        half = folder / "reconstructions_gs-000500_e-000001_b-000100.png"
        whole = tmp_path / "whole.png"
        scene(seed=500).save(whole)
        data = whole.read_bytes()
        scene(seed=500).save(folder / "inputs_gs-000500_e-000001_b-000100.png")
        half.write_bytes(data[: len(data) // 3])  # the trainer is still writing it
        screen = app.screen
        assert isinstance(screen, ImageScreen)

        def newest() -> tuple[float | None, tuple[str, ...]]:
            s = screen.current()
            return (None, ()) if s is None else (s.step, tuple(sorted(s.files)))

        await wait_for(pilot, lambda: newest() == (500.0, ("inputs",)))
        await asyncio.sleep(1.5)  # well past the settling time: the broken file still waits
        await pilot.pause()
        assert newest() == (500.0, ("inputs",))
        assert screen.summary is not None and screen.summary.pending == 1
        half.write_bytes(data)
        await wait_for(pilot, lambda: newest() == (500.0, ("inputs", "reconstructions")))
        assert "step 500 · images/train" in screen_text(app)
        await _images_drawn(pilot)
        assert app.screen.query_one("#pane-recons", ImagePane)._image is not None
