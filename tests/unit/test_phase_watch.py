"""Phase events: the discriminator switching on, warm-ups ending, schedule changes; the same
events whether points come one at a time or as a column."""

from __future__ import annotations

import numpy as np

from vaetui.core.phase_watch import PhaseWatch, disc_grace_end
from vaetui.core.run import Run

SCHEDULE = [  # step, lr, kl_weight
    (1, 0.1, 0.0),
    (2, 0.1, 0.5),
    (3, 0.1, 1.0),
    (4, 0.01, 1.0),
    (5, 0.01, 1.0),
    (6, 0.01, 2.0),
    (7, 0.01, 2.0),
    (8, 0.01, 0.0),
    (9, 0.01, 1.0),
    (10, 0.01, 2.0),
    (11, 0.01, 2.0),
]


def phases_of(text: str) -> list[tuple[float | None, int | None, str]]:
    run = Run("p.log")
    run.feed(text.encode())
    run.finish()
    return [(e.step, e.line, e.message) for e in run.snapshot().phases]


def test_learning_rate_changes_beside_the_kl_schedule() -> None:
    """The learning rate's drop is this watcher's; kl_weight's warm-up and changes are the
    kl_weight schedule's (core/phases.py): both are phase events, each listed once."""
    text = "".join(f"step {s} lr={lr} kl_weight={w} loss=1\n" for s, lr, w in SCHEDULE)
    got = sorted(phases_of(text))
    assert (4, 4, "learning rate drops 0.1 -> 0.01 (schedule change)") in got
    assert not [m for _, _, m in got if "lr" not in m and "learning" not in m and "kl" not in m]
    assert any("kl_weight" in m for _, _, m in got)
    assert len({(s, m) for s, _, m in got}) == len(got)


def test_smooth_schedules_are_no_changes() -> None:
    """A cosine decay or a slow creep is a schedule, not a change at every step; a warm-up
    from the first point ends once."""
    steps = np.arange(1, 2001)
    lr = np.where(steps < 100, steps / 100, 0.5 * (1 + np.cos(np.pi * (steps - 100) / 1900)))
    text = "".join(f"step {s} lr={v:.6g} loss=1\n" for s, v in zip(steps, lr))
    assert [m for _, _, m in phases_of(text)] == ["learning-rate warm-up ends: lr reached 1"]


def test_column_and_point_paths_agree() -> None:
    rng = np.random.default_rng(3)
    values = np.repeat([1e-4, 1e-4, 5e-5, 5e-5, 1e-5], 40) * (1 + 1e-3 * rng.random(200))
    steps = np.arange(200, dtype=float)
    lines = np.arange(200) + 1
    by_point, by_column = PhaseWatch(), PhaseWatch()
    points = []
    for s, v, n in zip(steps, values, lines):
        points += by_point.note_point("lr", float(s), float(v), int(n))
    column = []
    for part in np.array_split(np.arange(200), 7):  # columns of any size
        column += by_column.note("lr", steps[part], values[part], lines[part])
    assert points == column
    assert [e.step for e in points if "drops" in e.message] == [80.0, 160.0]


def test_discriminator_switches_on_once() -> None:
    w = PhaseWatch()
    zeros = np.zeros(5)
    assert w.note("disc_factor", np.arange(5.0), zeros, np.arange(5) + 1) == []
    events = w.note("disc_factor", np.arange(5.0, 8.0), np.ones(3), np.arange(6, 9))
    assert [(e.step, e.line, e.kind) for e in events] == [(5.0, 6, "phase")]
    assert w.disc_start == 5.0
    # The discriminator's own loss turning on at the same step adds nothing.
    assert w.note("disc_loss", np.arange(8.0), np.r_[zeros, [1, 1, 1]], np.arange(8) + 1) == []
    # A g_loss that is non-zero from the start (latent-diffusion computes it all along): no event.
    fresh = PhaseWatch()
    assert fresh.note("g_loss", np.arange(4.0), np.full(4, 0.1), np.arange(4)) == []
    assert fresh.disc_start is None
    fresh.new_segment()
    assert fresh.note("g_loss", np.arange(4.0), np.r_[0, 0, 0, 0.2], np.arange(4))[0].step == 3.0


def test_grace_end() -> None:
    steps = np.arange(0.0, 100.0, 10.0)
    assert disc_grace_end(steps, None, 3) is None
    assert disc_grace_end(steps, 30.0, 3) == 60.0
    assert disc_grace_end(steps, 80.0, 3) == float("inf")
