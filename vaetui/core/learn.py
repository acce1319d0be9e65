"""A profile learned from a run you trust: bands around its settled levels, with margins.

The seed says the KL bands depend on latent and batch size, so its raw numbers fit one
model. ``vaetui profile learn GOOD.log`` reads a healthy run of the user's own model and puts
each band around what that run settled at (KL raw and per element, reconstruction of its
metric type, KL share, perception, the discriminator's levels), each with a margin written as
a note the user can read and edit; ``--profile`` then judges the run's siblings by them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, TypeVar

from vaetui.core.criteria.base import fmt_number
from vaetui.core.profile import (
    Adversarial,
    KlShare,
    KlZone,
    Perception,
    Profile,
    RecBands,
)
from vaetui.core.snapshot import Snapshot, Verdict

#: A profile section (a frozen dataclass of bands).
_T = TypeVar("_T", KlZone, Adversarial)


class LearnError(ValueError):
    """The reference run cannot teach a profile; the message is one sentence for the user."""


@dataclass(frozen=True)
class Margins:
    """How far from the reference's level each band reaches (factors; ``x/÷``)."""

    kl_excellent: float = 2.0
    kl_ok_below: float = 4.0
    kl_collapse_below: float = 20.0
    kl_explode_above: float = 5.0
    rec_excellent: float = 1.5
    rec_ok: float = 3.0
    rec_watch: float = 6.0
    rec_memorise_below: float = 10.0
    share_watch_below: float = 2.5
    share_bad_below: float = 10.0
    disc_excellent: float = 1.25
    disc_gaining_below: float = 2.5
    disc_winning_below: float = 10.0
    disc_failing_above: float = 1.6
    disc_diverge_above: float = 2.5


class _Notes:
    """Collects ``section.key -> where the band came from`` for the profile's ``[notes]``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, text: str) -> None:
        self.items.append((key, f"learned from {self.source}: {text}"))


def learn_profile(
    snap: Snapshot, source: str, name: str, base: Profile | None = None, m: Margins | None = None
) -> Profile:
    """A profile whose bands sit around the levels ``snap`` (a healthy run) settled at.

    Bands whose metric the reference does not log keep ``base``'s values (default: the seed's).
    Raises LearnError when the reference has no metrics or diverged.
    """
    base, m = base or Profile(), m or Margins()
    if snap.records == 0:
        raise LearnError(f"{source}: no metric lines to learn from")
    div = snap.verdict("divergence")
    if div is not None and div.level == "bad":
        raise LearnError(f"{source} diverged ({div.summary}): learn from a healthy run")
    notes = _Notes(source)
    profile = replace(base, name=name)
    profile = replace(profile, kl_zone=_kl_zone(snap, profile.kl_zone, m, notes))
    profile = replace(
        profile, kl_share=_kl_share(snap.verdict("kl_share"), profile.kl_share, m, notes)
    )
    profile = replace(profile, rec_range=_rec_range(snap, profile, m, notes))
    profile = replace(
        profile, perception=_perception(snap.verdict("perception"), profile, m, notes)
    )
    profile = replace(
        profile, adversarial=_adversarial(snap.verdict("adversarial"), profile, m, notes)
    )
    return replace(profile, notes=tuple(notes.items))


def _r(x: float) -> float:
    """A band as a person writes it: four significant digits."""
    return float(f"{x:.4g}")


def _judged(v: Verdict | None, key: str) -> float | None:
    """A number the reference's verdict judged (None when n/a or not a number)."""
    if v is None or v.level == "n/a":
        return None
    x = v.inputs.get(key)
    return float(x) if isinstance(x, (int, float)) and x == x and abs(x) != float("inf") else None


def _kl_zone(snap: Snapshot, z: KlZone, m: Margins, notes: _Notes) -> KlZone:
    kl = _judged(snap.verdict("kl_zone"), "kl_ema")
    if kl is None or kl <= 0:
        return z
    bands = {
        "collapse_below": ("÷", m.kl_collapse_below),
        "diversity_below": ("÷", m.kl_ok_below),
        "excellent_min": ("÷", m.kl_excellent),
        "excellent_max": ("×", m.kl_excellent),
        "explode_above": ("×", m.kl_explode_above),
    }
    z = _around(z, "kl_zone", "", kl, "settled KL", bands, notes)
    if snap.latent_dim:
        per = kl / snap.latent_dim
        z = _around(z, "kl_zone", "per_latent_", per, "settled KL per latent element", bands, notes)
    return z


def _around(
    section: _T,
    name: str,
    prefix: str,
    level: float,
    what: str,
    bands: dict[str, tuple[str, float]],
    notes: _Notes,
) -> _T:
    """``section`` with each band set to ``level`` ÷ or × its factor, each noted as learned
    ("settled KL 37.7 ÷ 2" for ``kl_zone.excellent_min``)."""
    values: dict[str, Any] = {}
    for key, (op, factor) in bands.items():
        values[prefix + key] = _r(level / factor if op == "÷" else level * factor)
        notes.add(f"{name}.{prefix}{key}", f"{what} {fmt_number(level)} {op} {fmt_number(factor)}")
    return replace(section, **values)


def _kl_share(v: Verdict | None, s: KlShare, m: Margins, notes: _Notes) -> KlShare:
    if v is None or v.level in ("n/a", "pending") or v.value is None or not 0 < v.value < 1:
        return s
    share = v.value
    text = f"KL share {share:.1%}"
    s = replace(
        s,
        bad_below=_r(share / m.share_bad_below),
        watch_below=_r(share / m.share_watch_below),
        watch_above=_r(share + (1 - share) * 0.5),
        bad_above=_r(share + (1 - share) * 0.8),
    )
    notes.add("kl_share.bad_below", f"{text} ÷ {fmt_number(m.share_bad_below)}")
    notes.add("kl_share.watch_below", f"{text} ÷ {fmt_number(m.share_watch_below)}")
    notes.add("kl_share.watch_above", f"{text}, half way to 100%")
    notes.add("kl_share.bad_above", f"{text}, 80% of the way to 100%")
    return s


def _rec_range(snap: Snapshot, p: Profile, m: Margins, notes: _Notes):
    v = snap.verdict("rec_range")
    rec = _judged(v, "rec_ema")
    metric = snap.rec_metric if snap.rec_metric in ("mse", "l1", "lpips") else "mse"
    if rec is None or rec <= 0:
        return p.rec_range
    bands = RecBands(
        memorise_below=_r(rec / m.rec_memorise_below),
        excellent_max=_r(rec * m.rec_excellent),
        ok_max=_r(rec * m.rec_ok),
        watch_max=_r(rec * m.rec_watch),
        excellent_inclusive=True,
    )
    text = f"settled {metric.upper()} rec_loss {fmt_number(rec)}"
    notes.add(f"rec_range.{metric}.memorise_below", f"{text} ÷ {fmt_number(m.rec_memorise_below)}")
    notes.add(f"rec_range.{metric}.excellent_max", f"{text} × {fmt_number(m.rec_excellent)}")
    notes.add(f"rec_range.{metric}.ok_max", f"{text} × {fmt_number(m.rec_ok)}")
    notes.add(f"rec_range.{metric}.watch_max", f"{text} × {fmt_number(m.rec_watch)}")
    changes: dict[str, Any] = {metric: bands}
    return replace(p.rec_range, **changes)


def _perception(v: Verdict | None, p: Profile, m: Margins, notes: _Notes) -> Perception:
    x = _judged(v, "perception_ema")
    if x is None or x <= 0:
        return p.perception
    text = f"settled perception loss {fmt_number(x)}"
    notes.add("perception.excellent_max", f"{text} × {fmt_number(m.rec_excellent)}")
    notes.add("perception.ok_max", f"{text} × {fmt_number(m.rec_ok)}")
    notes.add("perception.watch_max", f"{text} × {fmt_number(m.rec_watch)}")
    return Perception(_r(x * m.rec_excellent), _r(x * m.rec_ok), _r(x * m.rec_watch))


def _adversarial(v: Verdict | None, p: Profile, m: Margins, notes: _Notes) -> Adversarial:
    a = p.adversarial
    d = _judged(v, "disc_loss_ema")
    if v is None or v.level in ("n/a", "pending") or d is None or d <= 0:
        return a
    bands = {
        "winning_below": ("÷", m.disc_winning_below),
        "gaining_below": ("÷", m.disc_gaining_below),
        "excellent_min": ("÷", m.disc_excellent),
        "excellent_max": ("×", m.disc_excellent),
        "failing_above": ("×", m.disc_failing_above),
        "diverge_above": ("×", m.disc_diverge_above),
    }
    a = _around(a, "adversarial", "", d, "settled disc_loss", bands, notes)
    gap = _judged(v, "logit_gap")
    if gap is not None and abs(gap) * 2 > a.gap_close:
        a = replace(a, gap_close=_r(abs(gap) * 2), gap_winning=_r(max(a.gap_winning, abs(gap) * 4)))
        notes.add("adversarial.gap_close", f"logit gap {fmt_number(gap)} × 2")
        notes.add("adversarial.gap_winning", f"logit gap {fmt_number(gap)} × 4")
    return a
