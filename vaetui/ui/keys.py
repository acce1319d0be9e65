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
METRIC = Binding.Group("Plot", compact=True)

BINDINGS: list[Binding] = [
    # Shown in the footer, most useful first; it must fit in 60 columns.
    Binding("q", "quit", "Quit"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("L", "raw_log", "Raw log", tooltip="Show raw log: the log's own lines, with search"),
    Binding("e", "events", "Events", tooltip="Go to the events list (full screen when compact)"),
    Binding("m", "metric(1)", "Next metric", group=METRIC, tooltip="Plot the next metric"),
    Binding("M", "metric(-1)", "Previous metric", group=METRIC, tooltip="Plot the previous metric"),
    Binding("1", "detail(1)", "Detail", key_display=f"1-{DETAIL_KEYS}"),
    Binding("left_square_bracket", "run(-1)", "Previous run", group=RUN, key_display="["),
    Binding("right_square_bracket", "run(1)", "Next run", group=RUN, key_display="]"),
    # In ? help and the palette only.
    Binding(
        "space", "pause", "Pause", show=False, key_display="␣", tooltip="Pause / resume following"
    ),
    Binding("o", "overlay", "Overlay", show=False, tooltip="Overlay this metric from every run"),
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
    Binding(
        "x",
        "explain",
        "Explain",
        show=False,
        tooltip="What was read from the log, and what was skipped",
    ),
    Binding("l", "log_scale", "Log scale", show=False, tooltip="Toggle a log-scale y axis"),
    Binding("plus,equals_sign", "zoom(1)", "Zoom in", show=False, group=ZOOM, key_display="+"),
    Binding("minus", "zoom(-1)", "Zoom out", show=False, group=ZOOM, key_display="-"),
    Binding("left", "pan(-1)", "Pan left", show=False, group=PAN, key_display="←"),
    Binding("right", "pan(1)", "Pan right", show=False, group=PAN, key_display="→"),
    Binding(
        "f", "follow", "Follow newest", show=False, tooltip="Follow the newest step (reset zoom)"
    ),
]

#: One help row per group of keys: (keys, what they do), shown as written.
GROUP_HELP: dict[str, tuple[str, str]] = {
    "Plot": ("m / M", "plot the next / previous metric"),
    "Run": ("[ / ]", "previous / next run (several logs)"),
    "Zoom": ("+ / -", "zoom the plot in / out"),
    "Pan": ("← / →", "pan the plot (in a detail view: other criteria)"),
}

#: Keys that belong to a widget or a screen, listed in help for completeness.
EXTRA_HELP: list[tuple[str, str]] = [
    ("enter", "badge: its detail · metric: plot it · event: jump the plot there"),
    ("tab", "move focus between badges, metrics and events"),
    ("v  home/end", "events: filter all / pinned / verdicts · first / last event"),
    ("/  n / N", "raw log: search a regex, next / previous match"),
    ("ctrl+p", "command palette: every action, 'Plot metric …' for any metric"),
]


def help_rows() -> list[tuple[str, str]]:
    """(keys, what they do) for the help screen, in footer order then the extras.

    Keys of one group (``m``/``M``, ``+``/``-`` ...) share a row, and ``1``-``8`` is one row.
    """
    rows: list[tuple[str, str]] = []
    groups_done: set[str] = set()
    for b in BINDINGS:
        if b.action.startswith("detail(") and b.action != "detail(1)":
            continue
        if b.group is not None and b.group.description in GROUP_HELP:
            if b.group.description not in groups_done:
                groups_done.add(b.group.description)
                rows.append(GROUP_HELP[b.group.description])
            continue
        keys = b.key_display or b.key
        description = b.tooltip or b.description
        if b.key == "1":
            description = f"detail view of criterion 1-{DETAIL_KEYS} (in badge order)"
        rows.append((keys, description))
    return rows + EXTRA_HELP


def palette_title(binding: Binding) -> str:
    """A binding's name in the command palette, in the product's words."""
    if binding.action.startswith("detail("):
        from vaetui.core.snapshot import CRITERIA_IDS, CRITERIA_TITLES

        number = int(binding.action[len("detail(") : -1])
        return f"Detail: {CRITERIA_TITLES[CRITERIA_IDS[number - 1]]}"
    return {"raw_log": "Show raw log", "events": "Show events"}.get(
        binding.action, binding.description
    )
