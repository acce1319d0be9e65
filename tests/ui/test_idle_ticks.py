"""A quiet app wakes only for what it shows: the status tick comes when the age or the state
word changes, and a refreshed snapshot without new data redraws only the light part."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.support.snapshots import FIXED_NOW, make_snapshot
from vaetui.core.follow import FollowStatus
from vaetui.ui.app import TICK_MAX, VaeApp, build_app
from vaetui.ui.widgets.fmt import fmt_shown_age
from vaetui.ui.widgets.plot import MetricPlot
from vaetui.ui.widgets.status import ReadProgress, StatusBar, next_change

FOLLOWING = FollowStatus("following", "inotify")


def _aged(age: float, quiet_after: float | None = 5.0, finished: bool = False):
    snap = make_snapshot(last_record_time=FIXED_NOW - age)
    return dataclasses.replace(snap, quiet_after=quiet_after, finished=finished)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (2.25, 0.75),  # "2s ago" turns "3s ago"
        (4.5, 0.5),  # the age ticks and LIVE turns QUIET at 5 s, together
        (7.25, 2.75),  # QUIET already: the age moves in 5 s steps, "5s ago" turns "10s ago"
        (58.0, 2.0),  # then in whole minutes: "55s ago" turns "1m ago"
        (61.5, 58.5),  # "1m ago" turns "2m ago"
        (3700.5, 19.5),  # past an hour in minutes too: 1h01m at 3720 s
        (-3.0, 4.0),  # a record from the future reads "0s" until it is 1 s old
    ],
)
def test_next_change_is_when_the_shown_age_or_state_changes(age: float, expected: float) -> None:
    assert next_change(_aged(age), FOLLOWING, False, FIXED_NOW) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("age", "live", "quiet"),
    [
        (3.7, "3s", "0s"),
        (9.9, "9s", "5s"),
        (59.0, "59s", "55s"),
        (192.0, "3m12s", "3m"),
        (7530.0, "2h05m", "2h05m"),
    ],
)
def test_the_shown_age_is_exact_while_live_and_stepped_once_quiet(
    age: float, live: str, quiet: str
) -> None:
    assert fmt_shown_age(age, coarse=False) == live
    assert fmt_shown_age(age, coarse=True) == quiet


def test_a_paused_or_stalled_run_ages_in_steps_too() -> None:
    snap = _aged(7.25)
    assert next_change(snap, FOLLOWING, True, FIXED_NOW) == pytest.approx(2.75)  # paused


def test_the_state_word_can_change_before_the_age_does() -> None:
    snap = _aged(4.75, quiet_after=5.0)  # quiet after 5 s, the age ticks at 5 s too
    assert next_change(snap, FOLLOWING, False, FIXED_NOW) == pytest.approx(0.25)
    snap = _aged(10.2, quiet_after=10.5)
    assert next_change(snap, FOLLOWING, False, FIXED_NOW) == pytest.approx(0.3)


def test_nothing_ages_on_a_finished_run_or_before_the_first_record() -> None:
    assert next_change(_aged(3.0, finished=True), FOLLOWING, False, FIXED_NOW) is None
    finished = FollowStatus("finished", "read once")
    assert next_change(_aged(3.0), finished, False, FIXED_NOW) is None
    assert next_change(None, FOLLOWING, False, FIXED_NOW) is None
    assert next_change(_aged(3.0, quiet_after=None), FOLLOWING, False, FIXED_NOW) is not None


def _line(step: int) -> str:
    return f"step {step} loss=0.15 rec_loss=0.0069 kl_loss=500 kl_weight=0.0001\n"


def _status(app: VaeApp) -> str:
    return app.query_one(StatusBar).render().plain


async def _until(pilot: Pilot[int], cond, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met"
        await pilot.pause(0.05)


async def _quiet_app(log: Path) -> None:
    app = build_app([str(log)])
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: "step 40" in _status(app))
        await pilot.pause(1.5)  # the heavy part drawn once with the whole history
        plot = app.query_one(MetricPlot)
        drawn: list[object] = []
        show = plot.show

        def counted(data) -> None:  # type: ignore[no-untyped-def]
            drawn.append(data)
            show(data)

        plot.show = counted  # type: ignore[method-assign]
        # The age ticks at its own resolution: the next tick is planned within a second.
        assert app._tick_timer is not None
        assert app._tick_at - time.monotonic() <= 1.0 + 0.05
        # A refresh for the stall badge brings no new data: the plot is not drawn again.
        app.feeds[0].refresh()
        applied = app.throttle.last_apply
        await _until(pilot, lambda: app.throttle.last_apply > applied)
        await pilot.pause(1.5)
        assert drawn == []
        # A new line is drawn, the plot with it.
        with log.open("a") as fh:
            fh.write(_line(41))
        await _until(pilot, lambda: "step 41" in _status(app))
        await _until(pilot, lambda: len(drawn) >= 1)
        # The hidden progress bar has no clock of its own that wakes the app every second.
        bar = app.query_one(ReadProgress)
        redraws: list[object] = []
        bar.refresh = lambda *a, **kw: redraws.append(kw)  # type: ignore[method-assign]
        await pilot.pause(2.5)
        assert redraws == []


def test_a_refresh_without_new_data_leaves_the_plot_alone(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text("".join(_line(s) for s in range(1, 41)))
    asyncio.run(_quiet_app(log))


async def _finished_app(log: Path) -> None:
    app = build_app([str(log)], follow=False, clock=lambda: FIXED_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        # A run read once shows no age: the tick only looks in now and then.
        assert app._tick_timer is not None
        assert app._tick_at - time.monotonic() > TICK_MAX - 1.0


def test_a_finished_run_ticks_rarely(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text("".join(_line(s) for s in range(1, 41)))
    asyncio.run(_finished_app(log))
