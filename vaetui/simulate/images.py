"""Sample image grids beside a simulated log, as latent-diffusion's ``ImageLogger`` writes them.

Every ``image_every`` steps the simulated trainer saves ``images/train/inputs_gs-006000_e-
000015_b-000000.png`` (a synthetic scene: a 2x4 grid of tiles with shapes and stripes) and the
matching ``reconstructions_...png``: blurred early in training, sharp on a healthy run once it
has learned, and blurred for good in the ``blurry`` scenario, whose logged numbers are
healthy. Collapse fades the reconstruction to the grey average, divergence to static. Files are
written under a hidden temporary name and renamed, as careful trainers do.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from vaetui.simulate.curves import DIVERGE_AT, STEPS_PER_EPOCH, collapse_mix

TILE = 64
ROWS, COLS = 2, 4
PAD = 2
#: Images written over a run, about.
IMAGES_PER_RUN = 40


def image_every(steps: int, log_every: int) -> int:
    """Steps between two saved grids: about ``IMAGES_PER_RUN`` per run, on a logged step."""
    every = round(steps / IMAGES_PER_RUN / log_every) * log_every
    return max(every, log_every)


def images_dir(log_path: str | os.PathLike[str]) -> Path:
    """Where the grids of the log at ``log_path`` go: ``images/train`` beside it."""
    return Path(log_path).parent / "images" / "train"


def scene(step: int, seed: int = 0) -> Image.Image:
    """A deterministic grid of tiles with sharp edges and fine stripes (the "inputs")."""
    rng = np.random.default_rng([seed, step])
    width, height = COLS * (TILE + PAD) + PAD, ROWS * (TILE + PAD) + PAD
    grid = Image.new("RGB", (width, height), (0, 0, 0))
    for r in range(ROWS):
        for c in range(COLS):
            grid.paste(_tile(rng), (PAD + c * (TILE + PAD), PAD + r * (TILE + PAD)))
    return grid


def _tile(rng: np.random.Generator) -> Image.Image:
    y, x = np.mgrid[0:TILE, 0:TILE] / TILE
    base = rng.uniform(40, 200, 3)
    slope = rng.uniform(-60, 60, 3)
    pixels = base + slope * (x[..., None] + y[..., None]) / 2
    tile = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(tile)
    for _ in range(3):
        x0, y0 = rng.integers(0, TILE - 16, 2)
        w, h = rng.integers(10, 30, 2)
        color = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([int(x0), int(y0), int(x0 + w), int(y0 + h)], fill=color)
        else:
            draw.rectangle([int(x0), int(y0), int(x0 + w), int(y0 + h)], fill=color)
    stripe = tuple(int(v) for v in rng.integers(0, 256, 3))
    top = int(rng.integers(0, TILE - 12))
    for i in range(0, TILE, 3):
        draw.line([(i, top), (i, top + 10)], fill=stripe)
    return tile


def reconstruction(inputs: Image.Image, scenario: str, fraction: float, step: int) -> Image.Image:
    """What the simulated decoder gives back for ``inputs`` at run fraction ``fraction``."""
    rng = np.random.default_rng([step, 7])
    learning = 2.4 * math.exp(-fraction / 0.006)  # sharp by the time rec_range is healthy
    radius = (1.6 if scenario == "blurry" else 0.25) + learning
    out = inputs.filter(ImageFilter.GaussianBlur(radius))
    pixels = np.asarray(out, dtype=np.float64)
    if scenario == "collapse":
        mix = float(collapse_mix(np.array([fraction]))[0])
        pixels = pixels * (1 - mix) + pixels.mean(axis=(0, 1)) * mix
    noise = 2.0
    if scenario == "diverge" and fraction >= DIVERGE_AT:
        noise = 90.0
    elif scenario == "kl-explodes":
        noise = 2.0 + 40.0 * fraction
    pixels = pixels + rng.normal(0.0, noise, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


class GridWriter:
    """Saves the inputs/reconstructions pair of a step, every ``every`` steps."""

    def __init__(self, folder: Path, scenario: str, steps: int, every: int, seed: int = 0):
        self.folder, self.scenario, self.steps, self.every, self.seed = (
            folder,
            scenario,
            steps,
            every,
            seed,
        )
        self.written = 0

    def maybe_write(self, step: int) -> bool:
        """Write the pair for ``step`` if it is due; True when written."""
        if step <= 0 or step % self.every:
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        inputs = scene(step, self.seed)
        recon = reconstruction(inputs, self.scenario, step / self.steps, step)
        tag = f"gs-{step:06d}_e-{step // STEPS_PER_EPOCH:06d}_b-{step % STEPS_PER_EPOCH:06d}"
        for kind, image in (("inputs", inputs), ("reconstructions", recon)):
            final = self.folder / f"{kind}_{tag}.png"
            temporary = self.folder / f".{final.name}.tmp"
            image.save(temporary, format="PNG")
            os.replace(temporary, final)
        self.written += 1
        return True
