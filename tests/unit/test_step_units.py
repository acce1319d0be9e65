"""A log counted in epochs (or not counted at all) is judged as a run long past its start.

The young-model rule reads a band's ``bad`` as ``watch`` before training step 200: only a
log that counts training steps can say where a model is in its first transient. Step 100 of
a log written once per epoch is epoch 100.
"""

from __future__ import annotations

import math

import pytest

from vaetui.core.options import RunOptions
from vaetui.core.run import Run


def _collapse(line: str, records: int = 100) -> bytes:
    out = []
    for i in range(1, records + 1):
        kl = max(0.3, 50 * math.exp(-i / 5))
        rec = 0.07 + 0.01 * math.exp(-i / 10)
        out.append(line.format(i=i, loss=rec + 0.05 * kl, rec=rec, kl=kl))
    return ("\n".join(out) + "\n").encode()


def _levels(data: bytes) -> dict[str, str]:
    run = Run("units", RunOptions())
    run.feed(data)
    run.finish()
    return {v.id: v.level for v in run.snapshot().criteria}


@pytest.mark.parametrize(
    "line",
    [
        "Epoch {i}: loss={loss:.5f} rec_loss={rec:.5f} kl_loss={kl:.4f} kl_weight=0.05",
        "epoch={i} loss={loss:.5f} rec_loss={rec:.5f} kl_loss={kl:.4f} kl_weight=0.05",
        "loss={loss:.5f} rec_loss={rec:.5f} kl_loss={kl:.4f} kl_weight=0.05",
    ],
    ids=["epoch-label", "epoch-key", "no-counter"],
)
def test_a_collapse_logged_per_epoch_or_without_a_counter_reads_bad(line: str) -> None:
    assert _levels(_collapse(line))["kl_zone"] == "bad"


def test_a_collapse_in_the_first_training_steps_is_still_only_watched() -> None:
    line = "step={i} loss={loss:.5f} rec_loss={rec:.5f} kl_loss={kl:.4f} kl_weight=0.05"
    assert _levels(_collapse(line))["kl_zone"] == "watch"
