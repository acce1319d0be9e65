"""Decode sample images at a bounded size, and measure a reconstruction against its input.

PSNR is ``10·log10(1 / MSE)`` on RGB pixels scaled to [0, 1]. The sharpness ratio is the
variance of the 4-neighbour Laplacian of the reconstruction's luminance over that of its
input: 1 means as much fine detail as the input, 0.3 a clearly blurred copy, above 1 more
high-frequency energy than the input (noise, checkerboard artefacts). Large images are
reduced by the same whole factor before measuring, GIFs are measured on up to
``MAX_FRAMES`` evenly spaced frames; nothing decodes more than ``MAX_PIXELS``. Pillow is
imported on the first image opened, so a run without sample images never loads it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

#: An image bigger than this (width x height) is not decoded at all ("too large").
MAX_PIXELS = 40_000_000
#: Images are measured at up to this many pixels (reduced by a whole factor when bigger).
MEASURE_PIXELS = 1 << 20
#: Frames of an animation measured at most.
MAX_FRAMES = 8
#: Frames of an animation looked at to pick those (a long GIF is sampled from its start).
MAX_SCANNED_FRAMES = 256


class ImageError(Exception):
    """An image that cannot be used; ``reason`` is the skip count it goes to."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class Probe:
    """What a complete image file holds."""

    width: int
    height: int
    frames: int


def probe(path: str) -> Probe:
    """Open ``path`` and decode its first frame fully: raises ``ImageError`` if it cannot.

    A half-written PNG or JPEG fails here (truncated data), so a caller that retries later
    never shows a broken image.
    """
    with _open(path) as im:
        frames = int(getattr(im, "n_frames", 1) or 1)
        try:
            im.load()
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageError("corrupt", str(exc)) from None
        return Probe(im.width, im.height, frames)


def _open(path: str) -> Image.Image:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError("too large", str(exc)) from None
    except Image.UnidentifiedImageError as exc:
        raise ImageError("unknown format", str(exc)) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError("corrupt", str(exc)) from None
    if im.width * im.height > MAX_PIXELS or im.width <= 0 or im.height <= 0:
        im.close()
        raise ImageError("too large", f"{im.width}x{im.height}")
    return im


def _frames(im: Image.Image, factor: int) -> Iterator[np.ndarray]:
    """Sampled frames of ``im`` as float32 RGB arrays in [0, 1], one at a time."""
    try:
        for frame in _sample_frames(im):
            yield _rgb(frame, factor)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError("corrupt", str(exc)) from None


def reduce_factor(width: int, height: int, max_pixels: int) -> int:
    """The smallest whole factor that brings ``width x height`` under ``max_pixels``."""
    return max(1, math.ceil(math.sqrt(width * height / max_pixels)))


def _sample_frames(im: Image.Image) -> Iterator[Image.Image]:
    from PIL import ImageSequence

    n = min(int(getattr(im, "n_frames", 1) or 1), MAX_SCANNED_FRAMES)
    wanted = set(np.linspace(0, n - 1, min(n, MAX_FRAMES)).round().astype(int).tolist())
    for i, frame in enumerate(ImageSequence.Iterator(im)):
        if i in wanted:
            yield frame
        if i >= max(wanted):
            break


def _rgb(frame: Image.Image, factor: int) -> np.ndarray:
    rgb = frame.convert("RGB")
    if factor > 1:
        rgb = rgb.reduce(factor)
    return np.asarray(rgb, dtype=np.float32) / np.float32(255.0)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma of an RGB array, in float64."""
    rgb = rgb.astype(np.float64, copy=False)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


def laplacian_variance(gray: np.ndarray) -> float:
    """Variance of the 4-neighbour Laplacian over the interior pixels."""
    if gray.shape[0] < 3 or gray.shape[1] < 3:
        return 0.0
    lap = (
        gray[:-2, 1:-1] + gray[2:, 1:-1] + gray[1:-1, :-2] + gray[1:-1, 2:] - 4.0 * gray[1:-1, 1:-1]
    )
    return float(lap.var())


@dataclass(frozen=True)
class PairMetrics:
    psnr: float | None
    sharpness: float | None
    note: str = ""


def measure_pair(inputs_path: str, reconstructions_path: str) -> PairMetrics:
    """PSNR and sharpness ratio of a reconstruction grid against its input grid.

    Frames are paired in order (the shorter animation decides how many), one pair in memory
    at a time. Returns no numbers, with a note, when the grids differ in size or the input
    has no detail to compare.

    Raises:
        ImageError: either file cannot be decoded.
    """
    with _open(inputs_path) as a, _open(reconstructions_path) as b:
        if a.size != b.size:
            size_a, size_b = "x".join(map(str, a.size)), "x".join(map(str, b.size))
            return PairMetrics(None, None, f"sizes differ ({size_a} vs {size_b})")
        factor = reduce_factor(a.width, a.height, MEASURE_PIXELS)
        errors, detail_in, detail_out = [], [], []
        for x, y in zip(_frames(a, factor), _frames(b, factor)):
            errors.append(float(np.mean((x.astype(np.float64) - y) ** 2)))
            detail_in.append(laplacian_variance(luminance(x)))
            detail_out.append(laplacian_variance(luminance(y)))
    if not errors:
        return PairMetrics(None, None, "no frames to compare")
    mse = float(np.mean(errors))
    value = math.inf if mse == 0 else 10.0 * math.log10(1.0 / mse)
    if float(np.mean(detail_in)) <= 1e-12:
        return PairMetrics(value, None, "the input has no fine detail to compare")
    return PairMetrics(value, float(np.mean(detail_out)) / float(np.mean(detail_in)))
