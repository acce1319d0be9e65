"""Every key of the app in one place: the Footer, the help screen and the palette read it.

One table means the footer, ``?`` and the command palette can never disagree about what a
key does. Keys shown in the footer are the everyday ones; the rest are in ``?`` help.
"""

from __future__ import annotations

from textual.binding import Binding

from vaetui.core.snapshot import CRITERIA_IDS

#: Criteria with a number key for their detail view (1-9).
DETAIL_KEYS = min(len(CRITERIA_IDS), 9)

ZOOM = Binding.Group("Zoom", compact=True)
PAN = Binding.Group("Pan", compact=True)
RUN = Binding.Group("Run", compact=True)
METRIC = Binding.Group("Metric", compact=True)

BINDINGS: list[Binding] = [
    Binding("q", "quit", "Quit"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("space", "pause", "Pause", key_display="␣", tooltip="Pause / resume following"),
    Binding("m", "metric(1)", "Next metric", group=METRIC, tooltip="Plot the next metric"),
    Binding("M", "metric(-1)", "Previous metric", group=METRIC, tooltip="Plot the previous metric"),
    Binding("l", "log_scale", "Log", tooltip="Toggle a log-scale y axis"),
    Binding("plus,equals_sign", "zoom(1)", "Zoom in", group=ZOOM, key_display="+"),
    Binding("minus", "zoom(-1)", "Zoom out", group=ZOOM, key_display="-"),
    Binding("left", "pan(-1)", "Pan left", group=PAN),
    Binding("right", "pan(1)", "Pan right", group=PAN),
    Binding("o", "overlay", "Overlay", tooltip="Overlay this metric from every run"),
    Binding("1", "detail(1)", "Detail", key_display=f"1-{DETAIL_KEYS}"),
    *(
        Binding(str(n), f"detail({n})", f"Detail {n}", show=False)
        for n in range(2, DETAIL_KEYS + 1)
    ),
    Binding(
        "i",
        "images",
        "Images",
        show=False,
        tooltip="Sample images: newest input and "
        "reconstruction side by side, ←/→ through earlier steps",
    ),
    Binding("e", "focus_events", "Events", show=False, tooltip="Go to the events list"),
    Binding(
        "x",
        "explain",
        "Explain",
        show=False,
        tooltip="What was read from the log, and what was skipped",
    ),
    Binding("f", "follow", "Follow newest (reset zoom)", show=False),
    Binding("left_square_bracket", "run(-1)", "Previous run", group=RUN, key_display="["),
    Binding("right_square_bracket", "run(1)", "Next run", group=RUN, key_display="]"),
]

#: Keys that belong to a widget or to Textual itself, listed in help for completeness.
EXTRA_HELP: list[tuple[str, str]] = [
    ("enter", "on a badge: its detail view · on a metric: plot it · on an event: jump there"),
    ("tab / shift+tab", "move focus between badges, metrics and events"),
    ("← / →", "in a detail view: previous / next criterion"),
    ("esc", "close a detail view or this help"),
    ("ctrl+p", "command palette: every action above, and 'Plot metric …' for any metric"),
]


def help_rows() -> list[tuple[str, str]]:
    """(keys, what they do) for the help screen, in footer order then the extras."""
    rows: list[tuple[str, str]] = []
    for b in BINDINGS:
        if b.action.startswith("detail(") and b.action != "detail(1)":
            continue
        keys = b.key_display or b.key
        description = b.tooltip or b.description
        if b.key == "1":
            description = f"Detail view of criterion 1-{DETAIL_KEYS} (in badge order)"
        rows.append((keys, description))
    return rows + EXTRA_HELP
