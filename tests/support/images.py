"""Real image files for the image tests, written with Pillow: a scene, blurred and noisy copies."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def scene(width: int = 96, height: int = 64, seed: int = 0) -> Image.Image:
    """Shapes, edges and fine stripes on a gradient: plenty of high-frequency detail."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([40 + 120 * x / width, 60 + 100 * y / height, 90 + 0 * x], axis=-1)
    im = Image.fromarray(base.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(im)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, width - 20)), int(rng.integers(0, height - 20))
        w, h = int(rng.integers(8, 20)), int(rng.integers(8, 20))
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.rectangle([x0, y0, x0 + w, y0 + h], fill=color)
    for i in range(0, width, 3):
        draw.line([(i, 2), (i, 10)], fill=(250, 250, 250))
    return im


def blurred(im: Image.Image, radius: float = 2.0) -> Image.Image:
    return im.filter(ImageFilter.GaussianBlur(radius))


def noisy(im: Image.Image, sigma: float = 40.0, seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    pixels = np.asarray(im, dtype=np.float64) + rng.normal(0, sigma, (im.height, im.width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def save(im: Image.Image, path: Path, age: float = 60.0) -> Path:
    """Save ``im`` to ``path`` (parents made) with a modification time ``age`` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path)
    set_age(path, age)
    return path


def set_age(path: Path, age: float) -> None:
    import time

    t = time.time() - age
    os.utime(path, (t, t))


def write_pair(folder: Path, step: int, recon: Image.Image | None = None, age: float = 60.0):
    """latent-diffusion's pair for ``step`` in ``folder``: (inputs path, reconstructions path)."""
    tag = f"gs-{step:06d}_e-{step // 400:06d}_b-{step % 400:06d}"
    inputs = scene(seed=step)
    a = save(inputs, folder / f"inputs_{tag}.png", age)
    b = save(recon if recon is not None else inputs, folder / f"reconstructions_{tag}.png", age)
    return a, b
