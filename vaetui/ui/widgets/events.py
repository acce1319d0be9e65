"""The events list: restarts, NaN, spikes and schedule changes pinned above verdict changes.

An ``OptionList`` of the rows :func:`vaetui.core.eventlist.arrange` gives, so long messages
wrap instead of being cut, Home/End go to the first/last event, and repeated verdict flips
are one row. Enter asks the plot to jump to the event's step; ``L`` (an app key) opens the
raw log at its line; ``v`` cycles the filter. Every prompt is a ``rich.text.Text``, so a
message quoting the log is never read as markup. :class:`EventsScreen` shows the same list
full screen (the compact layout has no room for it).
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from vaetui.core.eventlist import FILTERS, EventRow, arrange
from vaetui.core.snapshot import Event
from vaetui.ui.messages import StepChosen
from vaetui.ui.widgets import SCREENS_CSS
from vaetui.ui.widgets.fmt import clean, fmt_step

#: Rows kept on screen; older ones stay in ``vaetui check --json``.
MAX_ROWS = 500
#: Width of the step column.
STEP_WIDTH = 9
#: Filter names as the list's title shows them.
FILTER_WORDS = {"all": "all", "pinned": "restarts, NaN, spikes", "verdicts": "verdict changes"}


def row_text(row: EventRow) -> Table:
    """``  12,400  nan      rec_loss is nan ...``: the message wraps in its own column, and
    is shown literally (it may quote the log)."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=STEP_WIDTH - 1, no_wrap=True)
    table.add_column(width=8, no_wrap=True)
    table.add_column(ratio=1, overflow="fold")
    style = "bold" if row.pinned else ""
    table.add_row(
        Text(fmt_step(row.step), style=style),
        Text(row.kind, style="bold" if row.pinned else "dim"),
        Text(clean(row.text)),
    )
    return table


class EventsList(OptionList):
    """Events of the current run; Enter jumps the plot to the event's step."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "filter", "Filter", tooltip="All / restarts, NaN, spikes / verdicts"),
    ]

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._events: tuple[Event, ...] | None = None
        self.rows: list[EventRow] = []
        self.keep = "all"

    def show(self, events: tuple[Event, ...], force: bool = False) -> None:
        """Rebuild the rows when the events changed (they only ever grow or reset)."""
        if events == self._events and not force:
            return
        self._events = events
        at = self.highlighted
        self.rows = arrange(events[-MAX_ROWS:], self.keep)
        self.clear_options()
        self.add_options([Option(row_text(r), id=str(i)) for i, r in enumerate(self.rows)])
        if self.rows:
            self.highlighted = min(at or 0, len(self.rows) - 1)
        self._title(len(events))

    def _title(self, total: int) -> None:
        pinned = sum(1 for r in self.rows if r.pinned)
        shown = "" if self.keep == "all" else f" · showing {FILTER_WORDS[self.keep]}"
        if not self.rows:
            self.border_title = "events: none yet" + shown
            return
        self.border_title = f"events: {pinned} pinned, {len(self.rows) - pinned} changes{shown}"

    def current_row(self) -> EventRow | None:
        """The highlighted row, if any."""
        i = self.highlighted
        return self.rows[i] if i is not None and 0 <= i < len(self.rows) else None

    def action_filter(self) -> None:
        """Cycle what the list shows: everything, pinned events only, verdict changes only."""
        self.keep = FILTERS[(FILTERS.index(self.keep) + 1) % len(FILTERS)]
        self.highlighted = None
        self.show(self._events or (), force=True)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        row = self.current_row()
        if row is not None and row.step is not None:
            self.post_message(StepChosen(float(row.step)))


class EventsScreen(Screen[None]):
    """The events list full screen (``e`` in the compact layout); Enter jumps and returns."""

    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,e", "dismiss", "Back", key_display="esc")
    ]

    def __init__(self, events: tuple[Event, ...], name: str) -> None:
        super().__init__()
        self.events = events
        self.run_name = name

    def compose(self) -> ComposeResult:
        yield Label(f"{clean(self.run_name)}: events", id="events-title", markup=False)
        yield EventsList(id="events-full")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        events = self.query_one(EventsList)
        events.show(self.events)
        events.focus()

    def update_events(self, events: tuple[Event, ...]) -> None:
        """Show the newest events (called by the app when a snapshot is applied)."""
        self.query_one(EventsList).show(events)

    def on_step_chosen(self, message: StepChosen) -> None:
        # The app moves the plot (the message bubbles on); the dashboard shows it.
        self.dismiss()
