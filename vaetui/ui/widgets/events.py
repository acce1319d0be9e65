"""The events list: restarts, first NaN, spikes and verdict changes, each with its step.

A ``DataTable`` with one row per event, newest first; Enter on a row asks the plot to jump to
that step. Every cell is a ``rich.text.Text`` so an event message copied from the log can
never be read as markup.
"""

from __future__ import annotations

from textual.widgets import DataTable

from vaetui.core.snapshot import Event
from vaetui.ui.messages import StepChosen
from vaetui.ui.widgets.fmt import fmt_step, literal

#: Newest events kept on screen; older ones stay in ``vaetui check --json``.
MAX_ROWS = 500


class EventsTable(DataTable[object]):
    """Events of the current run; Enter jumps the plot to the event's step."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self._shown: tuple[Event, ...] | None = None
        self._steps: list[float | None] = []
        self.add_column("step", key="step", width=8)
        self.add_column("kind", key="kind", width=7)
        self.add_column("event", key="event")

    def show(self, events: tuple[Event, ...]) -> None:
        """Rebuild the rows when the events changed (they only ever grow or reset)."""
        if events == self._shown:
            return
        self._shown = events
        newest = list(reversed(events[-MAX_ROWS:]))
        self._steps = [e.step for e in newest]
        self.clear()
        for i, e in enumerate(newest):
            self.add_row(literal(fmt_step(e.step)), literal(e.kind), literal(e.message), key=str(i))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        step = self._steps[event.cursor_row] if event.cursor_row < len(self._steps) else None
        if step is not None:
            self.post_message(StepChosen(float(step)))
