"""The ``?`` screen: every key and what it does, generated from the one key table.

The rows wrap to the box's width and scroll; when they do not all fit (a 60x20 pane), the
last line says so and how to scroll, so nothing hides below the fold unannounced.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from vaetui.ui.keys import help_rows
from vaetui.ui.widgets import SCREENS_CSS

#: The hint under a box whose text does not fit.
MORE = "↓ more: ↑/↓ scroll"


def help_table() -> Table:
    """Keys in bold in a fixed column, descriptions wrapping beside them."""
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, width=10)
    table.add_column(ratio=1)
    for keys, description in help_rows():
        table.add_row(Text(keys, style="bold"), Text(description))
    return table


class ScrollHint(Label):
    """A last line that says whether the box above it scrolls, then the screen's own keys."""

    def __init__(self, keys: str, id: str | None = None) -> None:
        super().__init__(keys, id=id, markup=False)
        self.keys = keys

    def track(self, scroll: VerticalScroll) -> None:
        """Say "more below" while ``scroll`` has more than it shows."""
        more = scroll.max_scroll_y > 0 and round(scroll.scroll_y) < scroll.max_scroll_y
        self.update(f"{MORE} · {self.keys}" if more else self.keys)
        self.set_class(more, "-more")

    def attach(self, scroll: VerticalScroll) -> None:
        """Keep the hint true as ``scroll`` scrolls or its content changes size (judged after
        the layout the change causes)."""

        def later(_: object = None) -> None:
            scroll.call_after_refresh(self.track, scroll)

        self._scroll = scroll
        self.watch(scroll, "scroll_y", later)
        self.watch(scroll, "virtual_size", later)

    def on_resize(self) -> None:
        """A new terminal size: the box may fit now, or no longer."""
        scroll = getattr(self, "_scroll", None)
        if scroll is not None:
            scroll.call_after_refresh(self.track, scroll)


class HelpScreen(ModalScreen[None]):
    """A table of keys over the dashboard; any of Esc, q or ? closes it."""

    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Back")]

    def compose(self) -> ComposeResult:
        box = Vertical(id="help-box")
        box.border_title = "vaetui keys"
        with box:
            with VerticalScroll(id="help-scroll"):
                yield Static(help_table(), id="help-table")
            yield ScrollHint("Esc back", id="help-hint")

    def on_mount(self) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        scroll.focus()
        self.query_one(ScrollHint).attach(scroll)
