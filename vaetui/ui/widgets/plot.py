"""The big plot: the selected metric, raw and EMA, with zoom, pan, log scale and overlays.

Drawing happens in ``render`` so the series is thinned to the plot's real width (min/max per
column keeps spikes), and only when a snapshot or the view changed. Colours come from the
stylesheet through component classes, like Textual's own Sparkline, so themes apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from vaetui.core.snapshot import Series
from vaetui.core.stats import minmax_thin
from vaetui.ui.emacache import EmaCache
from vaetui.ui.view import PlotView
from vaetui.ui.widgets.fmt import clean, finite

#: Colours of overlaid runs cycle through these component classes.
RUN_CLASSES = tuple(f"metric-plot--run-{i}" for i in range(4))


@dataclass
class PlotData:
    """What the plot shows: one metric for the current run and, optionally, the others."""

    metric: str | None = None
    current: int = 0
    #: (run name, series or None) for every run, in run order.
    runs: list[tuple[str, Series | None]] = field(default_factory=list)
    segment_starts: tuple[float, ...] = ()
    overlay: bool = False
    #: The ``--reference`` run's series of the metric, with the reference's name.
    reference: tuple[str, Series] | None = None
    #: Steps of phase events (discriminator on, warm-up ends, schedule changes).
    phases: tuple[float, ...] = ()


class MetricPlot(PlotextPlot):
    """A plotext plot of one metric that follows the newest step unless zoomed or panned."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metric-plot--raw",
        "metric-plot--ema",
        "metric-plot--restart",
        "metric-plot--mark",
        "metric-plot--reference",
        "metric-plot--phase",
        *RUN_CLASSES,
    }

    def __init__(self, alpha: float = 0.1, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data = PlotData()
        self.view = PlotView()
        self.log_scale = False
        self.emas = EmaCache(alpha)

    def zoom(self, direction: int) -> None:
        """Zoom in (+1) or out (-1) around the current view."""
        self.view.zoom_in() if direction > 0 else self.view.zoom_out()
        self.refresh()

    def pan(self, direction: int) -> None:
        """Pan a quarter window left (-1) or right (+1)."""
        bounds = self.bounds()
        if bounds is not None:
            self.view.pan(direction, *bounds)
            self.refresh()

    def jump(self, step: float) -> None:
        """Centre the view on ``step`` and mark it."""
        self.view.jump(step)
        self.refresh()

    def follow(self) -> None:
        """Whole history again, following the newest step."""
        self.view.reset()
        self.refresh()

    def toggle_log(self) -> None:
        """Switch the y axis between linear and log."""
        self.log_scale = not self.log_scale
        self.refresh()

    def set_alpha(self, alpha: float) -> None:
        """Use EMA weight ``alpha`` (a new weight drops the cached curves)."""
        if alpha != self.emas.alpha:
            self.emas = EmaCache(alpha)

    def show(self, data: PlotData) -> None:
        """Replace what is plotted and redraw."""
        self.data = data
        self.refresh()

    def _rgb(self, component: str) -> tuple[int, int, int]:
        return self.get_component_styles(component).color.rgb

    def bounds(self) -> tuple[float, float] | None:
        """Step range over every plotted series."""
        runs = self.data.runs if self.data.overlay else self.data.runs[self.data.current :][:1]
        lows, highs = [], []
        for _, series in runs:
            if series is not None and len(series.steps):
                lows.append(float(np.nanmin(series.steps)))
                highs.append(float(np.nanmax(series.steps)))
        return (min(lows), max(highs)) if lows else None

    def _draw_series(
        self, key: str, series: Series, lo: float, hi: float, colour: str, label: str | None
    ) -> None:
        """Raw values (and EMA for the current run) inside ``[lo, hi]``, one line per segment.

        Segments are drawn apart so a restart does not draw a line back to its start step.
        """
        cols = max(self.size.width, 10)
        segments = series.segments if len(series.segments) == len(series.values) else None
        ids = np.unique(segments) if segments is not None else np.zeros(1, dtype=int)
        for n, seg in enumerate(ids):
            part = slice(None) if segments is None else segments == seg
            steps, values = finite(series.steps[part], series.values[part])
            ema = self.emas.get(f"{key}:{seg}", values)
            inside = (steps >= lo) & (steps <= hi)
            if self.log_scale:
                inside &= values > 0
            xs, ys = minmax_thin(steps[inside], values[inside], cols)
            first = n == 0
            self._line(xs, ys, colour, clean(label) if label and first else None)
            if colour == "metric-plot--raw" and inside.any():
                e_steps, e_vals = steps[inside], ema[inside]
                idx = np.linspace(0, len(e_vals) - 1, min(len(e_vals), 2 * cols)).astype(int)
                self._line(e_steps[idx], e_vals[idx], "metric-plot--ema", "EMA" if first else None)

    def _line(self, xs: np.ndarray, ys: np.ndarray, colour: str, label: str | None) -> None:
        if len(xs):
            rgb = self._rgb(colour)
            self.plt.plot(xs.tolist(), ys.tolist(), marker="braille", color=rgb, label=label)

    def render(self) -> RenderResult:
        plt = self.plt
        plt.clear_figure()
        data = self.data
        bounds = self.bounds()
        if data.metric is None or bounds is None:
            plt.title("no data yet")
            return super().render()
        lo, hi = self.view.window(*bounds)
        for i, (name, series) in enumerate(data.runs):
            if series is None or (i != data.current and not data.overlay):
                continue
            colour = "metric-plot--raw" if i == data.current else RUN_CLASSES[i % len(RUN_CLASSES)]
            label = name if data.overlay else None
            self._draw_series(f"{i}:{data.metric}", series, lo, hi, colour, label)
        if data.reference is not None:
            name, series = data.reference
            self._draw_series(
                f"ref:{data.metric}", series, lo, hi, "metric-plot--reference", f"reference {name}"
            )
        for step in data.phases:
            if lo <= step <= hi:
                plt.vline(step, color=self._rgb("metric-plot--phase"))
        for start in data.segment_starts:
            if lo <= start <= hi:
                plt.vline(start, color=self._rgb("metric-plot--restart"))
        if self.view.mark is not None and lo <= self.view.mark <= hi:
            plt.vline(self.view.mark, color=self._rgb("metric-plot--mark"))
        if hi > lo:
            plt.xlim(lo, hi)
        plt.yscale("log" if self.log_scale else "linear")
        title = clean(data.metric)
        if self.log_scale:
            title += " (log)"
        if self.view.zoom:
            title += f" x{2**self.view.zoom}"
        plt.title(title)
        return super().render()
