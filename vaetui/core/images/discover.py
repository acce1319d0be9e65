"""Where sample images are, and one bounded look at what those folders hold.

Without ``--images DIR`` the folders looked in are the usual ones next to the log and in its
run folder (the log's parent): ``images/``, ``images/train/``, ``samples/``,
``reconstructions/``, ``media/images/`` (W&B), ... and the log's own folder, where only files
whose name names a role (``recon_006000.png``) count. A scan reads at most
``MAX_ENTRIES`` names per folder, so a folder of 100,000 files costs a bounded moment on a
worker thread; what it leaves unread is counted, never silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vaetui.core.images.folders import (
    IMAGE_SUFFIXES,
    MAX_ENTRIES,
    OTHER_MEDIA_SUFFIXES,
    USUAL_FOLDERS,
)
from vaetui.core.images.names import role_from_words

#: Sub-folders followed below a folder (``images/train``, ``samples/inputs``), and how deep.
MAX_SUBFOLDERS = 32
MAX_DEPTH = 2


@dataclass(frozen=True)
class Root:
    """A folder to look in; ``any_name``: every image counts, not only role-named ones."""

    path: Path
    any_name: bool
    #: What the group names of its images are relative to.
    base: Path


@dataclass(frozen=True)
class Entry:
    """One image file as listed: where, how big, when last written."""

    path: str
    #: Folder relative to the root's base (``images/train``).
    folder: str
    size: int
    mtime_ns: int


@dataclass
class Listing:
    """What one scan saw."""

    entries: list[Entry] = field(default_factory=list)
    #: Files not read: "unknown format" (videos, TIFF), "not listed" (folder too big).
    skipped: dict[str, int] = field(default_factory=dict)
    folders: list[str] = field(default_factory=list)
    #: Whether some folder was listed anew (False: every folder was as last time).
    relisted: bool = False

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n


def roots_for(log_path: str, images_dir: str | None = None) -> list[Root]:
    """The folders to look in for the log at ``log_path`` (standard input: only ``images_dir``).

    Args:
        log_path: The log file (need not exist yet); ``-`` for standard input.
        images_dir: ``--images DIR``: look only there, and take every image in it.
    """
    if images_dir is not None:
        p = Path(images_dir)
        return [Root(p, True, p)]
    if log_path == "-":
        return []
    here = Path(log_path).resolve().parent
    roots = [Root(here, False, here)]
    for base in (here, here.parent) if here.parent != here else (here,):
        roots += [Root(base / sub, True, base) for sub in USUAL_FOLDERS]
    return roots


def any_folder_exists(roots: list[Root]) -> bool:
    """True when some image folder is there now (or the log's folder holds role-named images).

    Cheap: a stat per usual folder, and one bounded look into the log's own folder.
    """
    for root in roots:
        if root.any_name and root.path.is_dir():
            return True
    own = [r for r in roots if not r.any_name]
    return any(scan([r]).entries for r in own)


@dataclass
class _Folder:
    """One folder as last listed, reused while its modification time stays the same."""

    mtime_ns: int
    entries: list[Entry]
    subfolders: list[Path]
    skipped: dict[str, int]


#: Listings kept between scans (path -> last listing); a caller owns one per run.
FolderCache = dict[Path, _Folder]


def scan(roots: list[Root], cache: FolderCache | None = None) -> Listing:
    """Every image file under ``roots`` now, with at most ``MAX_ENTRIES`` names per folder.

    With ``cache``, a folder whose modification time has not changed since the last scan is
    not listed again (a new file changes it), so polling quiet folders costs a stat each.
    """
    listing = Listing()
    seen: set[Path] = set()
    for root in roots:
        if root.path in seen or not root.path.is_dir():
            continue
        seen.add(root.path)
        listing.folders.append(str(root.path))
        depth = MAX_DEPTH if root.any_name else 0
        _scan_folder(root, root.path, depth, listing, seen, {} if cache is None else cache)
    return listing


def _scan_folder(
    root: Root, folder: Path, depth: int, listing: Listing, seen: set[Path], cache: FolderCache
) -> None:
    try:
        mtime_ns = folder.stat().st_mtime_ns
    except OSError:
        cache.pop(folder, None)
        return  # gone or unreadable: nothing to show from it
    known = cache.get(folder)
    if known is None or known.mtime_ns != mtime_ns:
        known = _list_folder(root, folder, depth, mtime_ns)
        if known is None:
            return
        cache[folder] = known
        listing.relisted = True
    listing.entries.extend(known.entries)
    for reason, n in known.skipped.items():
        listing.skip(reason, n)
    for sub in known.subfolders[:MAX_SUBFOLDERS]:
        if sub not in seen:
            seen.add(sub)
            _scan_folder(root, sub, depth - 1, listing, seen, cache)


def _list_folder(root: Root, folder: Path, depth: int, mtime_ns: int) -> _Folder | None:
    found = _Folder(mtime_ns, [], [], {})
    part = Listing(found.entries, found.skipped)
    try:
        relative = os.path.relpath(folder, root.base)
        with os.scandir(folder) as it:
            for n, entry in enumerate(it):
                if n >= MAX_ENTRIES:
                    part.skip("not listed (folder too big)", _remaining(it))
                    break
                _take(entry, root, relative, part, found.subfolders, depth)
    except OSError:
        return None
    return found


def _take(
    entry: os.DirEntry[str],
    root: Root,
    relative: str,
    listing: Listing,
    subfolders: list[Path],
    depth: int,
) -> None:
    name = entry.name
    if name.startswith("."):
        return  # hidden, or a temporary file a writer renames when done
    suffix = os.path.splitext(name)[1].lower()
    try:
        if suffix in IMAGE_SUFFIXES:
            if root.any_name or role_from_words(os.path.splitext(name)[0]) is not None:
                st = entry.stat()
                listing.entries.append(Entry(entry.path, relative, st.st_size, st.st_mtime_ns))
        elif suffix in OTHER_MEDIA_SUFFIXES:
            if root.any_name:
                listing.skip("unknown format")
        elif depth > 0 and entry.is_dir(follow_symlinks=False):
            subfolders.append(Path(entry.path))
    except OSError:
        pass  # removed between listing and stat


def _remaining(it: Iterator[os.DirEntry[str]], cap: int = 10 * MAX_ENTRIES) -> int:
    """Count (without reading) what is left of a listing, up to ``cap`` (then stop counting)."""
    n = 1
    for n, _ in enumerate(it, start=2):
        if n >= cap:
            break
    return n
