"""The detail view of one criterion: why this level, the numbers, the thresholds, the advice.

A ``ModalScreen`` over the dashboard, so the live view keeps running underneath and the
user returns to exactly where they were. It re-renders when a newer snapshot arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from vaetui.core.snapshot import CRITERIA_IDS, CRITERIA_TITLES, Verdict
from vaetui.ui.widgets import SCREENS_CSS
from vaetui.ui.widgets.fmt import clean, fmt_value
from vaetui.ui.widgets.help import ScrollHint
from vaetui.ui.widgets.verdicts import level_class, level_word

if TYPE_CHECKING:
    from vaetui.core.compared import ReferenceReport


def detail_text(verdict: Verdict | None, criterion_id: str, compared: Sequence[str] = ()) -> Text:
    """The body of the detail view as literal text (summaries may quote the log);
    ``compared`` are the core's "compared with the reference" lines."""
    text = Text()
    if verdict is None:
        text.append("No verdict yet: the run has not produced enough data.\n")
        return text
    text.append("Why\n", style="bold")
    text.append(clean(verdict.summary) + "\n\n")
    # What to do comes second: in a short pane it must not sit below the fold.
    text.append("What to do\n", style="bold")
    text.append((clean(verdict.advice) or "—") + "\n\n")
    if compared:
        text.append("Compared with the reference\n", style="bold")
        text.append("".join(f"  {clean(line)}\n" for line in compared) + "\n")
    text.append("Numbers\n", style="bold")
    text.append(f"  value judged: {fmt_value(verdict.value)}\n")
    for name, value in verdict.inputs.items():
        shown = value if isinstance(value, str) else fmt_value(value)
        text.append(f"  {clean(name)}: {clean(shown)}\n")
    text.append("\nThresholds\n", style="bold")
    text.append(f"  {clean(verdict.thresholds) or '—'}")
    return text


class DetailScreen(ModalScreen[None]):
    """One criterion in full; ←/→ walk through the criteria, Esc returns."""

    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "dismiss", "Back"),
        # A modal screen hides the app's keys: the raw log (at the first NaN from the
        # divergence view) is offered here too.
        Binding("L", "app.raw_log", "Raw log"),
        Binding("left", "move(-1)", "Previous", priority=True),
        Binding("right", "move(1)", "Next", priority=True),
    ]

    def __init__(
        self,
        criterion_id: str,
        verdicts: dict[str, Verdict],
        reference: ReferenceReport | None = None,
    ) -> None:
        super().__init__()
        self.criterion_id = criterion_id
        self.verdicts = verdicts
        self.reference = reference

    def compose(self) -> ComposeResult:
        with Vertical(id="detail-box"):
            yield Label("", id="detail-title", markup=False)
            with VerticalScroll(id="detail-scroll"):
                yield Static("", id="detail-body", markup=False)
            yield ScrollHint("←/→ other criteria · L raw log · Esc back", id="detail-hint")

    def on_mount(self) -> None:
        self._render_verdict()
        scroll = self.query_one("#detail-scroll", VerticalScroll)
        scroll.focus()
        self.query_one(ScrollHint).attach(scroll)

    def update_verdicts(
        self, verdicts: dict[str, Verdict], reference: ReferenceReport | None = None
    ) -> None:
        """Show the newest numbers (called by the app when a snapshot is applied)."""
        self.verdicts = verdicts
        self.reference = reference
        self._render_verdict()

    def _render_verdict(self) -> None:
        verdict = self.verdicts.get(self.criterion_id)
        level = verdict.level if verdict else "pending"
        title = self.query_one("#detail-title", Label)
        for lv in ("excellent", "ok", "watch", "bad", "pending", "n/a"):
            title.set_class(lv == level, level_class(lv))
        name = CRITERIA_TITLES.get(self.criterion_id, self.criterion_id)
        title.update(f"{name}: {level_word(level)}")
        compared = self.reference.lines_for(self.criterion_id) if self.reference else ()
        body = detail_text(verdict, self.criterion_id, compared)
        self.query_one("#detail-body", Static).update(body)

    def action_move(self, delta: int) -> None:
        i = CRITERIA_IDS.index(self.criterion_id) if self.criterion_id in CRITERIA_IDS else 0
        self.criterion_id = CRITERIA_IDS[(i + delta) % len(CRITERIA_IDS)]
        self._render_verdict()
