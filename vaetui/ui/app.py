"""The vaetui App: lays out the dashboard, owns the keys, and routes snapshots to widgets.

Followers post :class:`~vaetui.ui.messages.SnapshotUpdated` from their threads; the app keeps
only the newest per run and applies it at most ``1 / MIN_INTERVAL`` times a second, through a
one-shot timer that exists only while something is pending, so a quiet log costs nothing but
the "time since the last line" tick, which fires when that text changes (``_plan_tick``).
:func:`build_app` is the one factory the CLI, the tests and the screenshot script use.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from textual.app import App, ComposeResult, ScreenStackError, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.events import Resize
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Label

from vaetui.core.failure import FAILED
from vaetui.core.preview import default_options
from vaetui.core.snapshot import CRITERIA_IDS, Snapshot
from vaetui.ui.alerting import AlertOutlets
from vaetui.ui.feed import OnSnapshot, OptionsSource, RunFeed
from vaetui.ui.keys import BINDINGS
from vaetui.ui.lifeline import Lifeline
from vaetui.ui.messages import CriterionChosen, MetricSelected, SnapshotUpdated, StepChosen
from vaetui.ui.palette import MetricCommands, action_commands
from vaetui.ui.throttle import Throttle
from vaetui.ui.widgets.metrics import MetricList, default_metric
from vaetui.ui.widgets.plot import MetricPlot, PlotData, PlotLegend
from vaetui.ui.widgets.status import ReadProgress, StatusBar, next_change
from vaetui.ui.widgets.verdicts import VerdictPanel

if TYPE_CHECKING:
    from textual.driver import Driver

    from vaetui.core.options import RunOptions
    from vaetui.core.preview import JudgedInChild

# The detail, help, explain, raw-log, events and images screens are imported when first
# opened, and the events list and thumbnail when mounted: the first screen does without them
# (``_in_front`` finds a screen of theirs that is open).
EVENTS, IMAGES = "vaetui.ui.widgets.events", "vaetui.ui.widgets.images"

#: Seconds between two redraws at most (about 3 per second while a log streams; the first line
#: after a quiet spell is drawn at once).
MIN_INTERVAL = 0.3
#: Seconds between two redraws of the plot, sparklines and events while a log grows.
HEAVY_INTERVAL = 1.0
#: Seconds after which the histories are read even if the first screen was never painted (a
#: screen opened by a key pressed at once hides the main one, which then does not refresh).
FIRST_SCREEN_LATEST = 0.5
#: Seconds without news after which the current run's snapshot is refreshed (stall verdict).
QUIET_REFRESH = 15.0
#: Seconds between two ticks at most, even when the status line shows nothing that ages
#: (a reader that died is noticed within it).
TICK_MAX = 5.0
#: A tick comes this much after the moment its text changes, so the new text is drawn.
TICK_SLACK = 0.005
#: The stall refresh comes this long after the core's limit, so the fresh snapshot is past it.
STALL_SLACK = 0.05
#: App actions that also work while another screen is in front of the dashboard.
ON_EVERY_SCREEN = frozenset({"quit", "help", "raw_log", "events"})
#: App actions on the metric panes, the plot or the events list: off until those are
#: mounted (a following app mounts them after its first screen).
ON_THE_BODY = frozenset(
    {"metric", "log_scale", "zoom", "pan", "follow", "overlay", "run", "events"}
)
#: Below this size the compact layout is used.
COMPACT_WIDTH, COMPACT_HEIGHT = 76, 22
#: From this size on the main screen has room for a thumbnail of the newest reconstruction.
THUMB_WIDTH, THUMB_HEIGHT = 110, 36


class VaeApp(AlertOutlets, App[int]):
    """Live verdicts for one or more VAE training logs."""

    CSS_PATH = "vaetui.tcss"
    TITLE = "vaetui"
    BINDINGS = BINDINGS  # type: ignore[assignment]
    COMMANDS = App.COMMANDS | {MetricCommands}

    def __init__(
        self,
        paths: Sequence[str],
        options: RunOptions | OptionsSource,
        poll: bool = False,
        follow: bool = True,
        clock: Callable[[], float] | None = None,
        on_snapshot: OnSnapshot | None = None,
        judged: JudgedInChild | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock or time.time
        self.follow = follow
        self.feeds = [
            RunFeed(i, p, options, self.post_message, poll, follow, clock, on_snapshot)
            for i, p in enumerate(paths)
        ]
        self.current = 0
        self.overlay = False
        self.selected: str | None = None
        self.throttle = Throttle(self, self._apply, MIN_INTERVAL)
        self._heavy_at = 0.0
        self._heavy_timer: Timer | None = None
        #: What the heavy part was last drawn from (``_heavy_key``): a refresh that brings
        #: no new data redraws only the light part.
        self._drawn: tuple[object, ...] | None = None
        self._tick_timer: Timer | None = None
        self._tick_at = 0.0
        #: Per run, the quiet spell (its newest record's time) whose stall refresh was asked.
        self._stall_asked: dict[int, float] = {}
        #: When ``_apply`` last ran, and when the app was made (monotonic seconds).
        self._applied_at = 0.0
        self._started_at = time.monotonic()
        self._main: Screen[Any] | None = None
        #: The previews of big logs (``RunFeed.preview``), taken while composing.
        self._previews: dict[int, SnapshotUpdated] = {}
        #: The previews being judged in a second process, if ``vaetui tail`` started one.
        self._judged = judged
        self._first_painted = False
        #: The metric panes, plot and events list are in (a following app: after its first screen).
        self._body_mounted = not follow
        #: Called once the first screen is painted (``vaetui tail`` resumes its collector).
        self.after_first_screen: list[Callable[[], object]] = []
        #: Set by ``vaetui tail`` before ``run()``: it owns the signals (see ``_exit_on_signals``).
        self.lifeline: Lifeline | None = None

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal, but on Linux one whose input thread sleeps
        until a key is pressed (``vaetui.ui.driver``). A driver named in ``TEXTUAL_DRIVER``
        (the browser view's) is used as given."""
        from textual import constants

        driver_class = super().get_driver_class()
        if constants.DRIVER is None and driver_class.__name__ == "LinuxDriver":
            from textual.drivers.linux_driver import LinuxDriver

            if driver_class is LinuxDriver:
                from vaetui.ui.driver import QuietLinuxDriver

                return QuietLinuxDriver
        return driver_class

    def compose(self) -> ComposeResult:
        # A following app's first screen is the status line and the badges alone: every
        # widget costs start-up time, and the rest (the waiting note, the metric panes, the
        # plot, the events list, the keys line) is mounted once they are painted
        # (``_first_screen_painted``), before the first history is drawn.
        yield StatusBar(id="status")
        yield ReadProgress(id="progress")
        if self.follow:  # a big log's newest part, judged now: the badges start from it
            self._previews = self._take_previews()
        else:
            yield self._waiting_note()
        first = self._previews.get(self.current)
        yield VerdictPanel(id="verdicts", snapshot=first.snapshot if first else None)
        if not self.follow:
            yield self._body()
            yield self._footer()

    def _waiting_note(self) -> Label:
        """The note shown in place of everything while the log does not exist yet."""
        return Label(self._waiting_text(), id="waiting", markup=False)

    def _waiting_text(self) -> str:
        feed = self.feeds[self.current]
        return feed.status.error or f"Waiting for {feed.path} to appear…"

    def _body(self) -> Horizontal:
        """The metric panes beside the plot, its legend, the thumbnail and the events list.
        A following app's panes and plot start empty: plotext is loaded and the panes made
        after they are mounted (``_first_screen_painted``)."""
        lazy = self.follow
        return Horizontal(
            MetricList(id="metrics", lazy=lazy),
            Vertical(
                MetricPlot(id="plot", lazy=lazy),
                PlotLegend(id="plot-legend"),
                *self._lower_right(),
                id="right",
            ),
            id="body",
        )

    @staticmethod
    def _footer() -> Footer:
        """The keys line. The palette's key is in ? help; the footer keeps its room for the
        everyday keys."""
        return Footer(compact=True, show_command_palette=False)

    def _take_previews(self) -> dict[int, SnapshotUpdated]:
        """Each big log's preview: from the second process when one judged it (light, no
        histories: numpy is not loaded yet), else judged here."""
        light = self._judged.light() if self._judged is not None else None
        judged = light or {}
        previews = {}
        for feed in self.feeds:
            if feed.index in judged and judged[feed.index] is None:
                continue  # the child found no preview to make (a small or missing log)
            message = feed.preview(judged.get(feed.index))
            if message is not None:
                previews[feed.index] = message
        return previews

    def _lower_right(self) -> list[Widget]:
        """The thumbnail and the events list (empty until the heavy part is drawn)."""
        from vaetui.ui.widgets.events import EventsList
        from vaetui.ui.widgets.images import Thumbnail

        return [Thumbnail(id="thumb"), EventsList(id="events")]

    def on_mount(self) -> None:
        self._main = self.screen
        self._exit_on_signals()
        self._sync_layout(self.size.width, self.size.height)
        if self.follow:
            previews = self._previews
            # Start reading once the first screen is painted, not while it is being drawn.
            self.call_after_refresh(self._first_screen_painted)
            self.set_timer(FIRST_SCREEN_LATEST, self._first_screen_painted)
        else:
            previews = {feed.index: feed.read_all() for feed in self.feeds}
        if previews:
            self._apply(previews)  # the first update draws everything (nothing drawn yet)
        else:  # following a small or missing log: the heavy part once its widgets are in
            self._render_light()
            self.call_after_refresh(self._heavy_due)
        self._plan_tick()

    def _exit_on_signals(self) -> None:
        """SIGTERM, SIGHUP and SIGINT end the app like ``q``: the terminal is restored.

        Under ``vaetui tail`` a :class:`~vaetui.ui.lifeline.Lifeline` catches them (and a
        vanished terminal) and makes sure the process ends; it only needs a way in.
        """
        loop = asyncio.get_running_loop()
        if self.lifeline is not None:
            self.lifeline.connect(lambda: loop.call_soon_threadsafe(self.exit))
            return
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            try:
                loop.add_signal_handler(sig, self.exit)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread (tests), or a platform without them

    async def _first_screen_painted(self) -> None:
        """The verdicts are on the terminal: start reading the histories, and mount what
        the first screen did not wait for (the waiting note, the metric panes, the plot,
        the thumbnail, the events list, the keys line); then let the plot load plotext and
        the panes fill in. Awaited before the heavy part is first drawn (called after the
        same refresh, later), so that finds them mounted. Runs once, whichever of the
        refresh and the ``FIRST_SCREEN_LATEST`` timer comes first."""
        if self._first_painted:
            return
        self._first_painted = True
        for call in self.after_first_screen:
            call()
        if self._judged is not None:  # the previews again, with their histories
            for index, snapshot in (self._judged.whole() or {}).items():
                self.feeds[index].better_preview(snapshot)
            self._judged = None
        self._start_feeds()
        main = self._main
        if main is None or not main.is_attached:  # closed before its first screen
            return
        with suppress(NoMatches, ScreenStackError):  # closed meanwhile
            await main.mount(self._waiting_note(), after="#progress")
            await main.mount(self._body(), after="#verdicts")
            self._body_mounted = True
            self.refresh_bindings()
            self._on_main(MetricPlot).add_canvas()
            self._on_main(MetricList).add_panes()
            await main.mount(self._footer())

    def _start_feeds(self) -> None:
        for feed in self.feeds:
            feed.start()

    def on_unmount(self) -> None:
        if self._judged is not None:
            self._judged.close()
        for feed in self.feeds:
            feed.stop()

    def on_resize(self, event: Resize) -> None:
        self._sync_layout(event.size.width, event.size.height)

    def _sync_layout(self, width: int, height: int) -> None:
        """Compact layout (no events list, smaller panes) for narrow or short terminals."""
        if self._main is not None:
            compact = width < COMPACT_WIDTH or height < COMPACT_HEIGHT
            self._main.set_class(compact, "-compact")
            self._main.set_class(width >= THUMB_WIDTH and height >= THUMB_HEIGHT, "-roomy")
            with suppress(NoMatches):
                self._on_main(StatusBar).compact = compact

    # -- snapshots in, at a bounded rate ------------------------------------------------

    def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        self.throttle.offer(message)

    def _apply(self, pending: dict[int, SnapshotUpdated]) -> None:
        """Hand the newest snapshot of every run to its feed, then redraw.

        Status and badges follow every update; the plot, sparklines and events (most of
        the bytes sent to the terminal) at most once per ``HEAVY_INTERVAL``, so a fast log
        stays light on a slow SSH link. The first update after a quiet spell shows the new
        line in a small screen update of its own, the heavy part in the next one.
        """
        for index, message in pending.items():
            feed = self.feeds[index]
            feed.status = message.status
            if message.snapshot is not None:
                feed.snapshot = message.snapshot
        now = time.monotonic()
        after_quiet, self._applied_at = now - self._applied_at > 2 * MIN_INTERVAL, now
        wait = self._heavy_at + HEAVY_INTERVAL - now
        news = self._heavy_key() != self._drawn
        with suppress(NoMatches):  # the app is closing: its widgets are gone
            if wait <= 0 and news and not (after_quiet and self.follow):
                self._render()
                return
            self._render_light()
            if wait <= 0 and news:
                self._heavy_at = now  # drawn right after this screen update
                self.call_after_refresh(self._heavy_due)
                return
        if self._heavy_timer is None and news:
            # A little late on purpose: while the log keeps growing, the next update draws
            # the heavy part with the light one, in one screen update instead of two.
            self._heavy_timer = self.set_timer(wait + MIN_INTERVAL, self._heavy_due)

    def _heavy_due(self) -> None:
        self._heavy_timer = None
        with suppress(NoMatches):  # the app is closing: its widgets are gone
            self._render()

    def _heavy_key(self) -> tuple[object, ...]:
        """What the plot, sparklines, events and thumbnail are drawn from, in brief: equal
        keys draw the same picture (a snapshot refreshed for the stall badge only)."""
        snap = self.feeds[self.current].snapshot
        if snap is None:
            return (self.current, self.selected, self.overlay)
        data = (snap.records, snap.lines, snap.last_step, snap.bytes_read, snap.segments)
        levels = tuple(v.level for v in snap.criteria)
        looks = (snap.events, snap.images, levels, snap.reference is not None)
        return (self.current, self.selected, self.overlay, *data, *looks)

    def _news_at(self) -> float:
        """When the screen last had news (monotonic): the newest snapshot applied, or the
        start of the app (a run not read yet is not refreshed before its first read)."""
        return max(self.throttle.last_apply, self._started_at)

    def _plan_tick(self) -> None:
        """Tick when the status line next changes by itself (``next_change``), before the
        quiet refresh is due, and at least every ``TICK_MAX``: a quiet app wakes only for
        what it will show. An earlier planned tick is kept."""
        feed = self.feeds[self.current]
        due = next_change(feed.snapshot, feed.status, self.throttle.paused, self.clock())
        delay = TICK_MAX if due is None else min(TICK_MAX, due + TICK_SLACK)
        if self.follow and not self.throttle.paused:
            refresh = self._news_at() + QUIET_REFRESH - time.monotonic()
            delay = min(delay, max(refresh, 0.0) + TICK_SLACK)
            stalls = [s for s in map(self._stall_in, self.feeds) if s is not None]
            if stalls:
                delay = min(delay, max(min(stalls), 0.0) + STALL_SLACK)
        at = time.monotonic() + delay
        if self._tick_timer is not None:
            if self._tick_at <= at + TICK_SLACK:
                return
            self._tick_timer.stop()
        self._tick_at = at
        self._tick_timer = self.set_timer(delay, self._tick)

    def _tick(self) -> None:
        """The age of the last line and the state word; a dead reader; now and then a fresh
        snapshot for the stall badge. Plans the next tick."""
        self._tick_timer = None
        with suppress(NoMatches):  # the app is closing: its widgets are gone
            self._render_status()
        for f in self.feeds:  # a reader that died shows n/a verdicts, however it died
            if f.status.state != FAILED and f.follow_status().state == FAILED:
                self.run_worker(f.refresh, thread=True, group=f"failed-{f.index}")
        feed = self.feeds[self.current]
        quiet = time.monotonic() - self._news_at()
        if self.follow and not self.throttle.paused:
            if quiet >= QUIET_REFRESH:
                self.throttle.last_apply = time.monotonic()
                self.run_worker(feed.refresh, thread=True, exclusive=True, group="refresh")
            self._refresh_stalled()
        if self._tick_timer is None:  # _render_status planned none (the app is closing)
            self._plan_tick()

    def _refresh_stalled(self) -> None:
        """A fresh picture of every run whose stall verdict is due to turn watch: no line
        will come to take one, and a run not on screen must alert too. Once per quiet spell."""
        for feed in self.feeds:
            due = self._stall_in(feed)
            if due is not None and due <= 0 and feed.snapshot is not None:
                self._stall_asked[feed.index] = feed.snapshot.last_record_time or 0.0
                if feed.index == self.current:
                    self.throttle.last_apply = time.monotonic()
                group = f"stall-{feed.index}"
                self.run_worker(feed.refresh, thread=True, exclusive=True, group=group)

    def _stall_in(self, feed: RunFeed) -> float | None:
        """Seconds until the run's stall badge turns watch if no line comes (the core's
        ``stall_watch_at``), so the app looks again right then rather than at the next
        quiet refresh. None when it will not, or a refresh for this quiet spell was asked."""
        snap = feed.snapshot
        at = snap.stall_watch_at() if snap is not None else None
        if snap is None or at is None:
            return None
        if self._stall_asked.get(feed.index) == snap.last_record_time:
            return None
        return at - self.clock()

    # -- rendering ----------------------------------------------------------------------

    def _on_main(self, selector: Any, expect_type: Any = None) -> Any:
        """A widget of the main screen, also while a help or detail screen is on top."""
        screen = self._main if self._main is not None else self.screen
        if expect_type is not None:
            return screen.query_one(selector, expect_type)
        return screen.query_one(selector)

    def _render_status(self) -> None:
        feed = self.feeds[self.current]
        label = f"{self.current + 1}/{len(self.feeds)}" if len(self.feeds) > 1 else ""
        self._on_main(StatusBar).show(
            feed.name, feed.snapshot, feed.status, self.throttle.paused, self.clock(), label
        )
        self._plan_tick()  # a new line restarts the age: its next change may come sooner

    def _render(self) -> None:
        """Redraw everything for the current run."""
        from vaetui.ui.widgets.events import EventsList

        self._heavy_at = time.monotonic()
        if self._heavy_timer is not None:
            self._heavy_timer.stop()
            self._heavy_timer = None
        snap = self._render_light()
        self._on_main(MetricList).show(snap, self.selected)
        events = snap.events if snap else ()
        self._on_main(EventsList).show(events)
        events_screen = self._in_front(EVENTS)
        if events_screen is not None:
            events_screen.update_events(events)
        self._render_plot()
        self._render_thumbnail(snap)
        # Last: a redraw cut short by a widget not mounted yet is not taken as done.
        self._drawn = self._heavy_key()

    def _render_thumbnail(self, snap: Snapshot | None) -> None:
        """The newest reconstruction, small, when there are images and room for them."""
        images = snap.images if snap else None
        has = images is not None and bool(images.sets)
        if self._main is not None:
            self._main.set_class(has, "-images")
        if has and self._main is not None and self._main.has_class("-roomy"):
            self._on_main("#thumb").show_newest(images)

    def _render_light(self) -> Snapshot | None:
        """Redraw the cheap part: status line, progress, waiting note and badges."""
        feed = self.feeds[self.current]
        snap = feed.snapshot
        if snap is not None and self.selected not in snap.history:
            self.selected = default_metric(snap)  # nothing chosen yet, or not in this run
        self._render_status()
        self._on_main(ReadProgress).show(feed.status)
        waiting = feed.status.state == "waiting for file" and (snap is None or snap.records == 0)
        if self._main is not None:
            self._main.set_class(waiting, "-waiting")
        with suppress(NoMatches):  # a following app mounts it after its first screen
            waiting_label = self._on_main("#waiting", Label)
            waiting_text = self._waiting_text()
            if str(waiting_label.content) != waiting_text:
                waiting_label.update(waiting_text)
        self._on_main(VerdictPanel).show(snap)
        detail = self._in_front("vaetui.ui.widgets.detail")
        if detail is not None and snap is not None:
            detail.update_verdicts({v.id: v for v in snap.criteria}, snap.reference)
        images_screen = self._in_front(IMAGES)
        if images_screen is not None and snap is not None:
            images_screen.update_images(snap.images, snap.verdict("sharpness"))
        return snap

    def _in_front(self, module: str) -> Any:
        """The screen in front when it is one of ``module``'s (a screen module imported when
        first opened), else None."""
        screen = self.screen
        return screen if type(screen).__module__ == module else None

    def _render_plot(self) -> None:
        snap = self.feeds[self.current].snapshot
        runs = [
            (f.name, f.snapshot.history.get(self.selected or "") if f.snapshot else None)
            for f in self.feeds
        ]
        starts = snap.segment_starts if snap else ()
        plot = self._on_main(MetricPlot)
        if snap is not None:
            plot.set_alpha(snap.ema_alpha)  # the core's EMA, drawn as it judges it
        events = snap.events if snap else ()
        data = PlotData(self.selected, self.current, runs, starts, self.overlay, events)
        ref = snap.reference if snap else None
        ref_series = ref.history.get(self.selected or "") if ref else None
        data.reference = (ref.name, ref_series) if ref and ref_series is not None else None
        plot.show(data)

    # -- what keys, the palette and widgets ask for -------------------------------------

    def metric_names(self) -> list[str]:
        """Every metric of the current run in display order (for the palette)."""
        return list(self._on_main(MetricList).names)

    def select_metric(self, name: str) -> None:
        """Plot ``name`` and show its page of panes."""
        self.selected = name
        self._on_main(MetricList).show(self.feeds[self.current].snapshot, name)
        self._render_plot()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from action_commands(self.run_action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the multi-run keys when only one run is open, and the dashboard's keys
        while another screen (raw log, events, help, detail) is in front."""
        if action in ("overlay", "run") and len(self.feeds) < 2:
            return False
        if action in ON_THE_BODY and not self._body_mounted:
            return False
        if self._main is not None and self.screen is not self._main:
            return action in ON_EVERY_SCREEN
        return True

    def on_metric_selected(self, message: MetricSelected) -> None:
        self.select_metric(message.name)

    def on_metric_plot_legend_changed(self, message: MetricPlot.LegendChanged) -> None:
        with suppress(NoMatches):  # the app is closing: the legend went before the plot
            self._on_main(PlotLegend).show(message.items)

    def on_step_chosen(self, message: StepChosen) -> None:
        self._on_main(MetricPlot).jump(message.step)

    def on_criterion_chosen(self, message: CriterionChosen) -> None:
        if message.criterion_id in CRITERIA_IDS:
            self.action_detail(CRITERIA_IDS.index(message.criterion_id) + 1)

    def action_help(self) -> None:
        from vaetui.ui.widgets.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_detail(self, number: int) -> None:
        from vaetui.ui.widgets.detail import DetailScreen

        snap = self.feeds[self.current].snapshot
        verdicts = {v.id: v for v in snap.criteria} if snap else {}
        reference = snap.reference if snap else None
        self.push_screen(DetailScreen(CRITERIA_IDS[number - 1], verdicts, reference))

    def action_images(self) -> None:
        from vaetui.ui.widgets.images import ImageScreen

        snap = self.feeds[self.current].snapshot
        images = snap.images if snap else None
        self.push_screen(ImageScreen(images, snap.verdict("sharpness") if snap else None))

    def action_pause(self) -> None:
        self.throttle.set_paused(not self.throttle.paused)
        self._render_status()

    def action_metric(self, delta: int) -> None:
        name = self._on_main(MetricList).step(self.selected, delta)
        if name is not None:
            self.select_metric(name)

    def action_log_scale(self) -> None:
        self._on_main(MetricPlot).toggle_log()

    def action_zoom(self, direction: int) -> None:
        self._on_main(MetricPlot).zoom(direction)

    def action_pan(self, direction: int) -> None:
        self._on_main(MetricPlot).pan(direction)

    def action_follow(self) -> None:
        self._on_main(MetricPlot).follow()

    def action_overlay(self) -> None:
        self.overlay = not self.overlay
        self._render_plot()

    def action_run(self, delta: int) -> None:
        before = self.feeds[self.current]
        self.current = (self.current + delta) % len(self.feeds)
        self._render()
        for feed in (before, self.feeds[self.current]):
            feed.on_screen = feed is self.feeds[self.current]
            if self.follow:  # compacted or grown again on its follower's lock, off this thread
                self.run_worker(feed.refresh, thread=True, group=f"screen-{feed.index}")

    def action_events(self) -> None:
        """Focus the events list; in the compact layout (no room for it) open it full screen."""
        if self._main is not None and self._main.has_class("-compact"):
            from vaetui.ui.widgets.events import EventsScreen

            if self._in_front(EVENTS) is None:
                feed = self.feeds[self.current]
                events = feed.snapshot.events if feed.snapshot else ()
                self.push_screen(EventsScreen(events, feed.name))
            return
        if self.screen is not self._main:
            return
        with suppress(NoMatches):  # not mounted yet: the first screen is being painted
            self._on_main("#events").focus()

    def action_raw_log(self) -> None:
        """The log's own lines, at the highlighted event's line when the events list has focus."""
        from vaetui.ui.widgets.rawlog import RawLogScreen

        feed = self.feeds[self.current]
        if feed.raw is None:
            self.notify("TensorBoard event files have no lines to show", severity="warning")
            return
        if isinstance(self.screen, RawLogScreen):
            return
        self.push_screen(RawLogScreen(feed.raw, feed.name, self._line_asked_for()))

    def _line_asked_for(self) -> int | None:
        """The line of the highlighted event, or of the first NaN from the divergence view."""
        focused = self.focused
        if focused is not None and type(focused).__module__ == EVENTS:  # loaded by now
            from vaetui.ui.widgets.events import EventsList

            if isinstance(focused, EventsList):
                row = focused.current_row()
                return row.line if row is not None else None
        snap = self.feeds[self.current].snapshot
        detail = self._in_front("vaetui.ui.widgets.detail")
        if detail is not None and snap is not None and detail.criterion_id == "divergence":
            nan = [e.line for e in snap.events if e.kind == "nan"]
            return nan[-1] if nan else None
        return None

    def action_explain(self) -> None:
        from vaetui.ui.widgets.explain import ExplainScreen

        feed = self.feeds[self.current]
        self.push_screen(ExplainScreen(feed.path, feed.options))


def build_app(
    paths: Sequence[str],
    options: RunOptions | OptionsSource | None = None,
    poll: bool = False,
    follow: bool = True,
    clock: Callable[[], float] | None = None,
    on_snapshot: OnSnapshot | None = None,
    judged: JudgedInChild | None = None,
) -> VaeApp:
    """The one way to make the app (CLI, tests, screenshots).

    Args:
        paths: Log files, one run each (``-`` for standard input).
        options: ``RunOptions`` for the core (defaults when None), or what gives them when
            first needed (``vaetui tail``: after the first screen).
        poll: Poll instead of inotify (NFS, Lustre).
        follow: Follow the files live; False reads them once, synchronously (screenshots).
        clock: Time source for "time since the last line" and the core (tests fix it).
        on_snapshot: Called on a follower thread with each new picture of a run, its name
            and its path (the alert dispatcher's ``observe``).
        judged: The big logs' previews, being judged in a second process
            (``vaetui.core.preview.JudgedInChild``); None judges them while composing.
    """
    return VaeApp(
        list(paths),
        default_options if options is None else options,
        poll=poll,
        follow=follow,
        clock=clock,
        on_snapshot=on_snapshot,
        judged=judged,
    )
