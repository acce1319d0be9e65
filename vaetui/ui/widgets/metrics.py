"""Metric panes: a sparkline per metric with its last value, EMA and trend arrow.

A log may carry thousands of metrics, so the list is paged: a fixed number of panes is
mounted once and re-pointed at whichever page holds the selected metric. Nothing is mounted
or removed while a run grows, which keeps redraws cheap and the focus stable. A ``lazy`` list
mounts its panes when asked (``add_panes``, once the verdicts are painted): the first screen
does not wait for sixteen widgets that have nothing to show yet. Nor for numpy and the
statistics: they are imported where a history is drawn, after the first screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, Sparkline

from vaetui.core.metrics import metric_order
from vaetui.core.snapshot import MetricSummary, Series, Snapshot
from vaetui.ui.messages import MetricSelected
from vaetui.ui.widgets.fmt import arrow, finite, fmt_tick, fmt_value, literal

if TYPE_CHECKING:
    import numpy as np

#: Panes mounted at once; the rest of the metrics are a page away (``m`` / ``M`` / palette).
PAGE_SIZE = 8


#: Sparklines show the newest tenth of the run (at least a few points per column).
SPARK_SHARE = 0.1


def spark_window(snapshot: Snapshot | None, width: int) -> float | None:
    """How many steps back the sparklines reach: the newest tenth of the run's steps, but
    never fewer than two points per column. None when the run has no steps yet."""
    if snapshot is None or snapshot.first_step is None or snapshot.last_step is None:
        return None
    import numpy as np

    from vaetui.core.stats import median

    span = snapshot.last_step - snapshot.first_step
    interval = 1.0
    for series in snapshot.history.values():
        if len(series.steps) > 1:
            interval = max(median(np.diff(series.steps[-64:])), 1e-9)
            break
    return max(span * SPARK_SHARE, 2 * max(width, 1) * interval)


def spark_data(series: Series | None, width: int, window: float | None = None) -> list[float]:
    """The finite values of the newest ``window`` steps (all when None), thinned to about
    two per column, min and max kept so spikes show. The whole history is the big plot's."""
    if series is None or len(series.values) == 0:
        return []
    from vaetui.core.stats import minmax_thin

    steps, values = finite(series.steps, series.values)
    if window is not None and len(steps):
        steps, values = steps[-_recent(steps, window) :], values[-_recent(steps, window) :]
    _, values = minmax_thin(values, values, max(width, 1))
    return [float(v) for v in values]


def _recent(steps: np.ndarray, window: float) -> int:
    """How many of the newest points lie within ``window`` steps of the newest one (a
    restart's steps start over, so only the points after the last step back count)."""
    import numpy as np

    back = np.flatnonzero(np.diff(steps) < 0)
    start = int(back[-1]) + 1 if back.size else 0
    recent = steps[start:]
    return max(int(recent.size - np.searchsorted(recent, recent[-1] - window, side="left")), 1)


def pane_label(name: str, summary: MetricSummary | None) -> Text:
    """``name  last  ~ema  arrow`` with the name shown literally (it comes from the log)."""
    text = literal(name, style="bold")
    if summary is not None:
        text.append(f"  {fmt_value(summary.last)}")
        text.append(f" ~{fmt_value(summary.ema)}", style="dim")
        text.append(f" {arrow(summary.trend)}")
    return text


class MetricPane(Vertical, can_focus=True):
    """One metric: a label line and a sparkline; Enter plots it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "choose", "Plot", show=False)]

    def __init__(self, slot: int) -> None:
        super().__init__(id=f"pane-{slot}", classes="pane")
        self.metric: str | None = None
        # Made here, not found by a query: a pane just mounted can be shown at once.
        self._label = Label("", classes="pane-label", markup=False)
        self._spark = Sparkline([], classes="pane-spark")

    def compose(self) -> ComposeResult:
        yield self._label
        yield self._spark

    def show(
        self,
        name: str | None,
        summary: MetricSummary | None,
        series: Series | None,
        window: float | None = None,
    ) -> None:
        """Point the pane at ``name`` (``None`` hides it); the sparkline shows ``window``."""
        self.metric = name
        self.display = name is not None
        if name is None:
            return
        label = self._label
        text = pane_label(name, summary)
        if label.content != text:
            label.update(text, layout=False)  # one line of a fixed-size pane
        spark = self._spark
        spark.data = spark_data(series, spark.size.width or 40, window)

    def action_choose(self) -> None:
        if self.metric is not None:
            self.post_message(MetricSelected(self.metric))

    def on_click(self) -> None:
        self.action_choose()


class MetricList(Vertical):
    """The paged list of metric panes; the selected metric's page is shown."""

    def __init__(self, id: str | None = None, lazy: bool = False) -> None:
        super().__init__(id=id)
        self.names: list[str] = []
        self.selected: str | None = None
        #: The panes are mounted by ``add_panes``, not with the list.
        self.lazy = lazy
        #: What the list was last asked to show, shown again once added panes have a size.
        self._shown: tuple[Snapshot | None, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="metrics-page", markup=False)
        if not self.lazy:
            yield from self._new_panes()

    def _new_panes(self) -> list[MetricPane]:
        return [MetricPane(slot) for slot in range(PAGE_SIZE)]

    def add_panes(self) -> None:
        """Mount the panes of a ``lazy`` list; they show what the list was asked to show,
        again once they are laid out (a sparkline's points depend on its width)."""
        if self.lazy and self.is_attached:
            self.lazy = False
            self.mount_all(self._new_panes())
            if self._shown is not None:
                self.show(*self._shown)
            self.call_after_refresh(self._show_again)

    def _show_again(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)

    def show(self, snapshot: Snapshot | None, selected: str | None) -> None:
        """Show the page holding ``selected`` with fresh numbers from ``snapshot``."""
        self._shown = (snapshot, selected)
        metrics = snapshot.metrics if snapshot else {}
        history = snapshot.history if snapshot else {}
        self.names = metric_order(set(metrics) | set(history))
        self.selected = selected
        start = 0
        if selected in self.names:
            start = (self.names.index(selected) // PAGE_SIZE) * PAGE_SIZE
        page = self.names[start : start + PAGE_SIZE]
        window = spark_window(snapshot, self.size.width or 30)
        for slot, pane in enumerate(self.query(MetricPane)):
            name = page[slot] if slot < len(page) else None
            pane.show(name, metrics.get(name or ""), history.get(name or ""), window)
            pane.set_class(name is not None and name == selected, "-selected")
        total = len(self.names)
        label = self.query_one("#metrics-page", Label)
        label.display = total > 0
        if total:
            recent = f"last {fmt_tick(window)} steps" if window is not None else "—"
            text = f"sparks: {recent}"
            if total > PAGE_SIZE:
                text = f"{start + 1}-{start + len(page)} of {total} · {text}"
            if str(label.content) != text:
                label.update(text, layout=False)  # one line of fixed width

    def step(self, current: str | None, delta: int) -> str | None:
        """The metric ``delta`` places from ``current`` in display order (wrapping)."""
        if not self.names:
            return None
        i = self.names.index(current) if current in self.names else -delta
        return self.names[(i + delta) % len(self.names)]


def default_metric(snapshot: Snapshot | None) -> str | None:
    """The metric to plot before the user picks one: the first in display order."""
    if snapshot is None:
        return None
    names = metric_order(set(snapshot.metrics) | set(snapshot.history))
    return names[0] if names else None
