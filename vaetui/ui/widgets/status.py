"""The top line: which file, is it live, where training is, and how fresh the last line is.

It is the part of the screen a user glances at most, so it is one line of plain facts; the
state word is also a CSS class (``-live``, ``-stalled``, ...) so the stylesheet colours it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer, TimerCallback
from textual.widgets import Label, ProgressBar

from vaetui.core.follow import FollowStatus
from vaetui.core.snapshot import Snapshot
from vaetui.ui.widgets.fmt import age_step, clean, fmt_shown_age, fmt_step, fmt_value

STATES = ("live", "quiet", "stalled", "finished", "waiting", "paused", "reading", "error")
#: States in which nothing arrives: the age is shown in coarse steps (``age_step``).
RESTING = frozenset({"quiet", "stalled", "paused"})


def run_state(
    snapshot: Snapshot | None, status: FollowStatus, paused: bool, now: float | None = None
) -> str:
    """One word for the run: what the user would say looking at the trainer pane.

    A log the core calls finished reads FINISHED; a live writer that stopped leaves LIVE
    (QUIET) once the core's ``quiet_after`` has passed without a record.
    """
    if status.error:
        return "error"
    if paused:
        return "paused"
    if status.state == "waiting for file":
        return "waiting"
    if status.state in ("finished", "stopped"):
        return "finished"
    if status.state == "reading":
        return "reading"
    if snapshot is not None and snapshot.finished:
        return "finished"
    stall = snapshot.verdict("stall") if snapshot else None
    if stall is not None and stall.level in ("watch", "bad"):
        return "stalled"
    last = snapshot.last_record_time if snapshot else None
    after = snapshot.quiet_after if snapshot else None
    if now is not None and last is not None and after is not None and now - last > after:
        return "quiet"
    return "live"


def next_change(
    snapshot: Snapshot | None, status: FollowStatus, paused: bool, now: float
) -> float | None:
    """Seconds until the status line changes with nothing but time passing: the shown age
    moves on (``fmt_shown_age``: each second while live, in coarse steps once quiet), or
    LIVE turns QUIET. None when nothing on it ages (no record yet, or a finished run)."""
    last = snapshot.last_record_time if snapshot else None
    state = run_state(snapshot, status, paused, now)
    if snapshot is None or last is None or state == "finished":
        return None
    age = now - last
    whole = max(0, int(age))
    unit = age_step(whole, state in RESTING)
    soonest = (whole // unit + 1) * unit - age
    after = snapshot.quiet_after
    if state == "live" and after is not None and after - age > 0:
        soonest = min(soonest, after - age)
    return max(soonest, 0.0)


class StatusBar(Horizontal):
    """File, state, step, epoch, steps/s, time since the last line, follow mode.

    Labels are only touched when their text changes, and every field that changes (state,
    step, steps/s, age) has a fixed width: an empty steps/s field keeps its room, so nothing
    after it moves, and the once-a-second tick redraws a few cells without a layout pass.
    """

    #: Labels with a fixed width in the stylesheet: updating them needs no layout pass.
    FIXED = frozenset({"st-state", "st-step", "st-rate", "st-age"})

    def _set(self, label_id: str, text: str) -> None:
        label = self.query_one(f"#{label_id}", Label)
        if str(label.content) != text:
            label.update(text, layout=label_id not in self.FIXED)

    def compose(self) -> ComposeResult:
        yield Label("", id="st-file", markup=False)
        yield Label("", id="st-state", markup=False)
        yield Label("", id="st-step", markup=False)
        yield Label("", id="st-rate", markup=False)
        yield Label("", id="st-age", markup=False)
        yield Label("", id="st-mode", markup=False)

    def show(
        self,
        name: str,
        snapshot: Snapshot | None,
        status: FollowStatus,
        paused: bool,
        now: float,
        run_label: str = "",
    ) -> None:
        """Render the facts for the current run.

        Args:
            name: The run's short name (a file name from the user, shown literally).
            snapshot: The newest applied snapshot, if any.
            status: The follower's state.
            paused: Whether the user paused following.
            now: Current time, for "time since the last line".
            run_label: ``2/3`` when several runs are open.
        """
        state = run_state(snapshot, status, paused, now)
        state_label = self.query_one("#st-state", Label)
        for s in STATES:
            state_label.set_class(s == state, f"-{s}")
        self._set("st-state", state.upper())
        prefix = f"[{run_label}] " if run_label else ""
        self._set("st-file", clean(prefix + name))
        step = epoch = rate = age = ""
        if snapshot is not None:
            step = f"step {fmt_step(snapshot.last_step)}"
            if snapshot.epoch is not None:
                step += f" ep {fmt_step(snapshot.epoch)}"
            # The pace of a run that still writes: a quiet or stalled one has none now.
            if snapshot.steps_per_second and state in ("live", "paused"):
                rate = f"{fmt_value(snapshot.steps_per_second)} st/s"
            if snapshot.last_record_time is not None and state != "finished":
                age = f"{fmt_shown_age(now - snapshot.last_record_time, state in RESTING)} ago"
        self._set("st-step", step + epoch)
        self._set("st-rate", rate)
        self._set("st-age", age)
        self._set("st-mode", clean(status.error or status.mode))


class ReadBar(ProgressBar):
    """Textual's progress bar without its clock: the bar refreshes its ETA once a second,
    for as long as the app runs; with no ETA shown, that timer is stopped at once, so a
    quiet app is not woken by a bar that is not even on screen."""

    def set_interval(
        self,
        interval: float,
        callback: TimerCallback | None = None,
        *,
        name: str | None = None,
        repeat: int = 0,
        pause: bool = False,
    ) -> Timer:
        timer = super().set_interval(interval, callback, name=name, repeat=repeat, pause=pause)
        timer.stop()
        return timer


class ReadProgress(Horizontal):
    """A progress bar shown while an existing log is read for the first time."""

    def compose(self) -> ComposeResult:
        yield Label("reading log", id="progress-label")
        # A determinate bar: an indeterminate one animates (and costs CPU) even when hidden.
        yield ReadBar(total=1.0, show_eta=False, id="progress-bar")

    def show(self, status: FollowStatus) -> None:
        """Visible only while the follower is still catching up with a file."""
        busy = status.state == "reading" and status.bytes_total > 0
        self.set_class(busy, "-busy")
        if busy:
            self.query_one(ProgressBar).update(
                total=status.bytes_total, progress=min(status.bytes_read, status.bytes_total)
            )
