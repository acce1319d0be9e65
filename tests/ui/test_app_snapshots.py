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
