"""Where a log's sample images would be, told with a few stats: for the first screen.

``vaetui tail`` must know before the app starts whether it may show images (then the terminal
is asked what it can draw). :func:`may_hold_images` answers without the image modules
(``discover``, ``names``, their regexes and dataclasses): False means
``discover.any_folder_exists`` would say False too, True that it is worth asking it.
"""

from __future__ import annotations

import os

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
