"""Where :class:`~vaetui.ui.widgets.plot.MetricPlot` draws: a plotext canvas.

A module of its own so that plotext (tens of milliseconds to import) is loaded when a plot is
first drawn, not before ``vaetui tail`` paints its first screen: the plot widget lays out,
keys and data without it, and mounts this canvas once the verdicts are on screen.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import RenderResult
from textual_plotext import PlotextPlot


class PlotCanvas(PlotextPlot):
    """A plotext plot whose drawing is its owner's: ``draw(canvas)`` fills ``canvas.plt``
    and returns what to show (``canvas.build()`` of it, or a drawing kept from before)."""

    def __init__(self, draw: Callable[[PlotCanvas], RenderResult]) -> None:
        super().__init__()
        self._draw_with = draw

    def build(self) -> RenderResult:
        """The figure as plotext draws it at the canvas's size, in the app's theme."""
        return super().render()

    def render(self) -> RenderResult:
        return self._draw_with(self)
