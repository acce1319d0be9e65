"""The log's own lines (``L``): the newest lines, literal, with regex search and jumps.

When a badge says BAD, the traceback is in the log itself. This screen shows the log's lines
as they are (escapes stripped by the core, never read as markup), follows the newest line
like ``tail -f`` until the user moves, finds a regex forward or backward (``/``, ``n``,
``N``), and opens at an event's line when asked from the events list. It never touches a file:
the lines come from the core's :mod:`vaetui.core.rawlog` through the run's feed, and the
slow parts (indexing a big log, searching it) run in worker threads.
"""

from __future__ import annotations

import re
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Input, Label

from vaetui.core.rawlog import RawLines, compile_search
from vaetui.ui.widgets import SCREENS_CSS
from vaetui.ui.widgets.fmt import fmt_step

#: Lines fetched from the core at once when the view needs one it does not have.
FETCH = 128


class RawLogView(ScrollView, can_focus=True):
    """Line numbers and text of a log, one screen at a time, with a cursor line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"rawlog--number", "rawlog--hit", "rawlog--cursor"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "top", "First line", show=False),
        Binding("end", "follow", "Newest line", show=False),
    ]

    def __init__(self, lines: RawLines, id: str | None = None) -> None:
        super().__init__(id=id)
        self.raw = lines
        self.first = 1
        self.last = 0
        self.cursor = 0
        self.following = True
        self.pattern: re.Pattern[str] | None = None
        self._cache: dict[int, str] = {}

    # -- what is shown -------------------------------------------------------------------

    def sync(self) -> None:
        """Take in the line range the core has now (after ``raw.refresh()``)."""
        first, last = self.raw.first_line(), self.raw.last_line()
        if last != self.last or first != self.first:
            self._cache.pop(self.last, None)  # an unfinished last line may have grown
            self.first, self.last = first, last
            self.virtual_size = Size(self.size.width, max(last - first + 1, 0))
        if self.following:
            self.cursor = last
            self._to_end()
            # Again after the new virtual size has been laid out.
            self.call_after_refresh(self._to_end)
        self.refresh()

    def _to_end(self) -> None:
        if not self.following:
            return  # the user (or a search) moved away before this ran
        rows = max(self.last - self.first + 1, 0)
        top = max(rows - self.scrollable_content_region.height, 0)
        self.set_scroll(None, top)

    def on_resize(self) -> None:
        if self.following:
            self.call_after_refresh(self._to_end)

    def go(self, line: int) -> None:
        """Put the cursor on ``line`` and show it in the middle of the view."""
        self.following = False
        self.cursor = min(max(line, self.first), max(self.last, self.first))
        top = self.cursor - self.first - self.size.height // 2
        self.scroll_to(y=max(top, 0), animate=False, immediate=True)
        self.refresh()

    def text_of(self, number: int) -> str:
        """The text of line ``number`` (empty when the core no longer has it)."""
        if number not in self._cache:
            if len(self._cache) > 20 * FETCH:
                self._cache.clear()
            for n, text in self.raw.lines(number, FETCH):
                self._cache[n] = text
        return self._cache.get(number, "")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        number = self.first + int(self.scroll_offset.y) + y
        if self.last == 0 or number > self.last:
            return Strip.blank(width, self.rich_style)
        digits = len(str(self.last))
        # The padding is a segment of its own: a renderer may drop leading spaces of a word.
        line = Text(" " * (digits - len(str(number))))
        line.append(f"{number} ", style=self._style("rawlog--number"))
        body = Text(self.text_of(number), no_wrap=True, overflow="ellipsis")
        if self.pattern is not None:
            for m in self.pattern.finditer(body.plain):
                if m.end() > m.start():
                    body.stylize(self._style("rawlog--hit"), m.start(), m.end())
        line.append_text(body)
        line.truncate(width, overflow="ellipsis")
        base = self._style("rawlog--cursor") if number == self.cursor else self.rich_style
        segments = [
            Segment(s.text, base + s.style if s.style else base)
            for s in line.render(self.app.console)
        ]
        return Strip(segments).extend_cell_length(width, base).crop(0, width)

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component)

    # -- keys ----------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        self.go_near(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.go_near(self.cursor + direction * max(self.size.height - 1, 1))

    def action_top(self) -> None:
        self.go_near(self.first)

    def action_follow(self) -> None:
        self.following = True
        self.sync()

    def go_near(self, line: int) -> None:
        """Move the cursor, scrolling only as far as needed to keep it visible."""
        self.following = False
        self.cursor = min(max(line, self.first), max(self.last, self.first))
        row = self.cursor - self.first
        top = int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + self.size.height:
            self.scroll_to(y=row - self.size.height + 1, animate=False, immediate=True)
        if self.cursor == self.last:
            self.following = True
        self.refresh()


class RawLogScreen(Screen[None]):
    """The raw log of one run, full screen; Esc goes back to the dashboard."""

    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,L", "close", "Back", key_display="esc"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "next(1)", "Next", tooltip="Next match"),
        Binding("N", "next(-1)", "Previous", tooltip="Previous match"),
        Binding("f", "follow", "Follow", tooltip="Follow the newest line"),
    ]

    def __init__(self, lines: RawLines, name: str, line: int | None = None) -> None:
        super().__init__()
        self.raw = lines
        self.run_name = name
        self.start_line = line

    def compose(self) -> ComposeResult:
        yield Label("", id="raw-title", markup=False)
        yield RawLogView(self.raw, id="raw-view")
        yield Input(placeholder="regex, Enter to find, Esc to cancel", id="raw-search")
        yield Label("", id="raw-status", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    @property
    def view(self) -> RawLogView:
        return self.query_one(RawLogView)

    def on_mount(self) -> None:
        self.query_one("#raw-search", Input).display = False
        self.view.focus()
        self.reload()
        self.set_interval(1.0, self.reload)

    def reload(self) -> None:
        """Let the core take in new lines (in a thread: a big log is indexed once), then show."""
        self.run_worker(self._refresh_core, thread=True, exclusive=True, group="raw-refresh")

    def _refresh_core(self) -> None:
        self.raw.refresh()
        self.app.call_from_thread(self._synced)

    def _synced(self) -> None:
        if not self.is_attached:
            return
        view = self.view
        view.sync()
        if self.start_line is not None:
            view.go(self.start_line)
            self._say(f"line {fmt_step(self.start_line)}: where the event's evidence begins")
            self.start_line = None
        self._title()

    def _title(self) -> None:
        view = self.view
        where = "following the newest line" if view.following else f"line {fmt_step(view.cursor)}"
        first = f"{fmt_step(view.first)}-" if view.first > 1 else "1-"
        self.query_one("#raw-title", Label).update(
            f"{self.run_name}: raw log, lines {first}{fmt_step(view.last)} · {where}"
        )

    def _say(self, text: str) -> None:
        self.query_one("#raw-status", Label).update(text)

    # -- search --------------------------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#raw-search", Input)
        box.display = True
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        compiled = compile_search(event.value)
        self._hide_input()
        if isinstance(compiled, str):
            self._say(compiled)
            return
        self.view.pattern = compiled
        self.action_next(1)

    def _hide_input(self) -> None:
        self.query_one("#raw-search", Input).display = False
        self.view.focus()

    def action_next(self, direction: int) -> None:
        pattern = self.view.pattern
        if pattern is None:
            self._say("press / to search")
            return
        start = self.view.cursor
        self.run_worker(
            lambda: self._find(pattern, start, direction > 0),
            thread=True,
            exclusive=True,
            group="raw-search",
        )

    def _find(self, pattern: re.Pattern[str], start: int, forward: bool) -> None:
        """Search from ``start``; wrap around once, like a pager."""
        found = self.raw.search(pattern, start, forward)
        wrapped = False
        if found is None:
            edge = self.raw.first_line() - 1 if forward else self.raw.last_line() + 1
            found, wrapped = self.raw.search(pattern, edge, forward), True
        self.app.call_from_thread(self._found, pattern.pattern, found, wrapped)

    def _found(self, text: str, line: int | None, wrapped: bool) -> None:
        if not self.is_attached:
            return
        if line is None:
            self._say(f"/{text}: no match")
            self.view.refresh()
            return
        self.view.go(line)
        note = " (wrapped)" if wrapped else ""
        self._say(f"/{text}: line {fmt_step(line)}{note} · n next, N previous")
        self._title()

    def action_follow(self) -> None:
        self.view.action_follow()
        self._title()

    def action_close(self) -> None:
        """Esc closes the search box first, then the screen."""
        if self.query_one("#raw-search", Input).display:
            self._hide_input()
            return
        self.dismiss()
