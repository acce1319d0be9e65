"""The ``x`` screen: what was read from the log, and what was skipped (``check --explain``).

The core groups the lines (:mod:`vaetui.core.explain`); the file is read again on a worker
thread, so a large log never blocks the dashboard underneath. Text from the log is shown
literally.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from vaetui.core.explain import Explanation, ShapeGroup, explain_file
from vaetui.ui.widgets.fmt import clean

#: Skipped shapes shown on the screen (the most frequent first).
SHOWN_SKIPPED = 30


def explanation_text(found: Explanation, skip_reasons: dict[str, int] | None = None) -> Text:
    """The body of the screen: read shapes with their fields, skipped shapes with counts."""
    text = Text()
    text.append(f"{found.records} records from {found.lines} lines ({found.format})\n\n")
    text.append(f"Read: {len(found.read)} line shapes became records\n", style="bold")
    for g in found.read:
        _group(text, g)
        fields = ", ".join(r if r == n else f"{r} → {n}" for r, n in g.fields.items())
        text.append(f"      fields: {clean(fields)}\n", style="dim")
    if not found.read:
        text.append("  nothing\n")
    text.append(f"\nSkipped: {found.skipped_with_numbers} lines with numbers\n", style="bold")
    for g in found.skipped[:SHOWN_SKIPPED]:
        _group(text, g)
        text.append(f"      {g.reason}\n", style="dim")
    more = found.more_skipped + max(len(found.skipped) - SHOWN_SKIPPED, 0)
    if more:
        text.append(f"  … and {more} more shapes (vaetui check --explain lists them)\n")
    if skip_reasons:
        text.append("\nLines that could not be parsed\n", style="bold")
        for reason, count in skip_reasons.items():
            text.append(f"  {count:6d}× {clean(str(reason))}\n")
    return text


def _group(text: Text, g: ShapeGroup) -> None:
    text.append(f"  {g.count:6d}× ", style="bold")
    text.append(f"line {g.first_line}: ", style="dim")
    text.append(clean(g.example) + "\n")


class ExplainScreen(ModalScreen[None]):
    """What was read from one log; Esc, q or x closes it."""

    DEFAULT_CSS = """
    ExplainScreen { align: center middle; }
    #explain-box { width: 95%; height: 90%; border: round $primary; background: $surface;
                   padding: 0 1; }
    #explain-title { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,x", "dismiss", "Back")]

    def __init__(self, path: str, options: Any) -> None:
        super().__init__()
        self.path = path
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(id="explain-box"):
            yield Label(f"What was read: {clean(self.path)}  (Esc to close)", id="explain-title")
            with VerticalScroll(id="explain-scroll"):
                yield Static(Text("reading the log again…"), id="explain-body")

    def on_mount(self) -> None:
        if self.path == "-":
            self.show(Text("Standard input cannot be read a second time."))
        else:
            self.load()

    @work(thread=True, exclusive=True, group="explain", description="explain the log")
    def load(self) -> None:
        """Read the log again on a worker thread and show what was read."""
        try:
            found = explain_file(self.path, self.options)
        except OSError as exc:
            body = Text(f"Cannot read {self.path}: {exc.strerror or exc}")
        else:
            body = explanation_text(found)
        self.app.call_from_thread(self.show, body)

    def show(self, body: Text) -> None:
        self.query_one("#explain-body", Static).update(body)
