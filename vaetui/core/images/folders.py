"""Where a log's sample images would be, told with a few stats: for the first screen.

``vaetui tail`` must know before the app starts whether it may show images (then the terminal
is asked what it can draw): :func:`images_expected`. :func:`may_hold_images` answers without
the image modules (``discover``, ``names``, their regexes and dataclasses): False means
``discover.any_folder_exists`` would say False too, True that it is worth asking it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

#: Folders (relative to the log's folder and to its parent) where trainers put previews.
USUAL_FOLDERS: tuple[str, ...] = (
    "images",
    "samples",
    "reconstructions",
    "recons",
    "recon",
    "media/images",
    "visuals",
    "visualizations",
    "previews",
    "vis",
)
#: Files decoded as images (Pillow reads them; GIFs as frames).
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"})
#: Media that trainers write but that are not read (counted as "unknown format").
OTHER_MEDIA_SUFFIXES = frozenset({".mp4", ".webm", ".avi", ".mov", ".mkv", ".tif", ".tiff"})
#: Names one scan reads in one folder at most.
MAX_ENTRIES = 50_000


def may_hold_images(log_path: str) -> bool:
    """False when no usual image folder is there next to the log (or beside its folder) and
    the log's own folder holds no image file: then no image can be found for it now."""
    if log_path == "-":
        return False
    here = os.path.dirname(os.path.realpath(log_path))
    parent = os.path.dirname(here)
    for base in (here, parent) if parent != here else (here,):
        if any(os.path.isdir(os.path.join(base, sub)) for sub in USUAL_FOLDERS):
            return True
    try:
        with os.scandir(here) as it:
            for n, entry in enumerate(it):
                if n >= MAX_ENTRIES:
                    return True  # a big folder: the scan decides
                if os.path.splitext(entry.name)[1].lower() in IMAGE_SUFFIXES:
                    return True
    except OSError:
        return False
    return False


def images_expected(log_paths: Sequence[str], images_dir: str | None) -> bool:
    """Whether the runs of ``log_paths`` may show sample images: an images folder is given
    (``--images``), or one of the usual folders is found beside a log. Decided before the app
    starts (it asks the terminal what it can draw then); for most logs a few stats say no,
    without the image modules."""
    if images_dir is not None:
        return True
    hopeful = [path for path in log_paths if may_hold_images(path)]
    if not hopeful:
        return False
    from vaetui.core.images.discover import any_folder_exists, roots_for

    return any(any_folder_exists(roots_for(path)) for path in hopeful)
