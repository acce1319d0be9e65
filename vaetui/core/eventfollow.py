"""Following a TensorBoard run: its event files are re-read when they change.

Event files are records, not lines, and a restarted process writes a new file beside the
old one; so instead of tailing bytes, the run folder is checked every couple of seconds and,
when any event file grew or appeared, all of it is read again into a fresh run. Same face as
:class:`vaetui.core.follow.Follower`, so the TUI treats both alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from vaetui.core.failure import FAILED
from vaetui.core.follow import FollowStatus
from vaetui.core.formats.tfevents import TensorBoardMissing, event_files, read_events
from vaetui.core.run import Run

#: Seconds between two looks at the run folder.
INTERVAL = 2.0


class EventFollower:
    """Re-reads a TensorBoard run into ``run`` whenever its event files change."""

    def __init__(
        self,
        path: str,
        run: Run,
        on_update: Callable[[], None] | None = None,
        interval: float = INTERVAL,
    ) -> None:
        self.lock = threading.Lock()
        self._path = Path(path)
        self._run = run
        self._on_update = on_update
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen: tuple[tuple[str, int], ...] = ()
        self.state = "reading"
        self.mode = "polling (TensorBoard)"
        self.error: str | None = None
        self.bytes_read = 0
        self.bytes_total = 0

    def status(self) -> FollowStatus:
        """State, mode, error and progress in one picture."""
        return FollowStatus(self.state, self.mode, self.error, self.bytes_read, self.bytes_total)

    def start(self) -> None:
        """Look at the run folder every ``interval`` seconds on a thread; returns at once."""
        self._thread = threading.Thread(target=self._loop, name="vaetui-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop looking and join the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.state = "stopped"

    def read_now(self, strict: bool = False) -> bool:
        """Read the run again if its event files changed; True when it did.

        Args:
            strict: raise ``TensorBoardMissing`` and ``OSError`` instead of keeping them as
                ``error`` (a one-shot read must fail loudly; a follower keeps trying).
        """
        files = tuple((str(p), p.stat().st_size) for p in event_files(self._path) if p.exists())
        if files == self._seen:
            return False
        try:
            records, count = read_events(self._path)
        except TensorBoardMissing as exc:
            if strict:
                raise
            self.error = str(exc)
            return False
        with self.lock:
            self._run.load_records(records, "tfevents", count)
        self._seen = files
        self.bytes_read = self.bytes_total = sum(size for _, size in files)
        self.error = None
        return True

    def _loop(self) -> None:
        try:
            self._look_until_stopped()
        except Exception as exc:  # supervised: a dead reader must not look alive
            self.error = f"reading {self._path} stopped: {type(exc).__name__}: {exc}"
            self.state = FAILED
            if self._on_update is not None:
                self._on_update()

    def _look_until_stopped(self) -> None:
        while not self._stop.is_set():
            try:
                changed = self.read_now()
            except OSError as exc:
                self.error, changed = f"cannot read {self._path}: {exc.strerror or exc}", True
            self.state = "following"
            if changed and self._on_update is not None:
                self._on_update()
            self._stop.wait(self._interval)
