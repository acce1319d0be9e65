"""Which part of the history the big plot shows: zoom level, pan position, follow mode.

A pure little state machine, so zoom and pan can be tested without a terminal. The default
view follows the newest step; zooming keeps following until the user pans away, and panning
back to the newest end resumes following.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ZOOM = 12


@dataclass
class PlotView:
    """Zoom is a power of two of the full step range; ``center`` None means "follow"."""

    zoom: int = 0
    center: float | None = None
    #: A step the user jumped to (an event), marked with a line.
    mark: float | None = None

    def window(self, lo: float, hi: float) -> tuple[float, float]:
        """The visible ``[start, end]`` steps inside the data range ``[lo, hi]``."""
        if self.zoom == 0 or hi <= lo:
            return lo, hi
        width = (hi - lo) / 2**self.zoom
        center = hi - width / 2 if self.center is None else self.center
        start = min(max(lo, center - width / 2), hi - width)
        return start, start + width

    def zoom_in(self) -> None:
        """Show half as many steps (around the current centre)."""
        self.zoom = min(self.zoom + 1, MAX_ZOOM)

    def zoom_out(self) -> None:
        """Show twice as many steps; fully out means following again."""
        self.zoom = max(self.zoom - 1, 0)
        if self.zoom == 0:
            self.center = None

    def pan(self, direction: int, lo: float, hi: float) -> None:
        """Move a quarter window left (-1) or right (+1); reaching the end follows again."""
        if self.zoom == 0:
            self.zoom = 1
        start, end = self.window(lo, hi)
        width = end - start
        center = (start + end) / 2 + direction * width / 4
        self.center = None if center + width / 2 >= hi else max(center, lo + width / 2)

    def jump(self, step: float) -> None:
        """Centre on ``step`` (zoomed in enough to see it) and mark it."""
        self.zoom = max(self.zoom, 2)
        self.center = step
        self.mark = step

    def reset(self) -> None:
        """Whole history, following the newest step."""
        self.zoom, self.center, self.mark = 0, None, None
