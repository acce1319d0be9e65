"""The top line: which file, is it live, where training is, and how fresh the last line is.

It is the part of the screen a user glances at most, so it is one line of plain facts; the
state word has a component class of its own (``status-bar--live``, ``status-bar--stalled``,
...), so the stylesheet colours it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

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


class StatusFields(NamedTuple):
    """What the top line says, field by field (each already cleaned for the terminal)."""

    file: str = ""
    state: str = ""
    step: str = ""
    epoch: str = ""
    rate: str = ""
    age: str = ""
    mode: str = ""


#: The cells of the fields whose text changes, each with the space after it, in the wide
#: and the compact layout: a field that changes or empties never moves the ones after it.
FIELD_CELLS: dict[str, tuple[int, int]] = {
    "state": (9, 9),
    "step": (19, 16),
    "rate": (11, 10),
    "age": (10, 9),
}
#: At most this many cells for the file name and its space (wide, compact).
FILE_CELLS = (30, 16)


def status_line(fields: StatusFields, compact: bool, style: Callable[[str], Style]) -> Text:
    """The top line: the file name (cut with an ellipsis), then the fixed-width fields, then
    the follow mode (not in the compact layout). The epoch is left out where step and
    epoch together do not fit their field, never cut to a dangling "ep".

    ``style`` gives the Rich style of a component class (``StatusBar``'s ``status-bar--*``).
    """
    at = 1 if compact else 0
    room = FILE_CELLS[at] - 1
    name = fields.file if len(fields.file) <= room else fields.file[: room - 1] + "…"
    line = Text(no_wrap=True, overflow="crop")
    line.append(name, style=style("status-bar--file"))
    line.append(" ")
    step = f"{fields.step} {fields.epoch}" if fields.epoch else fields.step
    if len(step) > FIELD_CELLS["step"][at] - 1:
        step = fields.step
    state_style = style("status-bar--state") + style(f"status-bar--{fields.state}")
    for field, text, text_style in (
        ("state", fields.state.upper(), state_style),
        ("step", step, None),
        ("rate", fields.rate, None),
        ("age", fields.age, style("status-bar--age")),
    ):
        cells = FIELD_CELLS[field][at]
        line.append(text[: cells - 1].ljust(cells - 1), style=text_style)
        line.append(" ")
    if not compact:
        line.append(fields.mode, style=style("status-bar--mode"))
    return line


class StatusBar(Widget):
    """File, state, step, epoch, steps/s, time since the last line, follow mode.

    One widget draws the whole line (no label per field): it is on the first screen, where
    every widget costs start-up time. It is redrawn only when its text changes, and the
    fields that change have fixed widths (``FIELD_CELLS``), so the once-a-second tick of the
    age moves nothing else.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--file",
        "status-bar--state",
        "status-bar--age",
        "status-bar--mode",
        *(f"status-bar--{state}" for state in STATES),
    }

    #: The compact layout's field widths (the app sets it with the screen's ``-compact``).
    compact: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fields = StatusFields()

    def render(self) -> Text:
        return status_line(self.fields, self.compact, self.get_component_rich_style)

    def show(
        self,
        name: str,
        snapshot: Snapshot | None,
        status: FollowStatus,
        paused: bool,
        now: float,
        run_label: str = "",
    ) -> None:
        """Render the facts for the current run (redrawn only if the text changes).

        Args:
            name: The run's short name (a file name from the user, shown literally).
            snapshot: The newest applied snapshot, if any.
            status: The follower's state.
            paused: Whether the user paused following.
            now: Current time, for "time since the last line".
            run_label: ``2/3`` when several runs are open.
        """
        state = run_state(snapshot, status, paused, now)
        prefix = f"[{run_label}] " if run_label else ""
        step = epoch = rate = age = ""
        if snapshot is not None:
            step = f"step {fmt_step(snapshot.last_step)}"
            if snapshot.epoch is not None:
                epoch = f"ep {fmt_step(snapshot.epoch)}"
            # The pace of a run that still writes: a quiet or stalled one has none now.
            if snapshot.steps_per_second and state in ("live", "paused"):
                rate = f"{fmt_value(snapshot.steps_per_second)} st/s"
            if snapshot.last_record_time is not None and state != "finished":
                age = f"{fmt_shown_age(now - snapshot.last_record_time, state in RESTING)} ago"
        fields = StatusFields(
            clean(prefix + name), state, step, epoch, rate, age, clean(status.error or status.mode)
        )
        if fields != self.fields:
            self.fields = fields
            self.refresh()


class ReadProgress(Widget):
    """One line shown while an existing log is read for the first time: "reading log", a bar
    and the share read.

    One widget draws all three (no label, bar and percentage widgets of its own): it is on
    the first screen, where every widget costs start-up time. It has no clock: it is drawn
    when the share it shows changes.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "read-progress--label",
        "read-progress--done",
        "read-progress--todo",
    }
    #: The bar's length in cells.
    BAR_CELLS = 32

    fraction: reactive[float] = reactive(0.0)

    def show(self, status: FollowStatus) -> None:
        """Visible only while the follower is still catching up with a file."""
        busy = status.state == "reading" and status.bytes_total > 0
        self.set_class(busy, "-busy")
        if busy:
            self.fraction = min(status.bytes_read, status.bytes_total) / status.bytes_total

    def render(self) -> Text:
        style = self.get_component_rich_style
        # In half cells, as Textual's own bar: whole cells ``━``, a last half one ``╸``.
        whole, half = divmod(round(max(0.0, min(self.fraction, 1.0)) * self.BAR_CELLS * 2), 2)
        text = Text(" reading log ", style=style("read-progress--label"))
        text.append("━" * whole + "╸" * half, style=style("read-progress--done"))
        text.append("━" * (self.BAR_CELLS - whole - half), style=style("read-progress--todo"))
        text.append(f"{int(self.fraction * 100):>4}%")
        return text
