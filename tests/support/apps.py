"""The app built by the one factory for tests: logs read once, at a fixed clock."""

from __future__ import annotations

from pathlib import Path

from tests.support.snapshots import FIXED_NOW
from vaetui.ui.app import VaeApp, build_app


def static_app(*paths: Path) -> VaeApp:
    """The app on ``paths`` read once to the end, at a fixed clock (deterministic screens)."""
    return build_app([str(p) for p in paths], follow=False, clock=lambda: FIXED_NOW)
