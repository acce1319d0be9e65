"""Command palette entries: every keyed action, plus "Plot metric …" for any metric.

With thousands of metrics, paging with ``m`` is slow; the palette's fuzzy search is how a user
finds ``grad_norm`` among them. Metric names come from the log, so they are shown as literal
``Text`` (the fuzzy highlighter would parse them as markup).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import SystemCommand
from textual.command import Hit, Hits, Provider

from vaetui.ui.keys import BINDINGS, palette_title
from vaetui.ui.widgets.fmt import clean


def action_commands(run_action: Callable[[str], Any]) -> Iterable[SystemCommand]:
    """One palette command per key binding, in the product's words, each with its key
    ("Detail: KL zone" key 1, "Show raw log" key L)."""
    for b in BINDINGS:
        keys = b.key if b.action.startswith("detail(") else b.key_display or b.key
        yield SystemCommand(palette_title(b), f"key: {keys}", partial(run_action, b.action))


class MetricCommands(Provider):
    """'Plot metric NAME' for every metric of the current run."""

    async def search(self, query: str) -> Hits:
        app: Any = self.app
        names: list[str] = app.metric_names() if hasattr(app, "metric_names") else []
        matcher = self.matcher(query)
        for name in names:
            label = f"Plot metric {clean(name)}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    Text(label),
                    partial(app.select_metric, name),
                    text=label,
                    help="show this metric in the big plot (keys: m / M)",
                )
