"""The first-screen baseline: what any Textual app costs to put text on screen.

Run as its own script so that it imports Textual and nothing else (the benchmark modules
import vaetui's simulator, and with it numpy, which a bare app would not pay for).

Usage::

    .venv/bin/python benchmarks/bare_app.py TEXT
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Sparkline, Static


class Bare(App[None]):
    """A header, a line of text, a sparkline and a footer."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._text)
        yield Sparkline([1, 3, 2, 5, 4, 6, 3, 2, 4, 1] * 4)
        yield Footer()


if __name__ == "__main__":
    Bare(" ".join(sys.argv[1:])).run()
