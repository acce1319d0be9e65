"""The ``?`` screen: every key and what it does, generated from the one key table."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from vaetui.ui.keys import help_rows


class HelpScreen(ModalScreen[None]):
    """A table of keys over the dashboard; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Back")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Label("vaetui keys  (Esc to close)", id="help-title")
            table: DataTable[str] = DataTable(id="help-table", cursor_type="none")
            yield table

    def on_mount(self) -> None:
        from rich.text import Text

        table = self.query_one(DataTable)
        table.add_columns("key", "action")
        for keys, description in help_rows():
            table.add_row(Text(keys, style="bold"), Text(description))
