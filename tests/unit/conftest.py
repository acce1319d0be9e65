"""Fixtures for the unit layer: the core alone, no Textual."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.snapshots import write_sim


@pytest.fixture
def simulated(tmp_path: Path) -> Callable[..., Path]:
    """Writes a simulated run into the test's folder: ``simulated("collapse", steps=2000)``."""

    def write(scenario: str, steps: int = 3000) -> Path:
        return write_sim(tmp_path / f"{scenario}.log", scenario, steps)

    return write
