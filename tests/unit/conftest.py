"""Fixtures for the unit layer: the core alone, no Textual."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.snapshots import write_sim


@pytest.fixture
def simulated(tmp_path: Path) -> Callable[..., Path]:
    """Writes a simulated run into the test's folder: ``simulated("collapse", steps=2000)``."""

    def write(scenario: str, steps: int = 3000) -> Path:
        return write_sim(tmp_path / f"{scenario}.log", scenario, steps)

    return write


@pytest.fixture(scope="module", params=["compiled readers", "numpy and polars"])
def readers(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs a module's tests twice: with the compiled readers (``vaetui/core/native.py``)
    and without them, as where they were not built. Module-scoped, so hypothesis tests may
    use it."""
    from vaetui.core import native

    if request.param == "compiled readers" and not native.available():
        pytest.skip("the compiled readers (vaetui/core/_native.c) were not built")
    with pytest.MonkeyPatch.context() as patch:
        if request.param != "compiled readers":
            patch.setattr(native, "_native", None)
        yield request.param
