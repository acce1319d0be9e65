"""Verdict badges: one per criterion plus the overall verdict, readable without colour.

A badge's level is a reactive that becomes a CSS class (``-excellent``, ``-ok``, ``-watch``,
``-bad``, ``-pending``, ``-na``), so colours live in the stylesheet and follow the theme;
the level WORD is always printed too, for colour-blind users and monochrome terminals.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.reactive import reactive
from textual.widget import Widget

from vaetui.core.alerts.model import is_news
from vaetui.core.snapshot import (
    ALL_LEVELS,
    CRITERIA_IDS,
    CRITERIA_TITLES,
    SEED_CRITERIA,
    Snapshot,
    Verdict,
)
from vaetui.ui.messages import CriterionChosen
from vaetui.ui.widgets.fmt import fit_step, fit_value, fmt_age, fmt_step

OVERALL = "overall"
#: A badge whose level changed blinks this many times, this many seconds apart.
FLASHES, FLASH_PERIOD = 4, 0.5
#: Criteria whose judged value is a fraction, shown as a percentage.
PERCENT = frozenset({"kl_share", "kl_trend", "balance"})
#: Characters a badge keeps for its number (``0.0296``, ``-4.13%``).
VALUE_ROOM = 6
#: Below this many cells for the number, a badge drops the number and shortens its title,
#: never its level word.
MIN_VALUE_CELLS = 5


def level_class(level: str) -> str:
    """The CSS class for a level: ``n/a`` becomes ``-na``."""
    return "-" + level.replace("/", "")


def level_word(level: str) -> str:
    """The word on a badge: ``EXCELLENT``, ``OK``, ``WATCH``, ``BAD``, ``PENDING``, ``N/A``."""
    return level.upper()


class VerdictBadge(Widget, can_focus=True):
    """``Title  LEVEL  value`` for one criterion; Enter opens its detail view."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "choose", "Detail", show=False)]

    level: reactive[str] = reactive("pending")
    value: reactive[float | None] = reactive(None)

    def __init__(
        self, criterion_id: str, title: str, level: str = "pending", value: float | None = None
    ) -> None:
        level = level if level in ALL_LEVELS else "pending"
        # Born with its level's class: no restyle when the first picture shows the same.
        super().__init__(id=f"badge-{criterion_id}", classes=f"badge {level_class(level)}")
        self.set_reactive(VerdictBadge.level, level)
        self.set_reactive(VerdictBadge.value, value)
        self.criterion_id = criterion_id
        self.title_text = title
        #: Width of the title field (set by the panel so words line up in a column).
        self.title_width = len(title) + 1
        self._blinks = 0

    def flash(self) -> None:
        """Blink (class ``-flash`` on and off) to show that the level just changed."""
        if self._blinks <= 0:
            self.set_interval(FLASH_PERIOD / 2, self._blink, repeat=FLASHES * 2)
        self._blinks = FLASHES * 2
        self.add_class("-flash")

    def _blink(self) -> None:
        self._blinks -= 1
        self.set_class(self._blinks > 0 and self._blinks % 2 == 0, "-flash")

    def watch_level(self, old: str, new: str) -> None:
        # Each restyle re-applies the stylesheet to the badge: one per change of level, none
        # for the call Textual makes at mount (old == new, the class set in ``__init__``).
        if old != new:
            self.remove_class(level_class(old), update=False)
            self.add_class(level_class(new))

    def show(self, level: str, value: float | None) -> None:
        """Set the level and the number judged; a number that would read the same on the
        badge is stored without a refresh, so a live run's badges are redrawn only when
        their text changes."""
        self.level = level if level in ALL_LEVELS else "pending"
        if self.value is None or value is None or not self.size.width:
            self.value = value
            return
        title_width = max(self.title_width, len(self.title_text) + 1)
        room = max(self.size.width - title_width - len(level_word(self.level)) - 1, 0)
        if self._value_text(room, value) != self._value_text(room, self.value):
            self.value = value
        else:  # kept for the next redraw (a resize), without one now
            self.set_reactive(VerdictBadge.value, value)

    def render(self) -> Text:
        # "Title  LEVEL  value": the title field is fixed per badge (``title_width``), so
        # the level word starts at the same column whatever the level; the value is
        # right-aligned after at least one space. The padding belongs to the word's
        # segment, so no renderer can drop the space between word and value.
        word = level_word(self.level)
        if self.size.width < len(self.title_text) + len(word) + 1 + MIN_VALUE_CELLS:
            return self._render_tight(word)
        title_width = max(self.title_width, len(self.title_text) + 1)
        room = max(self.size.width - title_width - len(word) - 1, 0)
        value = self._value_text(room)
        text = Text(f"{self.title_text:<{title_width}}", no_wrap=True, overflow="ellipsis")
        pad = room - len(value) + 1 if value else 0
        text.append(word + " " * pad, style="bold")
        text.append(value)
        return text

    def _render_tight(self, word: str) -> Text:
        """A pane too narrow for the number: the level word first, then as much title as fits."""
        room = self.size.width - len(word) - 1
        title = self.title_text[: max(room, 0)].rstrip()
        text = Text(f"{title} " if title else "", no_wrap=True, overflow="ellipsis")
        text.append(word, style="bold")
        return text

    def _value_text(self, room: int, value: float | None = None) -> str:
        """The judged number (``value``, else the badge's) as the panes write it
        (``fmt_value``), fewer digits only when it cannot fit; the divergence badge says
        where ("step 2,400") or how much ("12x")."""
        v = self.value if value is None else value
        if v is None or room <= 0:
            return ""
        if self.criterion_id == "stall" and math.isfinite(v):
            return fmt_age(v)
        if self.criterion_id == "divergence":
            if self.level == "bad":
                text = f"step {fmt_step(v)}"
                return text if len(text) <= room else fit_step(v, room)
            return f"{v:.0f}x" if self.level == "watch" and math.isfinite(v) else ""
        if self.criterion_id in PERCENT and math.isfinite(v):
            return fit_value(v * 100, room - 1) + "%"
        return fit_value(v, room)

    def action_choose(self) -> None:
        self.post_message(CriterionChosen(self.criterion_id))

    def on_click(self) -> None:
        self.action_choose()


class VerdictPanel(Grid):
    """All eight criteria in their fixed order, then the overall verdict.

    A badge blinks when the core reports a change of its criterion that is news (see
    ``vaetui.core.alerts.is_news``); changes are numbered, so each blinks once.
    """

    def __init__(self, *args: Any, snapshot: Snapshot | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen: dict[str, int] = {}
        #: The picture the badges are made with (the first screen's, when known then).
        self._initial = snapshot

    def compose(self) -> ComposeResult:
        verdicts = _by_id(self._initial)
        for cid in CRITERIA_IDS:
            badge = VerdictBadge(cid, CRITERIA_TITLES[cid], *_reading(self._initial, verdicts, cid))
            # The seed's criteria come first; the others (VAE-GAN, images) are "-extra":
            # hidden while n/a, and in the compact layout unless they warn.
            yield badge.set_class(cid not in SEED_CRITERIA, "-extra")
        yield VerdictBadge(OVERALL, "Overall", *_reading(self._initial, verdicts, OVERALL))

    def on_resize(self) -> None:
        self.align_titles()

    def align_titles(self) -> None:
        """Pad the titles of one grid column to the same width, so the level words of a
        column line up, unless that would leave a badge too little room for its number."""
        columns = self.styles.grid_size_columns or 3
        badges = list(self.query(VerdictBadge))
        for col in range(columns):
            group = badges[col::columns]
            widest = max((len(b.title_text) for b in group), default=0) + 1
            for b in group:
                room = b.size.width - widest - len("EXCELLENT") - 1
                b.title_width = widest if room >= VALUE_ROOM else len(b.title_text) + 1
                b.refresh()

    def show(self, snapshot: Snapshot | None) -> None:
        """Update every badge from ``snapshot`` (all pending when there is none yet)."""
        verdicts = _by_id(snapshot)
        for badge in self.query(VerdictBadge):
            badge.show(*_reading(snapshot, verdicts, badge.criterion_id))
        if snapshot is not None and snapshot.changes:
            self._flash_changes(snapshot)

    def _flash_changes(self, snapshot: Snapshot) -> None:
        seen = self._seen.get(snapshot.file, 0)
        self._seen[snapshot.file] = snapshot.changes[-1].seq
        for change in snapshot.changes:
            if change.seq > seen and is_news(change):
                for badge in self.query(VerdictBadge):
                    if badge.criterion_id == change.criterion:
                        badge.flash()


def _by_id(snapshot: Snapshot | None) -> dict[str, Verdict]:
    return {v.id: v for v in snapshot.criteria} if snapshot else {}


def _reading(
    snapshot: Snapshot | None, verdicts: dict[str, Verdict], criterion_id: str
) -> tuple[str, float | None]:
    """What the badge of ``criterion_id`` shows for ``snapshot``: its level and number."""
    if criterion_id == OVERALL:
        return (snapshot.overall if snapshot else "pending"), None
    v = verdicts.get(criterion_id)
    return (v.level, v.value) if v is not None else ("pending", None)
