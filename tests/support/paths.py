"""Where the shared sample logs live: ``../shared/logs`` beside the checkout.

They are absent on a user's clone; tests that need them skip (see ``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_LOGS = REPO.parent / "shared" / "logs"
GENERATED = SHARED_LOGS / "generated"
PUBLIC_SAMPLES = SHARED_LOGS / "public" / "samples"
