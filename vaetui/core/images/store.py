"""The newest sample images of a run, complete and measured, kept within fixed bounds.

Each ``refresh`` lists the folders (see ``discover``), notes new and changed files, and
promotes a file to "ready" only once it has stopped changing for ``SETTLE_SECONDS`` and its
first frame decodes; a file that keeps failing for ``GIVE_UP_SECONDS`` after its last write is
counted as corrupt. Work per refresh is bounded (``PROBES_PER_REFRESH`` decodes,
``MEASURES_PER_REFRESH`` pairs measured, newest first), and so is memory (the newest
``MAX_FILES`` files and ``MAX_SETS`` sets), so a folder of 100,000 files fills in over a few
polls instead of freezing anything.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vaetui.core.images.discover import Entry, FolderCache, Root, roots_for, scan
from vaetui.core.images.measure import ImageError, PairMetrics, measure_pair, probe
from vaetui.core.images.model import (
    INPUTS,
    RECONSTRUCTIONS,
    SAMPLES,
    ImageFile,
    ImageSet,
    ImagesSummary,
)
from vaetui.core.images.names import group_of, role_of, step_from_name

#: A file unchanged this long after its last write is complete, if it decodes.
SETTLE_SECONDS = 0.5
#: A file that still fails to decode this long after its last write is corrupt.
GIVE_UP_SECONDS = 10.0
#: Bounds on what is kept and on the work one refresh does.
MAX_FILES = 2000
MAX_SETS = 500
MAX_MEASURED = 100
PROBES_PER_REFRESH = 64
MEASURES_PER_REFRESH = 8
#: Ready files whose size and time are checked again on each refresh (rewritten in place).
RECHECK_NEWEST = 16

#: Maps a wall-clock time to the step the log had reached then (None when unknown).
StepClock = Callable[[float], "float | None"]


@dataclass
class _File:
    path: str
    folder: str
    size: int
    mtime_ns: int
    kind: str
    #: The step the name states (None: from the file time, once ready).
    name_step: float | None
    #: "pending", "ready", or the reason it is skipped.
    status: str = "pending"
    ready: ImageFile | None = None

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


class ImageStore:
    """Sample images found under ``roots``; ``refresh`` from one thread, ``summary`` from any.

    Args:
        roots: Where to look (``discover.roots_for``).
        clock: Wall-clock time source (tests pass a fixed one).
    """

    def __init__(self, roots: list[Root], clock: Callable[[], float] = time.time) -> None:
        self.roots = roots
        self._clock = clock
        #: Seconds a file must stay unchanged before it is decoded (0 in a batch read: the
        #: files are taken as they are, and one that does not decode yet stays pending).
        self.settle_seconds = SETTLE_SECONDS
        self._cache: FolderCache = {}
        self._files: dict[str, _File] = {}
        self._metrics: dict[tuple[str, int, str, int], PairMetrics] = {}
        self._listing_skips: dict[str, int] = {}
        self._folders: tuple[str, ...] = ()
        self._lock = threading.Lock()
        self._summary = ImagesSummary(0, ())
        self._older = 0
        self._first = True

    def summary(self) -> ImagesSummary:
        """The newest picture of what was found (immutable)."""
        with self._lock:
            return self._summary

    def refresh(self, step_at: StepClock | None = None) -> bool:
        """Look again; True when the summary changed.

        Args:
            step_at: Step of the log at a given time, for files whose name states none.
        """
        listing = scan(self.roots, self._cache)
        now = self._clock()
        changed = self._note(listing.entries) if listing.relisted or self._first else False
        self._first = False
        changed |= self._recheck(now)
        changed |= self._settle(now, step_at)
        changed |= listing.skipped != self._listing_skips or tuple(listing.folders) != self._folders
        self._listing_skips, self._folders = dict(listing.skipped), tuple(listing.folders)
        sets = self._sets()
        changed |= self._measure(sets)
        if changed:
            summary = self._build(sets)
            with self._lock:
                self._summary = summary
        return changed

    # -- files ----------------------------------------------------------------------------

    def _note(self, entries: list[Entry]) -> bool:
        """Track the newest ``MAX_FILES`` listed files; forget the rest and removed ones."""
        ranked = sorted(entries, key=_entry_key)
        self._older = max(len(ranked) - MAX_FILES, 0)
        keep = ranked[-MAX_FILES:]
        present = {e.path for e in keep}
        changed = False
        for gone in [p for p in self._files if p not in present]:
            del self._files[gone]
            changed = True
        for e in keep:
            if e.path not in self._files:
                kind = role_of(e.path, SAMPLES) or SAMPLES
                step = step_from_name(e.path)
                self._files[e.path] = _File(e.path, e.folder, e.size, e.mtime_ns, kind, step)
                changed = True
        return changed

    def _recheck(self, now: float) -> bool:
        """Re-stat pending files and the newest ready ones: a rewrite makes them pending."""
        pending = [f for f in self._files.values() if f.status == "pending"]
        ready = sorted((f for f in self._files.values() if f.status == "ready"), key=_age_key)
        changed = False
        for f in pending + ready[-RECHECK_NEWEST:]:
            try:
                st = os.stat(f.path)
            except OSError:
                continue
            if (st.st_size, st.st_mtime_ns) != (f.size, f.mtime_ns):
                f.size, f.mtime_ns = st.st_size, st.st_mtime_ns
                changed |= f.status != "pending"
                f.status, f.ready = "pending", None
        return changed

    def _settle(self, now: float, step_at: StepClock | None) -> bool:
        """Decode the newest pending files that have stopped changing."""
        due = [
            f
            for f in self._files.values()
            if f.status == "pending" and f.size > 0 and now - f.mtime >= self.settle_seconds
        ]
        due.sort(key=_age_key, reverse=True)
        changed = False
        for f in due[:PROBES_PER_REFRESH]:
            try:
                p = probe(f.path)
            except ImageError as exc:
                if exc.reason == "corrupt" and now - f.mtime < GIVE_UP_SECONDS:
                    continue  # maybe still being written: try again later
                f.status = exc.reason
                changed = True
                continue
            step, source = f.name_step, "name"
            if step is None and step_at is not None:
                step, source = step_at(f.mtime), "time"
            f.ready = ImageFile(f.path, f.kind, step, source, f.mtime, p.width, p.height, p.frames)
            f.status = "ready"
            changed = True
        return changed

    # -- sets -----------------------------------------------------------------------------

    def _sets(self) -> list[ImageSet]:
        """Ready files grouped by folder and step (newest file per role), oldest set first."""
        groups: dict[tuple[str, object], dict[str, ImageFile]] = {}
        for f in self._files.values():
            if f.ready is None:
                continue
            step = f.ready.step
            key = (group_of(f.folder), step if step is not None else f.path)
            files = groups.setdefault(key, {})
            old = files.get(f.kind)
            if old is None or old.mtime <= f.ready.mtime:
                files[f.kind] = f.ready
        sets = [
            ImageSet(files[next(iter(files))].step, group, files)
            for (group, _), files in groups.items()
        ]
        sets.sort(key=_set_key)
        return sets[-MAX_SETS:]

    def _measure(self, sets: list[ImageSet]) -> bool:
        """Measure up to ``MEASURES_PER_REFRESH`` of the newest unmeasured pairs."""
        keys = [k for s in reversed(sets[-MAX_MEASURED:]) if (k := _pair_key(s)) is not None]
        todo = [k for k in keys if k not in self._metrics]
        for key in todo[:MEASURES_PER_REFRESH]:
            try:
                self._metrics[key] = measure_pair(key[0], key[2])
            except ImageError as exc:
                self._metrics[key] = PairMetrics(None, None, exc.reason)
        if len(self._metrics) > 4 * MAX_MEASURED:
            wanted = {_pair_key(s) for s in sets[-MAX_MEASURED:]}
            self._metrics = {k: v for k, v in self._metrics.items() if k in wanted}
        return bool(todo)

    def _build(self, sets: list[ImageSet]) -> ImagesSummary:
        measured = []
        for s in sets:
            m = self._metrics.get(_pair_key(s) or ("", 0, "", 0))
            if m is not None:
                s = ImageSet(s.step, s.group, s.files, m.psnr, m.sharpness, m.note)
            measured.append(s)
        skipped = dict(self._listing_skips)
        for f in self._files.values():
            if f.status not in ("pending", "ready"):
                skipped[f.status] = skipped.get(f.status, 0) + 1
        if self._older:
            skipped["older than the newest kept"] = self._older
        pending = sum(f.status == "pending" for f in self._files.values())
        return ImagesSummary(len(measured), tuple(measured), skipped, pending, self._folders)


def _age_key(f: _File) -> tuple[float, int]:
    return (-1.0 if f.name_step is None else f.name_step, f.mtime_ns)


def _entry_key(e: Entry) -> tuple[float, int]:
    step = step_from_name(e.path)
    return (-1.0 if step is None else step, e.mtime_ns)


def _set_key(s: ImageSet) -> tuple[int, float, float, str]:
    return (0 if s.step is None else 1, s.step or 0.0, s.mtime, s.group)


def _pair_key(s: ImageSet) -> tuple[str, int, str, int] | None:
    a, b = s.files.get(INPUTS), s.files.get(RECONSTRUCTIONS)
    if a is None or b is None:
        return None
    return (a.path, int(a.mtime * 1e9), b.path, int(b.mtime * 1e9))


def store_for(
    log_path: str, images_dir: str | None = None, clock: Callable[[], float] = time.time
) -> ImageStore | None:
    """The store that looks where the images of the log at ``log_path`` would be.

    None when there is nowhere to look (standard input without ``--images``).
    """
    roots = roots_for(log_path, images_dir)
    return ImageStore(roots, clock) if roots else None


def read_once(store: ImageStore, step_at: StepClock | None = None, rounds: int = 1000) -> None:
    """Refresh until nothing more can be done now (a batch read: ``vaetui check``).

    Files are not waited for: a batch read looks once, so what decodes now is shown.
    """
    store.settle_seconds = 0.0
    for _ in range(rounds):
        if not store.refresh(step_at):
            return
