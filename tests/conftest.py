"""Fixtures for every layer: the shared sample logs (skipped cleanly where absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import GENERATED, PUBLIC_SAMPLES


@pytest.fixture
def generated_logs() -> Path:
    """``../shared/logs/generated``; the test is skipped where it is not beside the checkout."""
    if not (GENERATED / "manifest.json").is_file():
        pytest.skip(f"{GENERATED} is not present")
    return GENERATED


@pytest.fixture
def public_samples() -> Path:
    """``../shared/logs/public/samples``; skipped where absent."""
    if not PUBLIC_SAMPLES.is_dir():
        pytest.skip(f"{PUBLIC_SAMPLES} is not present")
    return PUBLIC_SAMPLES
