"""The UI's handle on one run: its core ``Run``, the follower thread feeding it, its latest picture.

The app never parses and never touches a file; it asks a :class:`RunFeed` to start, and the
feed posts :class:`~vaetui.ui.messages.SnapshotUpdated` from the follower's thread. Keeping this
glue out of ``app.py`` keeps the app about layout and keys, and lets the tests read a file to
its end synchronously (``read_all``) for deterministic screenshots.

A feed makes its core ``Run`` (and with it loads numpy and the parsers) when it is first read,
not when it is made: a big log's first screen can be painted from a preview judged in another
process (``vaetui.core.preview.JudgedInChild``) before they are loaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import suppress
from functools import cached_property
from typing import TYPE_CHECKING

from textual.message import Message

from vaetui.core.failure import FAILED, reader_failed
from vaetui.core.follow import (
    FollowStatus,
    RunFollower,
    make_follower,
    read_whole,
    wants_event_reader,
)
from vaetui.core.preview import live_options, newest_part_snapshot, run_name
from vaetui.core.snapshot import Snapshot
from vaetui.core.source import SourceError
from vaetui.ui.messages import SnapshotUpdated

if TYPE_CHECKING:
    from vaetui.core.images.store import ImageStore
    from vaetui.core.images.watch import ImageWatcher
    from vaetui.core.options import RunOptions
    from vaetui.core.rawlog import RawLines
    from vaetui.core.run import Run

Clock = Callable[[], float]
#: Gives a run's options when first asked for (``vaetui tail``: read back from the child
#: that made them, after the first screen).
OptionsSource = Callable[[], "RunOptions"]
#: Told of every picture of a run taken while following: (snapshot, run name, path).
OnSnapshot = Callable[[Snapshot, str, str], object]


class RunFeed:
    """One run on screen: its core, its follower, and what the UI last applied.

    Args:
        index: Position among the runs given on the command line.
        path: The log file (``-`` for standard input).
        options: ``RunOptions`` for the core, or what gives them when first needed.
        post: Thread-safe message sender (``App.post_message``).
        poll: Use polling instead of inotify.
        live: Judge stalls and note verdict changes (the core's ``RunOptions.live``).
        clock: Time source passed to ``Run.snapshot`` (tests inject a fixed one).
        on_snapshot: Called on the follower's thread with each picture taken (alerts).
    """

    def __init__(
        self,
        index: int,
        path: str,
        options: RunOptions | OptionsSource,
        post: Callable[[Message], object],
        poll: bool = False,
        live: bool = True,
        clock: Clock | None = None,
        on_snapshot: OnSnapshot | None = None,
    ) -> None:
        self.on_snapshot = on_snapshot
        self._options_source = options if callable(options) else lambda: options
        self._live = live
        self.index = index
        self.path = path
        self.name = run_name(path)
        self.poll = poll
        self.clock = clock
        self._post = post
        self._follower: RunFollower | None = None
        #: The run's sample images (none for standard input without ``--images``); looked
        #: for when the run is read (``start``, ``read_all``), not before the first screen.
        self.images: ImageStore | None = None
        self._image_watcher: ImageWatcher | None = None
        self._posting = threading.Lock()
        self._preview: Snapshot | None = None
        self._lock = threading.Lock()
        #: What the UI shows; set only on the UI thread when a message is applied.
        self.snapshot: Snapshot | None = None
        #: The run is the one on screen; the others keep their histories compact (lossless:
        #: their verdicts stay live and exact, see ``Run.set_compact``).
        self.on_screen = index == 0
        self.status = FollowStatus()

    @cached_property
    def options(self) -> RunOptions:
        """The options the run is read and judged with (stalls judged and verdict changes
        noted when live), made when first needed."""
        options = self._options_source()
        return live_options(options) if self._live else options

    @cached_property
    def run(self) -> Run:
        """The run's core, made when first needed (``start``, ``read_all``)."""
        from vaetui.core.run import Run

        return Run(self.name, self.options)

    @cached_property
    def raw(self) -> RawLines | None:
        """The log's own lines (None for TensorBoard event files, which have no lines)."""
        from vaetui.core.rawlog import raw_lines_for

        return None if wants_event_reader(self.path, self.options.fmt) else raw_lines_for(self.path)

    def preview(self, judged: Snapshot | None = None) -> SnapshotUpdated | None:
        """Judge a big existing log from its newest part, at once, on the calling thread,
        or take that judgement as ``judged`` when it was made elsewhere.

        The full history is then read behind a progress bar (``start``) and replaces the
        preview when the reading has caught up. None for a small or missing log.
        """
        self._preview = judged if judged is not None else self._read_newest_part()
        if self._preview is None:
            return None
        size = self._preview.bytes_total
        self.status = FollowStatus("reading", "", None, 0, size)
        return SnapshotUpdated(self.index, self._preview, self.status)

    def better_preview(self, judged: Snapshot) -> None:
        """Show ``judged`` (the same preview with its histories) while the history is read."""
        if self._preview is not None:
            self._preview = judged

    def start(self) -> None:
        """Follow the file in the follower's own thread; updates arrive as messages."""
        from vaetui.core.rawlog import StreamLines

        self._attach_images()
        tap = self.raw if isinstance(self.raw, StreamLines) else None
        self._follower = make_follower(self.path, self.run, self._updated, self.poll, tap=tap)
        self._lock = self._follower.lock
        self._follower.start()
        if self.images is not None:
            from vaetui.core.images.watch import ImageWatcher

            self._image_watcher = ImageWatcher(
                self.images, self.run.step_times.step_at, self._updated
            )
            self._image_watcher.start()
        self.status = self.follow_status()

    def _attach_images(self) -> None:
        """Give the run its image store, before anything is read into it."""
        from vaetui.core.images.store import store_for

        if self.images is None:
            self.images = store_for(self.path, self.options.images)
            if self.images is not None:
                self.run.attach_images(self.images)

    def _read_newest_part(self) -> Snapshot | None:
        """A snapshot of the last few megabytes of a big log, or None for a small one."""
        now = None if self.clock is None else self.clock()
        return newest_part_snapshot(self.path, self.name, self.options, now)

    def read_all(self) -> SnapshotUpdated:
        """Read the whole file now, on the calling thread, and return its final picture.

        Used for screenshots and tests: no thread, no timing, the same picture every time.
        """
        self._attach_images()
        try:
            self.status = read_whole(self.path, self.run)
        except SourceError:
            self.run.finish()
            self.status = FollowStatus("waiting for file", "read once")
        if self.images is not None:
            with suppress(OSError):
                self.run.note_history_time(os.stat(self.path).st_mtime)
            from vaetui.core.images.store import read_once

            read_once(self.images, self.run.step_times.step_at)
        return SnapshotUpdated(self.index, self._take(), self.status)

    def refresh(self) -> None:
        """Post a fresh picture even without new lines (the stall verdict depends on time)."""
        self._updated()

    def stop(self) -> None:
        """Stop the follower thread, if one runs."""
        if self._follower is not None:
            self._follower.stop()
        if self._image_watcher is not None:
            self._image_watcher.stop()

    def follow_status(self) -> FollowStatus:
        """The follower's current state (cheap: attribute reads only)."""
        return self.status if self._follower is None else self._follower.status()

    def _take(self, status: FollowStatus | None = None) -> Snapshot:
        with self._lock:
            if self.run.compact == self.on_screen:
                self.run.set_compact(not self.on_screen)
            snap = self.run.snapshot(now=None if self.clock is None else self.clock())
        if status is not None and status.state == FAILED:
            snap = reader_failed(snap, status.error or "the reader stopped")
        return snap

    def _updated(self) -> None:
        """Called from the follower thread after new data was fed (and from the image
        watcher's thread after new images): one at a time, so pictures arrive in order."""
        with self._posting:
            status = self.follow_status()
            if self._preview is not None and status.state == "reading":
                # Still reading the history: keep showing the newest part's verdicts.
                self._post(SnapshotUpdated(self.index, self._preview, status))
                return
            self._preview = None
            snap = self._take(status)
            if self.on_snapshot is not None:
                self.on_snapshot(snap, self.name, self.path)
            self._post(SnapshotUpdated(self.index, snap, status))
