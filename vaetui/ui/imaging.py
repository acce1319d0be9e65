"""Terminal images through textual-image: which protocol, and decoding off the UI thread.

textual-image asks the terminal what it supports (Kitty graphics, Sixel) when it is first
imported, which only works before Textual owns the terminal. So ``prepare`` runs before the
app starts when sample images are expected; if they only turn up later, ``ensure_loaded``
asks again with the app suspended for a moment. Without a terminal (tests, pipes) nothing is
asked. ``VAETUI_IMAGES=kitty|sixel|halfblock`` forces a protocol (``auto`` by default: the
detected graphics protocol, else Unicode half-blocks, which work over SSH and in tmux).
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image as PILImage

#: The environment variable that forces a protocol.
ENV = "VAETUI_IMAGES"
_MODULE = "textual_image.widget"


def _on_terminal() -> bool:
    out = sys.__stdout__
    return bool(out is not None and out.isatty())


def loaded() -> bool:
    """Whether textual-image has been imported (and so has asked the terminal)."""
    return _MODULE in sys.modules


def prepare() -> None:
    """Import textual-image now, before the app runs, so it can ask the terminal."""
    with suppress(Exception):  # no usable terminal: half-blocks, decided later
        __import__(_MODULE)


def ensure_loaded(app: Any) -> None:
    """Import textual-image while the app runs: with the app suspended if on a terminal."""
    if loaded():
        return
    if not _on_terminal():
        prepare()
        return
    try:
        with app.suspend():
            prepare()
    except Exception:  # suspending is not supported here: ask without the terminal
        prepare()


def widget_class() -> Any:
    """The textual-image widget class for the protocol in force."""
    import textual_image.widget as ti

    wanted = os.environ.get(ENV, "auto").strip().lower()
    forced = {
        "kitty": ti.TGPImage,
        "tgp": ti.TGPImage,
        "sixel": ti.SixelImage,
        "halfblock": ti.HalfcellImage,
        "halfcell": ti.HalfcellImage,
    }
    if wanted in forced:
        return forced[wanted]
    detected = ti.Image
    if detected in (ti.TGPImage, ti.SixelImage):
        return detected
    return ti.HalfcellImage  # colour half-blocks rather than grey Unicode shades


def uses_pixels(cls: type) -> bool:
    """True for the pixel protocols (Kitty, Sixel), False for half-blocks."""
    import textual_image.widget as ti

    return cls in (ti.TGPImage, ti.SixelImage)


def pixel_box(cls: type, columns: int, rows: int) -> tuple[int, int]:
    """The pixel size an image shown in ``columns x rows`` cells needs at most."""
    if uses_pixels(cls):
        from textual_image.widget import get_cell_size

        cell = get_cell_size()
        return max(columns * cell.width, 1), max(rows * cell.height, 1)
    return max(columns, 1), max(rows * 2, 1)


def decode(path: str, box: tuple[int, int], max_pixels: int = 40_000_000) -> PILImage.Image:
    """The image at ``path`` decoded no larger than ``box`` (GIFs: their middle frame).

    Raises:
        OSError, ValueError: the file cannot be decoded (the caller shows a note instead).
    """
    from PIL import Image as PILImage  # on the first image shown
    from PIL import ImageSequence

    with PILImage.open(path) as im:
        if im.width * im.height > max_pixels:
            raise ValueError(f"{im.width}x{im.height} is too large to show")
        frames = int(getattr(im, "n_frames", 1) or 1)
        if frames > 1:
            frame = ImageSequence.Iterator(im)[frames // 2]
        else:
            im.draft("RGB", box)  # JPEG decodes at a reduced scale directly
            frame = im
        out = frame.convert("RGB")
    out.thumbnail(box)
    return out
