"""Metric panes: a sparkline per metric with its last value, EMA and trend arrow.

A log may carry thousands of metrics, so the list is paged: a fixed number of panes is
mounted once and re-pointed at whichever page holds the selected metric. Nothing is mounted
or removed while a run grows, which keeps redraws cheap and the focus stable.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, Sparkline

from vaetui.core.metrics import metric_order
from vaetui.core.snapshot import MetricSummary, Series, Snapshot
from vaetui.core.stats import minmax_thin
from vaetui.ui.messages import MetricSelected
from vaetui.ui.widgets.fmt import arrow, finite, fmt_value, literal

#: Panes mounted at once; the rest of the metrics are a page away (``m`` / ``M`` / palette).
PAGE_SIZE = 8


def spark_data(series: Series | None, width: int) -> list[float]:
    """Finite values thinned to about two per column, min and max kept so spikes show."""
    if series is None or len(series.values) == 0:
        return []
    _, values = finite(series.steps, series.values)
    _, values = minmax_thin(values, values, max(width, 1))
    return [float(v) for v in values]


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

    def compose(self) -> ComposeResult:
        yield Label("", classes="pane-label", markup=False)
        yield Sparkline([], classes="pane-spark")

    def show(self, name: str | None, summary: MetricSummary | None, series: Series | None) -> None:
        """Point the pane at ``name`` (``None`` hides it)."""
        self.metric = name
        self.display = name is not None
        if name is None:
            return
        self.query_one(Label).update(pane_label(name, summary))
        spark = self.query_one(Sparkline)
        spark.data = spark_data(series, spark.size.width or 40)

    def action_choose(self) -> None:
        if self.metric is not None:
            self.post_message(MetricSelected(self.metric))

    def on_click(self) -> None:
        self.action_choose()


class MetricList(Vertical):
    """The paged list of metric panes; the selected metric's page is shown."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names: list[str] = []
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="metrics-page", markup=False)
        for slot in range(PAGE_SIZE):
            yield MetricPane(slot)

    def show(self, snapshot: Snapshot | None, selected: str | None) -> None:
        """Show the page holding ``selected`` with fresh numbers from ``snapshot``."""
        metrics = snapshot.metrics if snapshot else {}
        history = snapshot.history if snapshot else {}
        self.names = metric_order(set(metrics) | set(history))
        self.selected = selected
        start = 0
        if selected in self.names:
            start = (self.names.index(selected) // PAGE_SIZE) * PAGE_SIZE
        page = self.names[start : start + PAGE_SIZE]
        for slot, pane in enumerate(self.query(MetricPane)):
            name = page[slot] if slot < len(page) else None
            pane.show(name, metrics.get(name or ""), history.get(name or ""))
            pane.set_class(name is not None and name == selected, "-selected")
        total = len(self.names)
        label = self.query_one("#metrics-page", Label)
        label.display = total > PAGE_SIZE
        if total:
            label.update(f"metrics {start + 1}-{start + len(page)} of {total}  (m/M)")

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
