"""Thresholds behind every verdict: the seed's numbers as defaults, overridable from TOML.

``vaetui profile show`` prints a profile as TOML; a user copies it, edits the bands for their
latent and batch size, and passes ``--profile FILE``. Unknown keys or wrong types are an
error with one clear sentence, never silently ignored.
"""

from __future__ import annotations

import math
import os
import stat
import sys
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from vaetui.core.formats.custom import FormatError, LineFormat, compile_format
from vaetui.core.profilecheck import InvalidSetting, validate

#: A profile file larger than this is refused: thresholds fit in a few kilobytes.
MAX_PROFILE_BYTES = 1 << 20


class ProfileError(ValueError):
    """A profile file that cannot be used; the message is one sentence for the user."""


@dataclass(frozen=True)
class KlZone:
    """Raw KL bands (seed: hundreds is healthy for high-dimensional video latents)."""

    collapse_below: float = 10.0
    diversity_below: float = 100.0
    excellent_min: float = 200.0
    excellent_max: float = 800.0
    explode_above: float = 5000.0
    #: Judge KL per latent element (KL / latent_dim) with the per_latent_* bands instead.
    per_latent: bool = False
    per_latent_collapse_below: float = 0.01
    per_latent_diversity_below: float = 0.1
    per_latent_excellent_min: float = 0.5
    per_latent_excellent_max: float = 5.0
    per_latent_explode_above: float = 50.0


@dataclass(frozen=True)
class KlTrend:
    """Relative change of KL across the trend window."""

    flat: float = 0.05
    fast: float = 0.25


@dataclass(frozen=True)
class KlShare:
    """kl_weight x KL / total loss (seed: ~33% is healthy)."""

    bad_below: float = 0.02
    watch_below: float = 0.10
    watch_above: float = 0.60
    bad_above: float = 0.90


@dataclass(frozen=True)
class RecBands:
    """Reconstruction-loss bands for one metric type."""

    memorise_below: float = 0.0
    excellent_max: float = 0.02
    ok_max: float = 0.05
    watch_max: float = 0.1
    #: Whether excellent_max itself is excellent (MSE: "0.0001-0.02"; L1: "< 0.05").
    excellent_inclusive: bool = False


@dataclass(frozen=True)
class RecRange:
    #: An MSE or L1 above this cannot be per element of [0, 1] data: it looks summed.
    summed_above: float = 1.0
    mse: RecBands = field(
        default_factory=lambda: RecBands(0.0001, 0.02, 0.05, 0.1, excellent_inclusive=True)
    )
    l1: RecBands = field(default_factory=lambda: RecBands(0.0, 0.05, 0.2, 0.3))
    lpips: RecBands = field(default_factory=lambda: RecBands(0.0, 0.1, 0.3, 0.5))


@dataclass(frozen=True)
class Perception:
    excellent_max: float = 0.1
    ok_max: float = 0.3
    watch_max: float = 0.5


@dataclass(frozen=True)
class Balance:
    """Rec vs KL: a change smaller than ``flat`` across the window counts as flat."""

    flat: float = 0.03
    kl_near_zero: float = 10.0
    #: The danger zone: rec above this multiple of its best of the segment while KL has sunk
    #: below ``danger_kl_fraction`` of its level at that best; it lasts until rec is back
    #: under ``danger_rec_leave`` times its best.
    danger_rec_factor: float = 2.0
    danger_rec_leave: float = 1.5
    danger_kl_fraction: float = 0.1


@dataclass(frozen=True)
class Divergence:
    spike_factor: float = 10.0


@dataclass(frozen=True)
class Stall:
    interval_factor: float = 10.0
    min_seconds: float = 60.0
    #: Quiet this long after a steady pace, a run reads finished (and stall is not judged).
    finished_seconds: float = 1800.0


@dataclass(frozen=True)
class Adversarial:
    """The discriminator's loss (hinge: ~1.0 while it cannot tell real from fake) and logits."""

    #: Below this the discriminator has won (bad, when the logits are far apart too).
    winning_below: float = 0.1
    #: Below this it is gaining the upper hand (watch).
    gaining_below: float = 0.4
    excellent_min: float = 0.8
    excellent_max: float = 1.2
    #: Above this the discriminator is failing (watch); above ``diverge_above`` it diverges.
    failing_above: float = 1.6
    diverge_above: float = 2.5
    #: A rise of the discriminator's loss across the trend window above this is "without bound".
    rising_fast: float = 0.5
    #: logits_real - logits_fake: below ``gap_close`` the two are close; above ``gap_winning``
    #: the discriminator separates them easily.
    gap_close: float = 1.0
    gap_winning: float = 2.0
    #: |g_loss| above these runs away from the discriminator (watch, bad).
    g_runaway_watch: float = 10.0
    g_runaway_bad: float = 100.0


@dataclass(frozen=True)
class AdaptiveWeight:
    """d_weight = |grad nll| / (|grad g| + 1e-4), clamped to [0, clamp], times disc_weight."""

    clamp: float = 1e4
    #: The trainer's disc_weight (latent-diffusion's configs: 0.5); the ceiling is clamp x this.
    disc_weight: float = 0.5
    #: At or above this fraction of the ceiling d_weight is pinned at its clamp (bad).
    pinned_fraction: float = 0.98
    #: Above this fraction of the ceiling it is near its clamp (watch).
    near_fraction: float = 0.5
    #: Growth of d_weight since the adversarial phase began: excellent below ``growth_ok``,
    #: watch from ``growth_watch`` times, bad from ``growth_bad`` times.
    growth_ok: float = 3.0
    growth_watch: float = 10.0
    growth_bad: float = 100.0


@dataclass(frozen=True)
class Logvar:
    """The learned log-variance of nll = rec / exp(logvar) + logvar."""

    #: Change across the trend window (in logvar units) below which it has settled.
    settled: float = 0.1
    #: A steady drift of at least this much per window while nll is negative: watch.
    drift_watch: float = 0.25
    #: |logvar| beyond this has run away (the rec term weighs exp(|logvar|) times): bad.
    runaway_abs: float = 10.0


@dataclass(frozen=True)
class Phases:
    """Schedule changes that become ``phase`` events, and the grace after the discriminator."""

    #: Records after the discriminator switches on that the criteria leave out (the bump).
    disc_grace_points: int = 15
    #: A kl_weight or learning-rate jump between two logged values larger than this
    #: fraction is a schedule change.
    jump: float = 0.3


@dataclass(frozen=True)
class Sharpness:
    """Reconstruction detail relative to its input (Laplacian variance ratio of image pairs)."""

    excellent_min: float = 0.75
    ok_min: float = 0.5
    #: Above this the reconstruction has more fine structure than its input: noise, artefacts.
    noisy_above: float = 2.0
    #: The newest image pairs averaged for the verdict.
    window: int = 3


@dataclass(frozen=True)
class Smoothing:
    """EMA weight of each new value, and the trend window as a share of the segment."""

    ema_alpha: float = 0.1
    trend_window_fraction: float = 0.2
    trend_window_min: int = 20
    trend_window_max: int = 500
    warmup_fraction: float = 0.05

    def full_window_points(self) -> int:
        """Points of a segment from which its trend window is at its largest
        (``trend_window_max``): a longer history moves no trend window."""
        if self.trend_window_fraction <= 0:
            return sys.maxsize
        return math.ceil(self.trend_window_max / self.trend_window_fraction)


@dataclass(frozen=True)
class Steady:
    """What keeps a badge still: hysteresis, significance and a minimum dwell."""

    #: Records a new level must hold before it shows (NaN/inf show at once).
    dwell_records: int = 3
    #: Records a new trend level (kl_trend, balance) must hold; bad needs only dwell_records.
    trend_dwell_records: int = 10
    #: A level is kept while its number is within this margin (relative) of its band.
    level_margin: float = 0.1
    #: A trend direction is kept while its change is beyond (1 - margin) x the flat band.
    trend_margin: float = 0.5
    #: A trend needs a change this many standard errors from zero to count.
    t_crit: float = 2.0
    #: This many newest raw records all in a bad band make it bad without waiting for the EMA.
    fast_bad_records: int = 5
    #: A newest segment with fewer records shows the previous segment's verdicts.
    min_segment_records: int = 20
    #: A new trend direction needs its change beyond the flat band by this many standard errors.
    trend_clear_se: float = 1.5
    #: A trend's move between excellent and ok must hold for this share of the segment's records
    #: (and at least trend_dwell_records): reassurance and mild worry wait for evidence.
    calm_dwell_fraction: float = 0.25
    #: Before this training step (and this many records) a fresh model is in its first
    #: transient: a level band's ``bad`` shows as ``watch`` (NaN/inf stay immediate).
    young_steps: float = 200.0
    young_records: int = 150


@dataclass(frozen=True)
class Profile:
    """All thresholds in force."""

    name: str = "default"
    kl_zone: KlZone = field(default_factory=KlZone)
    kl_trend: KlTrend = field(default_factory=KlTrend)
    kl_share: KlShare = field(default_factory=KlShare)
    rec_range: RecRange = field(default_factory=RecRange)
    perception: Perception = field(default_factory=Perception)
    balance: Balance = field(default_factory=Balance)
    divergence: Divergence = field(default_factory=Divergence)
    stall: Stall = field(default_factory=Stall)
    adversarial: Adversarial = field(default_factory=Adversarial)
    adaptive_weight: AdaptiveWeight = field(default_factory=AdaptiveWeight)
    logvar: Logvar = field(default_factory=Logvar)
    phases: Phases = field(default_factory=Phases)
    sharpness: Sharpness = field(default_factory=Sharpness)
    smoothing: Smoothing = field(default_factory=Smoothing)
    steady: Steady = field(default_factory=Steady)
    #: Line formats of the user's own (``[[formats]]``), tried first on every text line.
    formats: tuple[LineFormat, ...] = ()

    def line_format(self, name: str) -> LineFormat | None:
        """The profile's format called ``name``, if it has one."""
        return next((f for f in self.formats if f.name == name), None)

    #: Where bands came from, as ``("kl_zone.excellent_min", "learned from GOOD.log: ...")``
    #: (the ``[notes]`` table of a profile file; ``profile show`` prints them as comments).
    notes: tuple[tuple[str, str], ...] = ()


BUILTIN: dict[str, Profile] = {
    "default": Profile(),
    "per-latent": Profile(name="per-latent", kl_zone=KlZone(per_latent=True)),
}


def load_profile(spec: str | None) -> Profile:
    """A built-in profile by name, or a TOML file by path (None: the default)."""
    if spec is None or spec in BUILTIN:
        return BUILTIN[spec or "default"]
    path = Path(spec)
    if not path.exists():
        names = ", ".join(BUILTIN)
        raise ProfileError(f"profile {spec!r} is neither a built-in ({names}) nor a file")
    # Imported here: only a profile file is TOML (start-up does without it).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
    try:
        data = tomllib.loads(_read_small(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read profile {spec}: {exc}") from None
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise ProfileError(f"profile {spec} is not valid TOML: {exc}") from None
    base = _base(data.pop("base", "default"))
    name = data.pop("name", path.stem)
    if not isinstance(name, str):
        raise ProfileError("profile key name must be a string")
    notes = _notes(data.pop("notes", {}), base)
    formats = _formats(data.pop("formats", []), spec)
    merged = _merge(base, data, "")
    try:
        validate(merged)
    except InvalidSetting as exc:
        raise ProfileError(f"profile setting {exc}") from None
    return replace(merged, name=name, formats=formats, notes=notes)


def _notes(table: Any, base: Profile) -> tuple[tuple[str, str], ...]:
    """The ``[notes]`` table: ``"section.key" = "where this band came from"``."""
    if not isinstance(table, dict):
        raise ProfileError("profile key notes must be a table")
    out = []
    for key, text in table.items():
        if not isinstance(text, str):
            raise ProfileError(f"profile note {key!r} must be a string")
        obj: Any = base
        for part in key.split("."):
            if not is_dataclass(obj) or part not in {f.name for f in fields(obj)}:
                raise ProfileError(f"profile note {key!r} names no setting")
            obj = getattr(obj, part)
        out.append((key, text))
    return tuple(out)


def _read_small(path: Path) -> str:
    """A profile's text; anything but a regular file of at most ``MAX_PROFILE_BYTES`` is
    refused (``--profile /dev/zero`` would otherwise be read for ever)."""
    with path.open("rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ProfileError(f"profile {path} is not a regular file")
        data = fh.read(MAX_PROFILE_BYTES + 1)
    if len(data) > MAX_PROFILE_BYTES:
        raise ProfileError(f"profile {path} is larger than {MAX_PROFILE_BYTES >> 20} MB")
    return data.decode("utf-8")


def _base(value: Any) -> Profile:
    """The built-in profile a file starts from; an unknown name is an error, not a fallback."""
    if not isinstance(value, str) or value not in BUILTIN:
        names = ", ".join(BUILTIN)
        raise ProfileError(
            f"profile key base must name a built-in profile ({names}), not {value!r}"
        )
    return BUILTIN[value]


def _formats(tables: Any, spec: str) -> tuple[LineFormat, ...]:
    """The ``[[formats]]`` tables of a profile, each checked (one sentence if broken)."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ProfileError(f"profile {spec}: formats must be [[formats]] tables")
    out: list[LineFormat] = []
    for table in tables:
        unknown = set(table) - {"name", "pattern"}
        if unknown:
            raise ProfileError(f"profile {spec}: unknown key {sorted(unknown)[0]!r} in [[formats]]")
        try:
            out.append(compile_format(table.get("name"), table.get("pattern")))
        except FormatError as exc:
            raise ProfileError(f"profile {spec}: {exc}") from None
    return tuple(out)


def _merge(obj: Any, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(obj)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ProfileError(f"profile has an unknown key {where}{key!r}")
        current = getattr(obj, key)
        if is_dataclass(current):
            if not isinstance(value, dict):
                raise ProfileError(f"profile key {where}{key} must be a table")
            changes[key] = _merge(current, value, f"{where}{key}.")
        elif isinstance(current, bool):
            if not isinstance(value, bool):
                raise ProfileError(f"profile key {where}{key} must be true or false")
            changes[key] = value
        elif isinstance(current, (int, float)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ProfileError(f"profile key {where}{key} must be a number")
            changes[key] = _number(value, type(current), f"{where}{key}")
        else:
            if not isinstance(value, str):
                raise ProfileError(f"profile key {where}{key} must be a string")
            changes[key] = value
    return replace(obj, **changes)


def _number(value: float, kind: type, name: str) -> float:
    """``value`` as the setting's type (int or float); huge or fractional counts refused."""
    if kind is int and not (
        isinstance(value, int) or (math.isfinite(value) and value.is_integer())
    ):
        raise ProfileError(f"profile key {name} must be a whole number")
    try:
        return kind(value)
    except (OverflowError, ValueError):
        raise ProfileError(f"profile key {name} must be a finite number") from None


def profile_to_toml(profile: Profile) -> str:
    """The profile as TOML that ``load_profile`` reads back unchanged."""
    data = asdict(profile)
    data.pop("notes", None)
    notes = dict(profile.notes)
    data.pop("formats", None)
    lines = [
        "# vaetui profile: thresholds behind every verdict.",
        "# Copy, edit and pass with --profile FILE. Shares are fractions (0.33 = 33%).",
        f"name = {_toml_value(data.pop('name'))}",
    ]
    _emit_tables(data, "", lines, notes)
    if notes:
        lines += ["", "# Where each band came from (shown as the comments above).", "[notes]"]
        lines += [f"{_toml_value(k)} = {_toml_value(v)}" for k, v in notes.items()]
    lines.extend(_format_lines(profile.formats))
    return "\n".join(lines) + "\n"


#: How ``profile show`` documents ``[[formats]]`` when the profile has none.
FORMATS_EXAMPLE = """
# Line formats of your own, for log lines nothing else reads. Each is a name and a regular
# expression (Python syntax, in single quotes); its named groups are `step`, `epoch` and
# metric names, mapped through the alias table like any other key. A format is tried first
# on every line; --format NAME reads the log with that format only.
# [[formats]]
# name = "mytrainer"
# pattern = 'it (?P<step>\\d+) \\| nll (?P<rec_loss>\\S+) \\| kld (?P<kl_loss>\\S+)'"""


def _format_lines(formats: tuple[LineFormat, ...]) -> list[str]:
    if not formats:
        return FORMATS_EXAMPLE.split("\n")
    out: list[str] = []
    for f in formats:
        out += [
            "",
            "[[formats]]",
            f"name = {_toml_value(f.name)}",
            f"pattern = {_literal(f.pattern)}",
        ]
    return out


def _literal(text: str) -> str:
    """A TOML literal string when possible (regexes read best without escapes)."""
    if "'" not in text and "\n" not in text:
        return f"'{text}'"
    return _toml_value(text)


def _emit_tables(
    data: dict[str, Any], prefix: str, lines: list[str], notes: dict[str, str] | None = None
) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    if prefix and scalars:
        lines.append("")
        lines.append(f"[{prefix}]")
    for key, value in scalars.items():
        note = (notes or {}).get(f"{prefix}.{key}" if prefix else key)
        if note:
            lines.append(f"# {' '.join(note.split())}")
        lines.append(f"{key} = {_toml_value(value)}")
    for key, value in tables.items():
        _emit_tables(value, f"{prefix}.{key}" if prefix else key, lines, notes)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
