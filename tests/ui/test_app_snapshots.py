"""SVG snapshot tests of the TUI at fixed terminal sizes (pytest-textual-snapshot).

Each app reads a fixed simulated log to its end (``follow=False``) with a fixed clock, so the
pictures never depend on timing. Update them with ``pytest --snapshot-update`` after a
deliberate change, and look at the report before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.apps import static_app
from tests.support.snapshots import write_sim
from vaetui.ui.app import VaeApp


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("snap")
    return {
        s: write_sim(root / f"{s}.log", s) for s in ("healthy", "collapse", "diverge", "restart")
    }


def app_for(path: Path) -> VaeApp:
    return static_app(path)


def test_healthy_80x24(snap_compare, logs: dict[str, Path]) -> None:
    assert snap_compare(app_for(logs["healthy"]), terminal_size=(80, 24))


def test_collapse_kl_plot_80x24(snap_compare, logs: dict[str, Path]) -> None:
    """Posterior collapse: KL badges bad, the KL metric plotted in log scale."""
    assert snap_compare(app_for(logs["collapse"]), press=["m", "m", "l"], terminal_size=(80, 24))


def test_diverge_events_80x24(snap_compare, logs: dict[str, Path]) -> None:
    """Divergence: NaN event listed, the plot zoomed in on it via the events list."""
    assert snap_compare(app_for(logs["diverge"]), press=["e", "enter"], terminal_size=(80, 24))


def test_restart_80x24(snap_compare, logs: dict[str, Path]) -> None:
    """A restart: the boundary is drawn on the plot and listed as an event."""
    assert snap_compare(app_for(logs["restart"]), terminal_size=(80, 24))


def test_detail_view_80x24(snap_compare, logs: dict[str, Path]) -> None:
    assert snap_compare(app_for(logs["collapse"]), press=["1"], terminal_size=(80, 24))


def test_help_80x24(snap_compare, logs: dict[str, Path]) -> None:
    assert snap_compare(app_for(logs["healthy"]), press=["question_mark"], terminal_size=(80, 24))


def test_narrow_60x20(snap_compare, logs: dict[str, Path]) -> None:
    """The compact layout a narrow tmux pane gets."""
    assert snap_compare(app_for(logs["diverge"]), terminal_size=(60, 20))


def _live(snapshot_events: tuple = (), metrics: dict | None = None):  # type: ignore[no-untyped-def]
    """A run_before that shows a hand-made snapshot (events, metrics) as if it arrived live."""
    from tests.support.snapshots import make_snapshot
    from vaetui.ui.messages import FollowStatus, SnapshotUpdated

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        snap = make_snapshot(events=snapshot_events, metrics=metrics)
        pilot.app.post_message(SnapshotUpdated(0, snap, FollowStatus("following", "inotify")))
        await pilot.pause(1.3)

    return run_before


def test_events_with_folded_flips_120x40(snap_compare, logs: dict[str, Path]) -> None:
    """Restart, NaN and a spike pinned above verdict changes; 13 Balance flips are one row."""
    from vaetui.core.snapshot import Event

    levels = ("ok", "excellent")
    flips = tuple(
        Event(
            1000.0 + 40 * i,
            100 + i,
            "verdict",
            f"Balance: {levels[i % 2]} -> {levels[(i + 1) % 2]} (rec falling, KL flat)",
            "balance",
            levels[i % 2],
            levels[(i + 1) % 2],
        )
        for i in range(13)
    )
    events = (
        Event(
            600.0, 61, "restart", "step went back from 900 to 600: segment 2 (restart or resume)"
        ),
        *flips,
        Event(1900.0, 190, "spike", "rec_loss 0.52 is 31x its EMA 0.0168"),
        Event(1990.0, 199, "nan", "total_loss is nan at step 1990"),
        Event(
            1995.0,
            200,
            "verdict",
            "KL zone: excellent -> ok (raw KL 90)",
            "kl_zone",
            "excellent",
            "ok",
        ),
    )
    assert snap_compare(
        app_for(logs["healthy"]), run_before=_live(events), press=["e"], terminal_size=(120, 40)
    )


def test_raw_log_search_hit_80x24(snap_compare, logs: dict[str, Path]) -> None:
    """The raw log, searched for the first NaN: the hit highlighted, its line number said."""

    async def search(pilot) -> None:  # type: ignore[no-untyped-def]
        # The index and the search run in worker threads: wait for each before the picture.
        await pilot.press("L")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("slash", *"loss=nan", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(logs["diverge"]), run_before=search, terminal_size=(80, 24))


def test_overlay_of_three_runs_100x30(snap_compare, logs: dict[str, Path]) -> None:
    """Three runs overlaid: a colour each, the EMA apart, the legend in run order."""
    app = static_app(logs["healthy"], logs["collapse"], logs["restart"])
    assert snap_compare(app, press=["right_square_bracket", "o"], terminal_size=(100, 30))


def test_long_run_sparklines_80x24(snap_compare, logs: dict[str, Path]) -> None:
    """After a long run the sparklines show its newest tenth, not a flattened whole."""
    import numpy as np

    t = np.arange(20_000, dtype=float)
    metrics = {
        "total_loss": 0.15 + 5.0 * np.exp(-t / 300) + 0.01 * np.sin(t / 40),
        "rec_loss": 0.007 + 0.5 * np.exp(-t / 300) + 0.001 * np.sin(t / 25),
        "kl_loss": 510 + 9000 * np.exp(-t / 200) + 20 * np.sin(t / 60),
    }
    assert snap_compare(
        app_for(logs["healthy"]), run_before=_live(metrics=metrics), terminal_size=(80, 24)
    )
