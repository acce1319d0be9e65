"""Pilot tests of the TUI: keys do what the footer says, files on disk drive the badges.

Static tests read a fixed simulated log to its end (``follow=False``) for exact assertions;
the live tests follow a real file with the real follower thread and wait for the screen.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
from textual.pilot import Pilot

from tests.support.apps import static_app
from tests.support.snapshots import FIXED_NOW, make_snapshot, write_sim
from vaetui.core.metrics import metric_order
from vaetui.core.snapshot import CRITERIA_IDS, Event
from vaetui.core.stats import minmax_thin
from vaetui.ui.app import VaeApp, build_app
from vaetui.ui.emacache import EmaCache
from vaetui.ui.keys import BINDINGS, palette_title
from vaetui.ui.messages import FollowStatus, SnapshotUpdated
from vaetui.ui.palette import MetricCommands
from vaetui.ui.view import PlotView
from vaetui.ui.widgets.detail import DetailScreen
from vaetui.ui.widgets.events import EventsList
from vaetui.ui.widgets.fmt import arrow, clean, fmt_value
from vaetui.ui.widgets.help import HelpScreen
from vaetui.ui.widgets.metrics import MetricList
from vaetui.ui.widgets.plot import MetricPlot
from vaetui.ui.widgets.verdicts import VerdictBadge


def sync(fn: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio (no pytest-asyncio plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


def screen_text(app: VaeApp) -> str:
    """What the terminal shows, as plain text (one line per row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


async def wait_for(pilot: Pilot[int], cond: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until ``cond()`` holds (live tests depend on a follower thread)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time:\n" + screen_text(pilot.app))
        await pilot.pause(0.05)


# -- pure helpers ------------------------------------------------------------------------


def test_helpers_format_and_thin() -> None:
    assert fmt_value(None) == "—" and fmt_value(float("nan")) == "nan"
    assert fmt_value(0.0069) == "0.0069" and fmt_value(511.04) == "511"
    assert arrow("rising") == "↑" and arrow("falling") == "↓" and arrow("flat") == "→"
    assert clean("a\x1b[31mb") == "a?[31mb"
    assert metric_order(["lr", "kl_loss", "total_loss", "a"]) == [
        "total_loss",
        "kl_loss",
        "a",
        "lr",
    ]
    values = np.ones(10_000)
    values[5_123] = 1e6
    xs, ys = minmax_thin(np.arange(10_000.0), values, 50)
    assert xs[np.argmax(ys)] == 5_123
    assert len(ys) <= 100 and ys.max() == 1e6  # the spike survives thinning


def test_ema_cache_extends_like_a_full_recompute() -> None:
    from vaetui.core.stats import ema_series

    rng = np.random.default_rng(0)
    values = rng.random(5_000)
    cache = EmaCache(0.1)
    cache.get("k", values[:3_000])
    np.testing.assert_allclose(cache.get("k", values), ema_series(values, 0.1), rtol=1e-9)


def test_plot_view_zoom_pan_follow() -> None:
    view = PlotView()
    assert view.window(0, 1000) == (0, 1000)
    view.zoom_in()
    assert view.window(0, 1000) == (500, 1000)  # zoomed, still following the newest
    view.pan(-1, 0, 1000)
    assert view.window(0, 1000) == (375, 875)
    view.pan(1, 0, 1000)
    assert view.center is None  # back at the newest end: following again
    view.jump(100)
    lo, hi = view.window(0, 1000)
    assert lo <= 100 <= hi and view.mark == 100
    view.reset()
    assert view.window(0, 1000) == (0, 1000)


def test_every_binding_has_an_action() -> None:
    for binding in BINDINGS:
        name = binding.action.split("(")[0]
        assert hasattr(VaeApp, f"action_{name}"), binding.action


# -- keys on a finished log ---------------------------------------------------------------


@sync
async def test_keys_do_what_the_footer_says(healthy: Path) -> None:
    app = static_app(healthy)
    async with app.run_test(size=(80, 24)) as pilot:
        plot = app.query_one(MetricPlot)
        text = screen_text(app)
        for cid in CRITERIA_IDS:  # every badge with its level word
            badge = app.query_one(f"#badge-{cid}", VerdictBadge)
            assert badge.level.upper() in text
        assert app.selected == "total_loss"
        await pilot.press("m")
        assert app.selected == "rec_loss" and plot.data.metric == "rec_loss"
        await pilot.press("M")
        assert app.selected == "total_loss"
        await pilot.press("l")
        assert plot.log_scale
        await pilot.press("plus")
        assert plot.view.zoom == 1
        await pilot.press("left")
        assert plot.view.center is not None
        await pilot.press("f")
        assert plot.view.zoom == 0 and plot.view.center is None
        await pilot.press("minus")
        assert plot.view.zoom == 0
        await pilot.press("space")
        assert app.throttle.paused and "PAUSED" in screen_text(app)
        await pilot.press("space")
        assert not app.throttle.paused
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("1")
        assert isinstance(app.screen, DetailScreen) and app.screen.criterion_id == "kl_zone"
        await pilot.press("right")
        assert app.screen.criterion_id == "kl_trend"
        await pilot.press("escape")
        await pilot.press("8")
        assert isinstance(app.screen, DetailScreen) and app.screen.criterion_id == "stall"
        await pilot.press("escape")
        await pilot.press("q")
    assert app.return_code == 0


@sync
async def test_enter_on_badge_and_on_event(healthy: Path) -> None:
    app = static_app(healthy)
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#badge-rec_range", VerdictBadge).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen) and app.screen.criterion_id == "rec_range"
        await pilot.press("escape")
        events = (Event(1200.0, 120, "spike", "kl_loss 9000 is 18x its EMA"),)
        snap = make_snapshot(events=events)
        app.post_message(SnapshotUpdated(0, snap, FollowStatus("following", "inotify")))
        await pilot.pause(1.2)  # the events list redraws at most once a second
        await pilot.press("e")
        assert isinstance(app.focused, EventsList)
        await pilot.press("enter")
        assert app.query_one(MetricPlot).view.mark == 1200.0


@sync
async def test_palette_offers_actions_and_every_metric(healthy: Path) -> None:
    app = static_app(healthy)
    async with app.run_test(size=(80, 24)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for binding in BINDINGS:
            assert palette_title(binding) in titles
        assert {"Detail: KL zone", "Detail: Stall", "Show raw log"} <= set(titles)
        assert not any(t.startswith("Detail ") and t[-1].isdigit() for t in titles)
        provider = MetricCommands(app.screen)
        hits = [hit async for hit in provider.search("g_loss")]
        assert any(hit.text == "Plot metric g_loss" for hit in hits)
        app.select_metric("g_loss")
        assert app.query_one(MetricPlot).data.metric == "g_loss"


@sync
async def test_thousands_of_metrics_are_paged(healthy: Path) -> None:
    metrics = {f"m{i:04d}": np.arange(20.0) for i in range(2000)}
    app = static_app(healthy)
    async with app.run_test(size=(80, 24)) as pilot:
        snap = make_snapshot(metrics=metrics)
        app.post_message(SnapshotUpdated(0, snap, FollowStatus("following", "inotify")))
        await pilot.pause(0.3)
        app.select_metric("m1500")
        await pilot.pause()
        shown = [p.metric for p in app.query(".pane") if p.display]
        assert "m1500" in shown and len(shown) <= 8
        assert "of 2000" in screen_text(app)


@sync
async def test_hostile_text_renders_literally(tmp_path: Path) -> None:
    hostile = "[bold red]BOOM[/] \x1b[31mred\x1b[0m"
    app = build_app([str(tmp_path / "[red]x.log")], follow=False, clock=lambda: FIXED_NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        snap = make_snapshot(
            metrics={"[b]name[/b]": np.arange(30.0), "rec_loss": np.ones(30)},
            events=(Event(10.0, 1, "nan", hostile),),
            file=hostile,
        )
        app.post_message(SnapshotUpdated(0, snap, FollowStatus("following", hostile)))
        await pilot.pause(1.3)  # the plot, panes and events redraw at most once a second
        text = screen_text(app)
        assert "[bold red]BOOM[/]" in text
        assert "[b]name[/b]" in text
        assert "[red]x.log" in text
        assert "\x1b" not in text


@sync
async def test_bursts_are_coalesced(healthy: Path) -> None:
    app = static_app(healthy)
    async with app.run_test(size=(80, 24)) as pilot:
        applied: list[int] = []
        original = app._apply
        app.throttle._apply = lambda pending: (applied.append(1), original(pending))  # type: ignore[assignment]
        snap = make_snapshot()
        for _ in range(200):
            app.post_message(SnapshotUpdated(0, snap, FollowStatus("following", "inotify")))
        await pilot.pause(0.5)
        assert 1 <= len(applied) <= 4
        assert app.throttle._timer is None  # nothing pending: no timer left running


@sync
async def test_compact_layout_at_60x20(healthy: Path) -> None:
    app = static_app(healthy)
    async with app.run_test(size=(60, 20)):
        assert app.screen.has_class("-compact")
        assert not app.query_one(EventsList).display or not app.query_one(EventsList).region.height
        assert "BAD" in screen_text(app) or "EXCELLENT" in screen_text(app)


@sync
async def test_several_runs_switch_and_overlay(healthy: Path, tmp_path: Path) -> None:
    other = write_sim(tmp_path / "collapse.log", "collapse")
    app = static_app(healthy, other)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "[1/2] healthy.log" in screen_text(app)
        await pilot.press("right_square_bracket")
        assert app.current == 1 and "[2/2] collapse.log" in screen_text(app)
        await pilot.press("o")
        assert app.query_one(MetricPlot).data.overlay


# -- live: a real file growing on disk --------------------------------------------------


def _lines(scenario: str, tmp_path: Path, steps: int = 3000) -> list[str]:
    source = write_sim(tmp_path / f"src-{scenario}.log", scenario, steps)
    return source.read_text().splitlines(keepends=True)


@sync
async def test_appended_lines_update_the_screen(tmp_path: Path) -> None:
    lines = _lines("healthy", tmp_path)
    log = tmp_path / "train.log"
    log.write_text("".join(lines[:100]))
    app = build_app([str(log)])
    async with app.run_test(size=(80, 24)) as pilot:
        feed = app.feeds[0]
        await wait_for(pilot, lambda: feed.snapshot is not None and feed.snapshot.records > 0)
        first = feed.snapshot.last_step
        with log.open("a") as fh:
            fh.write("".join(lines[100:250]))
        await wait_for(pilot, lambda: feed.snapshot.last_step > first)
        assert f"step {int(feed.snapshot.last_step):,}" in screen_text(app)
        assert "LIVE" in screen_text(app)


DASHBOARD_PARTS = ("status", "progress", "waiting", "verdicts", "body")


@sync
async def test_a_following_app_mounts_the_panes_after_its_first_screen(tmp_path: Path) -> None:
    """The first screen is the status line and the badges; the panes, the plot, the events
    list and the keys line come after it, and the keys that act on them wait for them."""
    log = tmp_path / "train.log"
    log.write_text("".join(_lines("healthy", tmp_path)[:300]))
    app = build_app([str(log)])
    assert app.check_action("metric", (1,)) is False  # nothing to step through yet
    assert app.check_action("help", ()) is True
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.check_action("metric", (1,)) is True)
        assert app.screen.query(MetricPlot)  # the keys came with what they act on
        metrics = app.query_one(MetricList)
        await wait_for(pilot, lambda: app.selected is not None and len(metrics.names) > 1)
        before = app.selected
        await pilot.press("m")
        await wait_for(pilot, lambda: app.selected != before)
        # In their places: the waiting note under the reading bar, the body under the badges.
        ours = [w.id for w in app.screen.children if w.id in DASHBOARD_PARTS]
        assert ours == list(DASHBOARD_PARTS)


@sync
async def test_collapse_turns_the_kl_badge_bad(tmp_path: Path) -> None:
    lines = _lines("collapse", tmp_path)
    log = tmp_path / "train.log"
    log.write_text("".join(lines[:20]))
    app = build_app([str(log)])
    async with app.run_test(size=(80, 24)) as pilot:
        badge = app.query_one("#badge-kl_zone", VerdictBadge)
        with log.open("a") as fh:
            fh.write("".join(lines[20:]))
        await wait_for(pilot, lambda: badge.level == "bad" and "BAD" in screen_text(app))
        assert badge.has_class("-bad")


@sync
async def test_waiting_until_the_file_appears(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    app = build_app([str(log)])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "Waiting for" in screen_text(app))
        assert app.screen.has_class("-waiting")
        log.write_text("".join(_lines("healthy", tmp_path)[:200]))
        await wait_for(pilot, lambda: not app.screen.has_class("-waiting"))
        await wait_for(pilot, lambda: "KL zone" in screen_text(app))


@sync
async def test_progress_bar_while_reading(healthy: Path) -> None:
    app = static_app(healthy)
    async with app.run_test(size=(80, 24)) as pilot:
        status = FollowStatus("reading", "inotify", None, 1000, 4000)
        app.post_message(SnapshotUpdated(0, make_snapshot(), status))
        await pilot.pause(0.3)
        assert app.query_one("#progress").has_class("-busy")
        assert "25%" in screen_text(app)


@sync
async def test_pause_holds_snapshots_and_resume_applies_the_newest(healthy: Path) -> None:
    app = static_app(healthy)
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.feeds[0].snapshot
        await pilot.press("space")
        newest = make_snapshot(levels={"kl_zone": "bad"})
        app.post_message(SnapshotUpdated(0, make_snapshot(), FollowStatus("following", "x")))
        app.post_message(SnapshotUpdated(0, newest, FollowStatus("following", "x")))
        await pilot.pause(0.4)
        assert app.feeds[0].snapshot is before
        await pilot.press("space")
        await pilot.pause(0.1)
        assert app.feeds[0].snapshot is newest
        assert app.query_one("#badge-kl_zone", VerdictBadge).level == "bad"


@sync
async def test_reference_overlay_and_detail_line(tmp_path: Path) -> None:
    """``--reference``: the reference's curve of the selected metric is on the plot, and the
    detail view says how far the run is from it at this step."""
    from vaetui.core.options import RunOptions
    from vaetui.core.reference import read_reference

    good = write_sim(tmp_path / "good.log", "healthy", steps=2000)
    run = write_sim(tmp_path / "collapse.log", "collapse", steps=2000)
    options = RunOptions(reference=read_reference(str(good), RunOptions()))
    app = build_app([str(run)], options, follow=False, clock=lambda: FIXED_NOW)
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        app.select_metric("kl_loss")
        plot = app.query_one(MetricPlot)
        assert plot.data.reference is not None
        name, series = plot.data.reference
        assert name.endswith("good.log") and len(series.steps) == 200
        # the discriminator's start and the lr warm-up are marked as phases
        assert any(e.kind == "phase" for e in plot.data.events)
        await pilot.pause()
        legend = [item.text for item in plot.legend_items()]
        assert "reference good.log" in legend and "phase" in legend, legend
        await pilot.press("1")
        assert isinstance(app.screen, DetailScreen)
        body = str(app.screen.query_one("#detail-body").render())
        assert "Compared with the reference" in body
        assert "KL is below 1% of the reference at this step" in body
        await pilot.press("escape")
