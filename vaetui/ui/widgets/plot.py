"""The big plot: the selected metric, raw and EMA, with zoom, pan, log scale and overlays.

Drawing happens when the canvas renders, so the series is thinned to the plot's real width
(min/max per column keeps spikes), and only when a snapshot or the view changed. Colours come
from the stylesheet through component classes, like Textual's own Sparkline, so themes apply.

The canvas (plotext, :mod:`vaetui.ui.widgets.plotcanvas`) is mounted when the plot is built,
or, for a ``lazy`` plot (``vaetui tail``), when the app calls ``add_canvas`` once the first
screen is painted: the verdicts do not wait for plotext to load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from vaetui.core.snapshot import Event, Series
from vaetui.ui.emacache import EmaCache
from vaetui.ui.view import PlotView
from vaetui.ui.widgets.fmt import clean, finite, fmt_tick, fmt_value, nice_ticks

if TYPE_CHECKING:
    import numpy as np
    from textual_plotext import Plot

    from vaetui.ui.widgets.plotcanvas import PlotCanvas

#: Colours of the runs (overlaid or not): by run order, distinct from each other and the EMA.
RUN_CLASSES = tuple(f"metric-plot--run-{i}" for i in range(4))
#: Marks drawn across the plot, in legend order: (component class, symbol, word).
MARKS = (
    ("metric-plot--restart", "┃", "restart"),
    ("metric-plot--phase", "┃", "phase"),
    ("metric-plot--nan", "┃", "NaN"),
    ("metric-plot--mark", "┃", "jumped to"),
)


@dataclass
class PlotData:
    """What the plot shows: one metric for the current run and, optionally, the others."""

    metric: str | None = None
    current: int = 0
    #: (run name, series or None) for every run, in run order.
    runs: list[tuple[str, Series | None]] = field(default_factory=list)
    segment_starts: tuple[float, ...] = ()
    overlay: bool = False
    #: The current run's events (NaN and phases: schedule changes, the discriminator on).
    events: tuple[Event, ...] = ()
    #: The ``--reference`` run's series of the metric, with the reference's name.
    reference: tuple[str, Series] | None = None


@dataclass(frozen=True)
class LegendItem:
    """One entry of the legend under the plot: a coloured symbol and what it stands for."""

    symbol: str
    text: str
    rgb: tuple[int, int, int]


class MetricPlot(Widget):
    """A plotext plot of one metric that follows the newest step unless zoomed or panned."""

    DEFAULT_CSS = """
    MetricPlot { width: 1fr; height: 1fr; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metric-plot--ema",
        "metric-plot--reference",
        *(m[0] for m in MARKS),
        *RUN_CLASSES,
    }

    def __init__(self, alpha: float = 0.1, id: str | None = None, lazy: bool = False) -> None:
        super().__init__(id=id)
        #: The canvas waits for ``add_canvas`` (else it comes with the plot).
        self.lazy = lazy
        self.canvas: PlotCanvas | None = None
        self.data = PlotData()
        self.view = PlotView()
        self.log_scale = False
        self.emas = EmaCache(alpha)
        self._legend: list[LegendItem] = []
        self._published: list[LegendItem] = []
        self._seen_y: list[float] = []
        #: The last drawing and what it was drawn for (None: draw on the next frame).
        self._drawn: tuple[tuple[object, ...], RenderResult] | None = None

    def compose(self) -> ComposeResult:
        if not self.lazy:
            yield self._new_canvas()

    def render(self) -> RenderResult:
        """Blank until the canvas is mounted over it (Textual would write the widget's name)."""
        return ""

    def add_canvas(self) -> None:
        """Mount the canvas of a ``lazy`` plot (imports plotext); it draws the data shown."""
        if self.canvas is None and self.is_attached:
            self.mount(self._new_canvas())

    def _new_canvas(self) -> PlotCanvas:
        from vaetui.ui.widgets.plotcanvas import PlotCanvas

        self.canvas = PlotCanvas(self._drawing)
        return self.canvas

    @property
    def plt(self) -> Plot:
        """The canvas's plotext figure (only while drawing: the canvas exists then)."""
        assert self.canvas is not None
        return self.canvas.plt

    def zoom(self, direction: int) -> None:
        """Zoom in (+1) or out (-1) around the current view."""
        self.view.zoom_in() if direction > 0 else self.view.zoom_out()
        self._redraw()

    def pan(self, direction: int) -> None:
        """Pan a quarter window left (-1) or right (+1)."""
        bounds = self.bounds()
        if bounds is not None:
            self.view.pan(direction, *bounds)
            self._redraw()

    def jump(self, step: float) -> None:
        """Centre the view on ``step`` and mark it."""
        self.view.jump(step)
        self._redraw()

    def follow(self) -> None:
        """Whole history again, following the newest step."""
        self.view.reset()
        self._redraw()

    def toggle_log(self) -> None:
        """Switch the y axis between linear and log."""
        self.log_scale = not self.log_scale
        self._redraw()

    def set_alpha(self, alpha: float) -> None:
        """Use EMA weight ``alpha`` (a new weight drops the cached curves)."""
        if alpha != self.emas.alpha:
            self.emas = EmaCache(alpha)

    def show(self, data: PlotData) -> None:
        """Replace what is plotted; redraw only if the drawing comes out different (a long
        run's newest points often change nothing at the plot's resolution)."""
        self.data = data
        canvas = self.canvas
        if canvas is None or not canvas.size.area:
            self._redraw()  # no canvas or not laid out yet: drawn once it has a size
            return
        drawn = (self._drawing_key(canvas), self._draw(canvas))
        if drawn != self._drawn:
            self._drawn = drawn
            canvas.refresh()

    def _redraw(self) -> None:
        """The view changed: draw again on the next frame."""
        self._drawn = None
        if self.canvas is not None:
            self.canvas.refresh()

    def _drawing_key(self, canvas: PlotCanvas) -> tuple[object, ...]:
        """What a drawing depends on besides the data and the view (which redraw anyway)."""
        return (canvas.size, self.app.theme, canvas.theme)

    def _rgb(self, component: str) -> tuple[int, int, int]:
        return self.get_component_styles(component).color.rgb

    def bounds(self) -> tuple[float, float] | None:
        """Step range over every plotted series."""
        runs = self.data.runs if self.data.overlay else self.data.runs[self.data.current :][:1]
        lows, highs = [], []
        import numpy as np  # numpy and the statistics load with the first history drawn

        for _, series in runs:
            if series is not None and len(series.steps):
                lows.append(float(np.nanmin(series.steps)))
                highs.append(float(np.nanmax(series.steps)))
        return (min(lows), max(highs)) if lows else None

    def _cols(self) -> int:
        """Columns to thin a series to: the canvas's width."""
        return max(self.canvas.size.width if self.canvas is not None else 0, 10)

    def _draw_series(self, key: str, series: Series, lo: float, hi: float, colour: str) -> bool:
        """Raw values inside ``[lo, hi]`` as a line, one line per segment (a restart does
        not draw a line back to its start step); min and max of each column are kept, so a
        spike stays. Returns whether anything was drawn."""
        from vaetui.core.stats import minmax_thin

        cols = self._cols()
        drawn = False
        for part in _segments(series):
            steps, values = finite(series.steps[part], series.values[part])
            inside = (steps >= lo) & (steps <= hi)
            if self.log_scale:
                inside &= values > 0
            xs, ys = minmax_thin(steps[inside], values[inside], cols)
            drawn |= self._line(xs, ys, colour, "hd")
        return drawn

    def _draw_ema(self, key: str, series: Series, lo: float, hi: float) -> bool:
        """The current run's EMA (the core's weight), one line per segment."""
        import numpy as np

        cols = self._cols()
        drawn = False
        for n, part in enumerate(_segments(series)):
            steps, values = finite(series.steps[part], series.values[part])
            ema = self.emas.get(f"{key}:{n}", values)
            inside = (steps >= lo) & (steps <= hi)
            if self.log_scale:
                inside &= ema > 0
            if inside.any():
                e_steps, e_vals = steps[inside], ema[inside]
                idx = np.linspace(0, len(e_vals) - 1, min(len(e_vals), 2 * cols)).astype(int)
                drawn |= self._line(e_steps[idx], e_vals[idx], "metric-plot--ema", "braille")
        return drawn

    def _line(self, xs: np.ndarray, ys: np.ndarray, colour: str, marker: str) -> bool:
        if not len(xs):
            return False
        self._seen_y.extend((float(ys.min()), float(ys.max())))
        self.plt.plot(xs.tolist(), ys.tolist(), marker=marker, color=self._rgb(colour))
        return True

    @dataclass
    class LegendChanged(Message):
        """The plot was drawn with other runs or marks: the legend under it must follow."""

        items: list[LegendItem]

    def legend_items(self) -> list[LegendItem]:
        """What the last drawing showed: runs in run order, the EMA, then the marks."""
        return list(self._legend)

    def _publish_legend(self) -> None:
        if self._legend != self._published:
            self._published = list(self._legend)
            self.post_message(self.LegendChanged(list(self._legend)))

    def _drawing(self, canvas: PlotCanvas) -> RenderResult:
        """What the canvas shows: the kept drawing, or a new one if anything it depends on
        changed."""
        key = self._drawing_key(canvas)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, self._draw(canvas))
        return self._drawn[1]

    def _draw(self, canvas: PlotCanvas) -> RenderResult:
        """The plot of ``data`` in the current view, at the canvas's size."""
        plt = canvas.plt
        plt.clear_figure()
        self._legend = []
        self._seen_y = []
        data = self.data
        bounds = self.bounds()
        if data.metric is None or bounds is None:
            plt.title("no data yet")
            self.call_later(self._publish_legend)
            return canvas.build()
        lo, hi = self.view.window(*bounds)
        self._draw_runs(data, lo, hi)
        self._draw_marks(data, lo, hi)
        self._axes(lo, hi, canvas.size.width, canvas.size.height)
        # Posted from the plot's own context: a message made while the screen composes
        # would count the screen as its sender and stop bubbling there.
        self.call_later(self._publish_legend)
        title = clean(data.metric)
        if self.log_scale:
            title += " (log)"
        if self.view.zoom:
            title += f" x{2**self.view.zoom}"
        plt.title(title)
        return canvas.build()

    def _draw_runs(self, data: PlotData, lo: float, hi: float) -> None:
        """Every shown run in its own colour, in run order; then the current run's EMA."""
        current: Series | None = None
        for i, (name, series) in enumerate(data.runs):
            if series is None or (i != data.current and not data.overlay):
                continue
            colour = RUN_CLASSES[i % len(RUN_CLASSES)]
            if self._draw_series(f"{i}:{data.metric}", series, lo, hi, colour):
                label = clean(name) if data.overlay else "raw"
                self._legend.append(LegendItem("━", label, self._rgb(colour)))
            if i == data.current:
                current = series
        if data.reference is not None:  # the trusted run, aligned by step
            name, series = data.reference
            colour = "metric-plot--reference"
            if self._draw_series(f"ref:{data.metric}", series, lo, hi, colour):
                self._legend.append(LegendItem("━", f"reference {clean(name)}", self._rgb(colour)))
        if current is not None and self._draw_ema(f"{data.current}:{data.metric}", current, lo, hi):
            label = "EMA"  # of the current run, the one the status line names
            self._legend.append(LegendItem("━", label, self._rgb("metric-plot--ema")))

    def _draw_marks(self, data: PlotData, lo: float, hi: float) -> None:
        """Vertical lines at restarts, schedule changes, NaN and the step jumped to."""
        steps: dict[str, list[float | None]] = {
            "metric-plot--restart": list(data.segment_starts),
            "metric-plot--phase": [e.step for e in data.events if e.kind == "phase"],
            "metric-plot--nan": [e.step for e in data.events if e.kind == "nan"],
            "metric-plot--mark": [] if self.view.mark is None else [self.view.mark],
        }
        for component, symbol, word in MARKS:
            inside = [s for s in steps[component] if s is not None and lo <= s <= hi]
            for step in inside:
                self.plt.vline(step, color=self._rgb(component))
            if inside:
                self._legend.append(LegendItem(symbol, word, self._rgb(component)))

    def _axes(self, lo: float, hi: float, width: int, height: int) -> None:
        """Round step ticks over the whole visible range; a flat series gets a flat axis."""
        plt = self.plt
        if hi > lo:
            plt.xlim(lo, hi)
        most = max(3, (width - 8) // 8)
        xt = nice_ticks(lo, hi, most)
        gap = xt[1] - xt[0] if len(xt) > 1 else None
        plt.xticks(xt, [fmt_tick(t, gap) for t in xt])
        plt.yscale("log" if self.log_scale else "linear")
        if self.log_scale or not self._seen_y:
            return
        y_lo, y_hi = min(self._seen_y), max(self._seen_y)
        if y_hi - y_lo <= 1e-9 * max(abs(y_hi), abs(y_lo), 1e-300):
            pad = abs(y_hi) * 0.1 or 1.0  # a constant: drawn flat in the middle
            plt.ylim(y_hi - pad, y_hi + pad)
            plt.yticks([y_hi], [fmt_value(y_hi)])
            return
        yt = nice_ticks(y_lo, y_hi, max(2, height // 3))
        plt.yticks(yt, [fmt_value(t) for t in yt])


def _segments(series: Series) -> list[np.ndarray | slice]:
    """Index selections of each segment of ``series`` (all of it when unsegmented)."""
    import numpy as np

    if len(series.segments) != len(series.values):
        return [slice(None)]
    return [series.segments == seg for seg in np.unique(series.segments)]


class PlotLegend(Static):
    """One line under the plot saying what each colour and mark is."""

    def show(self, items: list[LegendItem]) -> None:
        """Render ``items`` as ``━ a.log  ━ b.log  ━ EMA  ┃ restart`` in their colours."""
        text = Text(no_wrap=True, overflow="ellipsis")
        for item in items:
            text.append(item.symbol, style=Style(color=Color.from_rgb(*item.rgb)))
            text.append(f" {item.text}  ")
        self.update(text)
