"""Pilot tests of the screens a user keeps open all day, at 80x24, 120x40 and 60x20.

The raw log (``L``) with search and jumps from events, the events list (pinned, folded,
filtered, full screen when compact), help and detail screens that fit or say they scroll,
a footer that fits, fields that do not move, and a plot whose axes read like a person's.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import Footer

from tests.support.apps import static_app
from tests.support.snapshots import make_snapshot, write_sim
from vaetui.core.snapshot import Event
from vaetui.ui.app import VaeApp
from vaetui.ui.messages import FollowStatus, SnapshotUpdated
from vaetui.ui.widgets.detail import DetailScreen
from vaetui.ui.widgets.events import EventsList, EventsScreen
from vaetui.ui.widgets.fmt import fmt_tick, nice_ticks
from vaetui.ui.widgets.help import HelpScreen, ScrollHint
from vaetui.ui.widgets.plot import MetricPlot, PlotLegend
from vaetui.ui.widgets.rawlog import RawLogScreen, RawLogView
from vaetui.ui.widgets.status import StatusBar
from vaetui.ui.widgets.verdicts import VerdictBadge

SIZES = [(80, 24), (120, 40), (60, 20)]


def sync(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


def screen_text(app: VaeApp) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


async def settle(pilot: Pilot[int]) -> None:
    """Let workers (raw log indexing, search) finish and the screen repaint."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


@pytest.fixture(scope="module")
def diverge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sim(tmp_path_factory.mktemp("logs") / "diverge.log", "diverge")


def flips(n: int) -> tuple[Event, ...]:
    levels = ("ok", "excellent")
    out = []
    for i in range(n):
        a, b = levels[i % 2], levels[(i + 1) % 2]
        out.append(Event(100.0 + 10 * i, 10 + i, "verdict", f"B: {a} -> {b} (x)", "balance", a, b))
    return tuple(out)


# -- raw log -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_raw_log_follows_searches_and_closes(diverge: Path, size: tuple[int, int]) -> None:
    app = static_app(diverge)
    total = len(diverge.read_bytes().splitlines())
    async with app.run_test(size=size) as pilot:
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, RawLogScreen)
        view = app.screen.query_one(RawLogView)
        assert view.last == total and view.cursor == total and view.following
        assert "training finished" in screen_text(app)  # the newest line is on screen
        await pilot.press("slash")
        await pilot.press(*"loss=nan")
        await pilot.press("enter")
        await settle(pilot)
        first = view.cursor
        assert "loss=nan" in view.text_of(first) and not view.following
        assert f"line {first:,}" in screen_text(app) and "loss=nan" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert view.cursor == first + 1
        await pilot.press("N")
        await settle(pilot)
        assert view.cursor == first
        await pilot.press("home")
        assert view.cursor == 1
        await pilot.press("end")
        assert view.following and view.cursor == total
        await pilot.press("escape")
        assert not isinstance(app.screen, RawLogScreen)


@sync
async def test_bad_regex_is_one_sentence(diverge: Path) -> None:
    app = static_app(diverge)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("L", "slash", "(", "enter")
        await settle(pilot)
        assert "not a regular expression" in screen_text(app)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_raw_log_opens_at_an_events_line(diverge: Path, size: tuple[int, int]) -> None:
    app = static_app(diverge)
    async with app.run_test(size=size) as pilot:
        await pilot.press("e")
        events = app.screen.query_one(EventsList)
        assert events.has_focus
        nan = next(i for i, r in enumerate(events.rows) if r.kind == "nan")
        events.highlighted = nan
        line = events.rows[nan].line
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, RawLogScreen)
        view = app.screen.query_one(RawLogView)
        assert line is not None and view.cursor == line
        assert "inf" in view.text_of(line) or "nan" in view.text_of(line)


@sync
async def test_divergence_detail_opens_the_raw_log_at_the_first_nan(diverge: Path) -> None:
    app = static_app(diverge)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("L")
        await settle(pilot)
        view = app.screen.query_one(RawLogView)
        nan = next(e for e in app.feeds[0].snapshot.events if e.kind == "nan")
        assert view.cursor == nan.line


# -- events list ---------------------------------------------------------------------------


@sync
async def test_events_list_grows_with_the_terminal(diverge: Path) -> None:
    heights = []
    for size in ((80, 24), (120, 40)):
        app = static_app(diverge)
        async with app.run_test(size=size):
            heights.append(app.query_one(EventsList).region.height)
    assert heights[0] >= 4 and heights[1] >= 1.5 * heights[0]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_events_keys(diverge: Path, size: tuple[int, int]) -> None:
    app = static_app(diverge)
    async with app.run_test(size=size) as pilot:
        snap = app.feeds[0].snapshot
        folded = make_snapshot(events=(*snap.events, *flips(13)))
        app.post_message(SnapshotUpdated(0, folded, FollowStatus("following", "inotify")))
        await pilot.pause(1.3)
        await pilot.press("e")
        if size == (60, 20):
            assert isinstance(app.screen, EventsScreen)  # no room on the dashboard
        events = app.screen.query_one(EventsList)
        assert events.has_focus
        kinds = [r.kind for r in events.rows]
        assert kinds.index("verdict") > max(i for i, k in enumerate(kinds) if k != "verdict")
        await pilot.press("end")
        assert events.highlighted == len(events.rows) - 1
        await pilot.pause()
        assert "Balance ok↔excellent ×13" in screen_text(app)  # the folded row, in view
        await pilot.press("home")
        assert events.highlighted == 0
        await pilot.press("v")
        assert all(r.pinned for r in events.rows)
        await pilot.press("v")
        assert [r.text for r in events.rows] == ["Balance ok↔excellent ×13, now excellent"]
        await pilot.press("v", "home", "enter")
        await pilot.pause()
        assert app.screen is app._main  # the full-screen list closes on a jump
        assert app.query_one(MetricPlot).view.mark == events.rows[0].step


@sync
async def test_long_messages_wrap_instead_of_being_cut(diverge: Path) -> None:
    app = static_app(diverge)
    async with app.run_test(size=(80, 24)) as pilot:
        long = "Perception: ok -> excellent (perception EMA 0.0296 is below 0.1, the healthy band)"
        snap = make_snapshot(events=(Event(5.0, 1, "spike", long),))
        app.post_message(SnapshotUpdated(0, snap, FollowStatus("following", "inotify")))
        await pilot.pause(1.3)
        text = screen_text(app)
        assert "healthy band)" in text


# -- help, detail, footer ------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_help_fits_or_says_it_scrolls(diverge: Path, size: tuple[int, int]) -> None:
    app = static_app(diverge)
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        hint = app.screen.query_one(ScrollHint)
        text = screen_text(app)
        if size[1] >= 24:
            assert "ctrl+p" in text and "more" not in str(hint.content)
        else:
            assert "more" in str(hint.content) and "more" in text
            for _ in range(15):
                await pilot.press("down")
            await pilot.pause()
            assert "ctrl+p" in screen_text(app) and "more" not in str(hint.content)
        assert "q" in text.splitlines()[1]  # the key column stays


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_detail_shows_what_to_do_above_the_fold(diverge: Path, size: tuple[int, int]) -> None:
    app = static_app(diverge)
    async with app.run_test(size=size) as pilot:
        await pilot.press("7")
        await pilot.pause()
        text = screen_text(app)
        assert "What to do" in text and "restore the last good checkpoint" in text
        await pilot.press("left")
        assert app.screen.criterion_id == "perception"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@sync
async def test_footer_fits_with_the_everyday_keys_first(
    diverge: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    other = write_sim(tmp_path / "b.log", "healthy", steps=500)
    for paths in ((diverge,), (diverge, other)):
        app = static_app(*paths)
        async with app.run_test(size=size) as pilot:
            bar = app.screen.query_one(Footer)
            for _ in range(100):  # the footer fills in once the bindings are known
                if "Detail" in screen_text(app).splitlines()[-1] and bar.children:
                    break
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            footer = screen_text(app).splitlines()[-1]
            for word in ("Quit", "Help", "Raw log", "Events", "Plot", "Detail"):
                assert word in footer, footer
            if len(paths) > 1:
                assert "Run" in footer
                assert "[1/2] diverge.log" in screen_text(app) or size[0] < 80
            right = max(w.region.right for w in bar.walk_children() if w.region.width)
            assert right <= bar.region.right and bar.max_scroll_x == 0  # nothing cut off


# -- fields that do not move, numbers that read right -------------------------------------


@sync
async def test_status_fields_keep_their_place(diverge: Path) -> None:
    app = static_app(diverge)
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(StatusBar)
        snap = make_snapshot(file="diverge.log")
        live = FollowStatus("following", "inotify")
        app.post_message(SnapshotUpdated(0, snap, live))
        await pilot.pause(0.5)
        top = screen_text(app).splitlines()[0]
        assert "st/s" in top and "ago" in top
        age_x = top.index(bar.fields.age)
        # The pace gone: the age stays where it was.
        app.post_message(SnapshotUpdated(0, replace(snap, steps_per_second=None), live))
        await pilot.pause(0.5)
        top = screen_text(app).splitlines()[0]
        assert "st/s" not in top and top.index(bar.fields.age) == age_x


@sync
async def test_badge_word_stays_put_and_values_read_like_the_panes(diverge: Path) -> None:
    app = static_app(diverge)
    async with app.run_test(size=(80, 24)) as pilot:
        badge = app.query_one("#badge-divergence", VerdictBadge)
        assert re.search(r"BAD +step 2,400$", badge.render().plain)
        places = set()
        for level in ("excellent", "ok", "watch", "bad", "pending"):
            badge.show(level, 2400.0)
            await pilot.pause()
            places.add(badge.render().plain.index(level.upper()))
        assert len(places) == 1
        perception = app.query_one("#badge-perception", VerdictBadge)
        value = app.feeds[0].snapshot.verdict("perception").value
        from vaetui.ui.widgets.fmt import fmt_value

        assert perception.render().plain.endswith(fmt_value(value))
        for b in app.query(VerdictBadge):  # a space between the level word and the value
            plain = b.render().plain
            word = b.level.upper()
            after = plain[plain.index(word) + len(word) :]
            assert after == "" or after.startswith(" ")


def test_ticks_are_round_integers_with_suffixes() -> None:
    assert [fmt_tick(t, 5000) for t in nice_ticks(10, 20000, 5)] == [
        "5k",
        "10k",
        "15k",
        "20k",
    ]
    assert [fmt_tick(t, 500_000) for t in nice_ticks(0, 1.7e6, 5)] == ["0", "500k", "1M", "1.5M"]
    assert nice_ticks(0.1, 0.1, 3) == [0.1]
    assert all(float(t).is_integer() for t in nice_ticks(10, 75855, 4))


@sync
async def test_plot_axis_covers_the_run_and_a_flat_series_is_flat(tmp_path: Path) -> None:
    app = static_app(write_sim(tmp_path / "h.log", "healthy", steps=500))
    async with app.run_test(size=(80, 24)) as pilot:
        n = 400
        metrics = {"total_loss": np.linspace(1, 0.2, n), "lr": np.full(n, 0.1)}
        snap = make_snapshot(metrics=metrics)
        app.post_message(SnapshotUpdated(0, snap, FollowStatus("following", "inotify")))
        await pilot.pause(1.3)
        plot = app.query_one(MetricPlot)
        ticks = next(ln for ln in screen_text(app).splitlines() if " 1k " in ln)
        assert ticks.split()[-4:] == ["0", "1k", "2k", "3k"]  # round, no decimals
        app.select_metric("lr")
        await pilot.pause()
        text = screen_text(app)
        assert "0.1" in text and "0000000" not in text
        assert plot.data.metric == "lr"


@sync
async def test_overlay_colours_are_distinct_and_in_run_order(tmp_path: Path) -> None:
    paths = [
        write_sim(tmp_path / f"{n}.log", s, steps=800)
        for n, s in (("a", "healthy"), ("b", "collapse"), ("c", "restart"))
    ]
    app = static_app(*paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right_square_bracket", "right_square_bracket", "o")
        await pilot.pause(0.3)
        legend = app.query_one(PlotLegend)
        items = app.query_one(MetricPlot).legend_items()
        names = [i.text for i in items]
        assert names[:4] == ["a.log", "b.log", "c.log", "EMA"]
        colours = [i.rgb for i in items[:4]]
        assert len(set(colours)) == 4
        assert "restart" in names  # the current run's restart is marked and explained
        assert "a.log" in str(legend.render())
