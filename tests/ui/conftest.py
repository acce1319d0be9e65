"""Fixtures for the UI layer: apps built by the one factory, on logs read once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.apps import static_app
from tests.support.snapshots import write_sim
from vaetui.ui.app import VaeApp


@pytest.fixture
def app_factory() -> Callable[..., VaeApp]:
    """Builds the app on logs read once (see :func:`static_app`)."""
    return static_app


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated healthy run, written once per module."""
    return write_sim(tmp_path_factory.mktemp("logs") / "healthy.log", "healthy")
