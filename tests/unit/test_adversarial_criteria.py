"""The adversarial half at its boundaries: adversarial, adaptive_weight, logvar.

Numbers are written out (hinge loss ~1.0 healthy; d_weight's ceiling 1e4 x disc_weight 0.5),
not read from vaetui, so a changed default shows up here.
"""

from __future__ import annotations

import pytest

from tests.unit.test_criteria import verdicts
from vaetui.core.profile import load_profile

ON = {"disc_state": "on", "adversarial_points": 100, "disc_start": 600.0}


def adv(**fields) -> tuple[str, str]:
    v = verdicts(**{**ON, **fields})["adversarial"]
    return v.level, v.summary


@pytest.mark.parametrize(
    ("disc", "real", "fake", "want", "word"),
    [
        (1.0, 0.1, -0.1, "excellent", "balanced"),
        (0.8, 0.2, -0.2, "excellent", "balanced"),
        (1.2, 0.2, -0.2, "excellent", "balanced"),
        (0.79, 0.2, -0.2, "ok", "close to balanced"),
        (1.0, 0.7, -0.6, "ok", "close to balanced"),  # gap 1.3: between close and winning
        (1.21, 0.1, -0.1, "ok", "close to balanced"),
        (0.39, 0.5, -0.5, "watch", "gaining the upper hand"),
        (0.9, 1.5, -1.0, "watch", "gaining the upper hand"),  # gap 2.5 > 2
        (1.61, 0.0, 0.0, "watch", "failing"),
        (0.09, 3.0, -3.0, "bad", "has won"),
        (0.09, 0.5, -0.5, "watch", "gaining the upper hand"),  # low loss, logits close
        (2.51, -1.0, 4.0, "bad", "diverges"),
    ],
)
def test_adversarial_discriminator_bands(disc, real, fake, want, word) -> None:
    level, summary = adv(disc_loss=disc, logits_real=real, logits_fake=fake, g_loss=-fake)
    assert level == want
    assert word in summary


def test_adversarial_rising_fast_is_failing() -> None:
    assert adv(disc_loss=1.3, disc_change=0.6)[0] == "watch"
    assert adv(disc_loss=1.3, disc_change=0.4)[0] == "ok"


@pytest.mark.parametrize(("g", "want"), [(9.9, "excellent"), (10.1, "watch"), (-150.0, "bad")])
def test_adversarial_generator_runaway(g: float, want: str) -> None:
    assert adv(g_loss=g)[0] == want
    assert adv(g_loss=g, disc_loss=1.0, logits_real=0.1, logits_fake=-0.1)[0] == want


def test_adversarial_not_applicable_pending_and_nan() -> None:
    assert verdicts()["adversarial"].level == "n/a"
    off = verdicts(disc_loss=0.0, disc_state="off", adversarial_points=50)["adversarial"]
    assert off.level == "pending" and "not on yet" in off.summary
    grace = verdicts(disc_loss=1.4, disc_state="grace", disc_start=600.0, adversarial_points=3)
    assert grace["adversarial"].level == "pending"
    assert "600" in grace["adversarial"].summary
    nan = verdicts(**{**ON, "disc_loss": 1.0, "adversarial_finite": False, "kl": 500.0})
    assert nan["adversarial"].level == "bad"
    everything = verdicts(**ON, disc_loss=1.0, adversarial_finite=False, last_is_finite=False)
    assert everything["adversarial"].level == "n/a"


@pytest.mark.parametrize(
    ("d", "growth", "flat", "want"),
    [
        (0.8, 1.0, False, "excellent"),
        (0.8, 2.9, False, "excellent"),
        (2.5, 3.1, False, "ok"),
        (8.0, 10.1, False, "watch"),
        (2501.0, 1.0, False, "watch"),  # above half the ceiling 5000
        (80.0, 100.1, False, "bad"),
        (4900.0, 1.0, False, "bad"),  # 98% of the ceiling
        (5000.0, 6000.0, True, "bad"),
        (60.0, 1.0, True, "bad"),  # frozen at >= 1% of the ceiling: pinned
        (0.5, 1.0, True, "excellent"),  # frozen but tiny: not a clamp
    ],
)
def test_adaptive_weight_bands(d: float, growth: float, flat: bool, want: str) -> None:
    v = verdicts(**ON, d_weight=d, d_weight_growth=growth, d_weight_flat=flat)["adaptive_weight"]
    assert v.level == want, v.summary


def test_adaptive_weight_ceiling_follows_disc_weight(tmp_path) -> None:
    path = tmp_path / "w.toml"
    path.write_text("[adaptive_weight]\ndisc_weight = 1.0\n")
    profile = load_profile(str(path))
    v = verdicts(profile, **ON, d_weight=4900.0, d_weight_growth=1.0)["adaptive_weight"]
    assert v.level == "excellent"  # 4900 is below half of the ceiling 1e4
    near = verdicts(profile, **ON, d_weight=5001.0, d_weight_growth=1.0)["adaptive_weight"]
    assert near.level == "watch"
    assert verdicts(**ON, d_weight=0.8)["adaptive_weight"].level == "excellent"
    pre = verdicts(d_weight=30.0, disc_state="off", adversarial_points=40)["adaptive_weight"]
    assert pre.level == "pending"
    assert verdicts()["adaptive_weight"].level == "n/a"


@pytest.mark.parametrize(
    ("lv", "drift", "nll", "want"),
    [
        (-0.3, -0.09, -0.28, "excellent"),  # settled; a negative nll is expected
        (-0.3, 0.05, 0.1, "excellent"),
        (-1.0, -0.2, -0.9, "ok"),
        (-1.0, -0.5, 0.4, "ok"),  # drifting, nll still positive
        (-2.0, -0.25, -1.9, "watch"),
        (-4.0, -0.6, -3.0, "watch"),
        (-10.1, -0.6, -3.0, "bad"),
    ],
)
def test_logvar_bands(lv: float, drift: float, nll: float, want: str) -> None:
    v = verdicts(logvar=lv, logvar_drift=drift, nll=nll)["logvar"]
    assert v.level == want, v.summary


def test_logvar_absent_or_short() -> None:
    assert verdicts()["logvar"].level == "n/a"
    assert verdicts(logvar=-0.1, logvar_drift=None)["logvar"].level == "pending"
