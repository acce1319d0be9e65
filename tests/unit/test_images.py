"""Sample images: names, discovery, PSNR and sharpness, half-written and bad files.

Every image is a real file written with Pillow; the expected numbers are computed here
independently (a sliding-window Laplacian, PSNR from the decoded pixels).
"""

from __future__ import annotations

import json
import math
import os
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

from tests.support.images import blurred, noisy, save, scene, set_age, write_pair
from vaetui.cli import main
from vaetui.core.criteria import JudgeInput
from vaetui.core.criteria.sharpness import sharpness
from vaetui.core.images import discover
from vaetui.core.images.discover import roots_for
from vaetui.core.images.measure import measure_pair
from vaetui.core.images.names import role_of, step_from_name
from vaetui.core.images.store import MAX_FILES, ImageStore, read_once, store_for
from vaetui.core.profile import Profile

# --------------------------------------------------------------------------- independent maths


def _pixels(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        frames = []
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB"), dtype=np.float64) / 255.0)
        return frames


def _laplacian_var(rgb: np.ndarray) -> float:
    gray = rgb @ np.array([0.299, 0.587, 0.114])
    kernel = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64)
    windows = sliding_window_view(gray, (3, 3))
    return float(np.einsum("ijkl,kl->ij", windows, kernel).var())


def _expected(a: Path, b: Path) -> tuple[float, float]:
    xs, ys = _pixels(a), _pixels(b)
    n = min(len(xs), len(ys))
    xs, ys = xs[:n], ys[:n]
    mse = np.mean([np.mean((x - y) ** 2) for x, y in zip(xs, ys)])
    ratio = np.mean([_laplacian_var(y) for y in ys]) / np.mean([_laplacian_var(x) for x in xs])
    return 10 * math.log10(1 / mse), float(ratio)


@pytest.mark.parametrize("variant", ["blurred", "noisy", "same-but-one-pixel"])
def test_psnr_and_sharpness_match_an_independent_computation(tmp_path: Path, variant: str) -> None:
    im = scene()
    if variant == "blurred":
        other = blurred(im)
    elif variant == "noisy":
        other = noisy(im)
    else:
        other = im.copy()
        other.putpixel((5, 5), (0, 0, 0))
    a, b = save(im, tmp_path / "in.png"), save(other, tmp_path / "out.png")
    m = measure_pair(str(a), str(b))
    psnr, ratio = _expected(a, b)
    assert m.psnr == pytest.approx(psnr, rel=1e-6)
    assert m.sharpness == pytest.approx(ratio, rel=1e-4)
    if variant == "blurred":
        assert m.sharpness < 0.3
    elif variant == "noisy":
        assert m.sharpness > 2.0 and m.psnr < 20
    else:
        assert 0.95 < m.sharpness < 1.05 and m.psnr > 40


def test_gif_frames_are_measured_frame_by_frame(tmp_path: Path) -> None:
    frames_in = [scene(seed=s) for s in range(3)]
    frames_out = [blurred(f, 1.5) for f in frames_in]
    a, b = tmp_path / "inputs_step_100.gif", tmp_path / "recon_step_100.gif"
    frames_in[0].save(a, save_all=True, append_images=frames_in[1:], duration=100)
    frames_out[0].save(b, save_all=True, append_images=frames_out[1:], duration=100)
    m = measure_pair(str(a), str(b))
    psnr, ratio = _expected(a, b)
    assert len(_pixels(a)) == 3
    assert m.psnr == pytest.approx(psnr, rel=1e-6)
    assert m.sharpness == pytest.approx(ratio, rel=1e-4)


def test_grids_of_different_sizes_are_not_measured(tmp_path: Path) -> None:
    a = save(scene(96, 64), tmp_path / "a.png")
    b = save(scene(64, 64), tmp_path / "b.png")
    m = measure_pair(str(a), str(b))
    assert m.psnr is None and m.sharpness is None and "sizes differ" in m.note


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "step", "role"),
    [
        ("inputs_gs-006000_e-000003_b-000120.png", 6000, "inputs"),
        ("reconstructions_gs-006000_e-000003_b-000120.png", 6000, "reconstructions"),
        ("samples_gs-006000_e-000003_b-000120.png", 6000, "samples"),
        ("step_6000.png", 6000, None),
        ("global_step-6000.jpg", 6000, None),
        ("recon_006000.png", 6000, "reconstructions"),
        ("input_006000.png", 6000, "inputs"),
        ("sample_6000.png", 6000, "samples"),
        ("_6000.png", 6000, None),
        ("iter_12500.png", 12500, None),
        ("reconstructions_6000_0a1b2c3d4e5f6a7b8c9d.png", 6000, "reconstructions"),
        ("000600.png", 600, None),
        ("epoch_3.png", None, None),
        ("preview.png", None, None),
    ],
)
def test_step_and_role_from_every_naming_pattern(name: str, step: int | None, role) -> None:
    assert step_from_name(name) == (None if step is None else float(step))
    assert role_of(name) == role


def test_a_folder_named_for_a_role_gives_the_role() -> None:
    assert role_of("run/samples/inputs/000600.png") == "inputs"
    assert role_of("run/samples/step_600.png") == "samples"
    assert role_of("run/media/images/x_600.png", "samples") == "samples"


# --------------------------------------------------------------------------- discovery


def _store(log: Path, images: str | None = None) -> ImageStore:
    store = store_for(str(log), images)
    assert store is not None
    read_once(store, lambda t: 4242.0)
    return store


def test_discovery_finds_every_usual_layout(tmp_path: Path) -> None:
    run = tmp_path / "run"
    log = run / "logs" / "train.log"
    log.parent.mkdir(parents=True)
    log.write_text("step 10 loss=1\n")
    write_pair(run / "images" / "train", 6000, blurred(scene(seed=6000)))  # in the run folder
    write_pair(run / "logs" / "images" / "val", 6000)
    save(scene(seed=1), run / "samples" / "step_7000.png")
    save(scene(seed=2), log.parent / "recon_008000.png")  # beside the log, a role in the name
    save(scene(seed=3), log.parent / "notes_9000.png")  # beside the log, no role: not a sample
    save(scene(seed=4), run / "media" / "images" / "reconstructions_9000_0a1b2c3d4e5f.png")
    save(scene(seed=5), run / "reconstructions" / "preview.png")  # no step: from the time
    summary = _store(log).summary()
    found = {(s.group, s.step, tuple(sorted(s.files))) for s in summary.sets}
    assert found == {
        ("images/train", 6000.0, ("inputs", "reconstructions")),
        ("images/val", 6000.0, ("inputs", "reconstructions")),
        ("", 7000.0, ("samples",)),  # a folder named for a role groups with its parent
        ("", 8000.0, ("reconstructions",)),
        ("media/images", 9000.0, ("reconstructions",)),
        ("", 4242.0, ("reconstructions",)),
    }
    preview = next(s for s in summary.sets if s.step == 4242.0)
    assert preview.reconstructions is not None and preview.reconstructions.step_from == "time"
    train = next(s for s in summary.sets if s.group == "images/train")
    assert train.sharpness is not None and train.sharpness < 0.5
    val = next(s for s in summary.sets if s.group == "images/val")
    assert val.sharpness == pytest.approx(1.0) and math.isinf(val.psnr or 0)
    assert summary.newest is not None and summary.newest.step == 9000.0


def test_images_option_takes_every_image_in_that_folder(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    save(scene(), folder / "inputs" / "000300.png")
    save(blurred(scene()), folder / "reconstructions" / "000300.png")
    summary = _store(tmp_path / "train.log", str(folder)).summary()
    assert [(s.step, s.is_pair) for s in summary.sets] == [(300.0, True)]


def test_standard_input_looks_nowhere_without_images_option(tmp_path: Path) -> None:
    assert store_for("-") is None
    assert store_for("-", str(tmp_path)) is not None


# --------------------------------------------------------------------------- bad input


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims ``width x height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 9))


def test_half_written_files_wait_and_broken_ones_are_counted(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    whole = tmp_path / "whole.png"
    scene().save(whole)
    data = whole.read_bytes()
    half = folder / "recon_000100.png"
    half.parent.mkdir()
    half.write_bytes(data[: len(data) // 2])  # being written right now
    (folder / "recon_000050.png").write_bytes(data[: len(data) // 2])
    set_age(folder / "recon_000050.png", 120)  # truncated long ago: corrupt
    (folder / "sample_000060.png").write_bytes(b"this is not an image at all")
    set_age(folder / "sample_000060.png", 120)
    (folder / "sample_000070.png").write_bytes(_png_claiming(100_000, 100_000))
    set_age(folder / "sample_000070.png", 120)
    (folder / "sample_000080.mp4").write_bytes(b"\x00" * 64)
    store = ImageStore(roots_for(str(tmp_path / "train.log")))
    read_once(store)
    s = store.summary()
    assert [x.step for x in s.sets] == []  # nothing broken is ever shown
    assert s.pending == 1
    assert s.skipped == {"corrupt": 1, "unknown format": 2, "too large": 1}
    half.write_bytes(data)  # the writer finishes
    set_age(half, 5)
    read_once(store)
    s = store.summary()
    assert [x.step for x in s.sets] == [100.0] and s.pending == 0


@pytest.mark.slow
def test_a_folder_of_100000_files_is_read_within_bounds(tmp_path: Path) -> None:
    folder = tmp_path / "samples"
    folder.mkdir()
    for i in range(100_000):
        os.close(os.open(folder / f"f{i:06d}.png", os.O_CREAT | os.O_WRONLY, 0o644))
    store = ImageStore(roots_for(str(tmp_path / "train.log")))
    assert store.refresh() is True  # one bounded pass, then the next ones
    s = store.summary()
    assert s.skipped["not listed (folder too big)"] == 100_000 - discover.MAX_ENTRIES
    assert s.skipped["older than the newest kept"] == discover.MAX_ENTRIES - MAX_FILES
    assert len(store._files) <= MAX_FILES
    assert store.refresh() is False  # the folder has not changed: not listed again


# --------------------------------------------------------------------------- criterion


@pytest.mark.parametrize(
    ("ratio", "rec", "level"),
    [
        (None, 0.007, "n/a"),
        (0.95, 0.007, "excellent"),
        (0.6, 0.007, "ok"),
        (0.2, 0.007, "watch"),  # blurry despite low numbers
        (0.2, 0.08, "pending"),  # blurry, and rec_range says so already
        (3.0, 0.007, "watch"),  # noisier than the inputs
    ],
)
def test_sharpness_criterion(ratio: float | None, rec: float, level: str) -> None:
    v = sharpness(JudgeInput(rec=rec, sharpness=ratio, psnr=30.0, image_pairs=3), Profile())
    assert v.level == level
    if level == "watch" and ratio is not None and ratio < 1:
        assert "blurry despite low numbers" in v.summary
        assert "perception-loss weight" in v.advice


# --------------------------------------------------------------------------- end to end


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``vaetui ARGS`` in this process: (exit code, standard output)."""
    code = main(list(args))
    return code, capsys.readouterr().out


def test_simulated_blurry_run_reads_blurry_in_check_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy, blurry = tmp_path / "h" / "train.log", tmp_path / "b" / "train.log"
    for log, scenario in ((healthy, "healthy"), (blurry, "blurry")):
        log.parent.mkdir()
        args = ("simulate", str(log), "--scenario", scenario, "--steps", "2000", "--images")
        assert _cli(capsys, *args)[0] == 0
    h_code, h_out = _cli(capsys, "check", str(healthy), "--json")
    b_code, b_out = _cli(capsys, "check", str(blurry), "--json")
    hj, bj = json.loads(h_out), json.loads(b_out)
    assert h_code == 0 and b_code == 1
    verdict = {c["id"]: c for c in bj["criteria"]}["sharpness"]
    assert verdict["level"] == "watch" and "blurry" in verdict["summary"]
    assert {c["id"]: c for c in hj["criteria"]}["sharpness"]["level"] == "excellent"
    newest = bj["images"]["newest"]
    assert bj["images"]["count"] == 40 and newest["step"] == 2000
    assert newest["inputs"].endswith("inputs_gs-002000_e-000005_b-000000.png")
    assert newest["reconstructions"].endswith("reconstructions_gs-002000_e-000005_b-000000.png")
    assert newest["sharpness"] < 0.5 < hj["images"]["newest"]["sharpness"]
    assert "image_sharpness" in bj["metrics"] and "image_psnr" in bj["metrics"]


def test_check_json_images_is_null_without_images(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "train.log"
    assert _cli(capsys, "simulate", str(log), "--steps", "300")[0] == 0
    assert not (tmp_path / "images").exists()  # simulate writes images only when asked
    out = json.loads(_cli(capsys, "check", str(log), "--json")[1])
    assert out["images"] is None
    assert {c["id"]: c["level"] for c in out["criteria"]}["sharpness"] == "n/a"


def test_live_store_sees_new_images_as_they_arrive(tmp_path: Path) -> None:
    folder = tmp_path / "images" / "train"
    write_pair(folder, 100)
    store = ImageStore(roots_for(str(tmp_path / "train.log")))
    read_once(store)
    assert [s.step for s in store.summary().sets] == [100.0]
    time.sleep(0.01)  # a new file changes the folder's modification time
    write_pair(folder, 200, age=1.0)
    read_once(store)
    assert [s.step for s in store.summary().sets] == [100.0, 200.0]


def test_looks_at_a_quiet_image_folder_stretch_and_a_new_image_brings_them_back(
    tmp_path: Path,
) -> None:
    from vaetui.core.images import watch

    log = tmp_path / "train.log"
    log.write_text("step 10 loss=0.1\n")
    store = store_for(str(log))
    assert store is not None
    watcher = watch.ImageWatcher(store)  # stepped by hand: no pool thread involved
    watcher.step(True)  # the first look
    waits = [watcher.step(True) for _ in range(5)]
    assert waits == [1.0, 2.0, 4.0, 4.0, 4.0]
    write_pair(tmp_path / "images" / "train", 100, blurred(scene(seed=3)))
    after = [watcher.step(True) for _ in range(6)]
    assert after[0] == watch.BUSY_INTERVAL  # the new pair was seen: looks come sooner
    quiet = [w for w in after if w != watch.BUSY_INTERVAL]
    assert quiet[:2] == [watch.QUIET_INTERVAL, 2.0]  # then stretch again from the start
    assert watcher.store.summary().sets


def test_a_few_stats_tell_when_no_image_can_be_found(tmp_path: Path) -> None:
    """``folders.may_hold_images`` (before the app starts, without the image modules) says
    False only where ``discover.any_folder_exists`` says False too."""
    from vaetui.core.images import discover
    from vaetui.core.images.folders import may_hold_images

    run = tmp_path / "exp" / "run1"
    run.mkdir(parents=True)
    log = run / "train.log"
    log.write_text("step 1 loss=0.5\n")
    (run / "notes.txt").write_text("no images here\n")

    def both() -> tuple[bool, bool]:
        return may_hold_images(str(log)), discover.any_folder_exists(discover.roots_for(str(log)))

    assert both() == (False, False)
    (run / "plot.png").write_bytes(b"")  # an image without a role word: maybe, then no
    assert both() == (True, False)
    (run / "reconstructions_gs-000100.png").write_bytes(b"")
    assert both() == (True, True)
    for name in ("plot.png", "reconstructions_gs-000100.png"):
        (run / name).unlink()
    (tmp_path / "exp" / "samples").mkdir()  # a usual folder beside the log's folder
    assert both() == (True, True)
    assert may_hold_images("-") is False
