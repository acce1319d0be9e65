"""Thresholds behind every verdict: the seed's numbers as defaults, overridable from TOML.

``vaetui profile show`` prints a profile as TOML; a user copies it, edits the bands for their
latent and batch size, and passes ``--profile FILE``. Unknown keys or wrong types are an
error with one clear sentence, never silently ignored.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


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


@dataclass(frozen=True)
class Divergence:
    spike_factor: float = 10.0


@dataclass(frozen=True)
class Stall:
    interval_factor: float = 10.0
    min_seconds: float = 60.0


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
    sharpness: Sharpness = field(default_factory=Sharpness)
    smoothing: Smoothing = field(default_factory=Smoothing)


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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read profile {spec}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {spec} is not valid TOML: {exc}") from None
    base = BUILTIN.get(str(data.pop("base", "default")), Profile())
    merged = _merge(base, data, "")
    return replace(merged, name=str(data.get("name", path.stem)))


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
            changes[key] = type(current)(value)
        else:
            changes[key] = str(value)
    return replace(obj, **changes)


def profile_to_toml(profile: Profile) -> str:
    """The profile as TOML that ``load_profile`` reads back unchanged."""
    data = asdict(profile)
    lines = [
        "# vaetui profile: thresholds behind every verdict.",
        "# Copy, edit and pass with --profile FILE. Shares are fractions (0.33 = 33%).",
        f"name = {_toml_value(data.pop('name'))}",
    ]
    _emit_tables(data, "", lines)
    return "\n".join(lines) + "\n"


def _emit_tables(data: dict[str, Any], prefix: str, lines: list[str]) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    if prefix and scalars:
        lines.append("")
        lines.append(f"[{prefix}]")
    for key, value in scalars.items():
        lines.append(f"{key} = {_toml_value(value)}")
    for key, value in tables.items():
        _emit_tables(value, f"{prefix}.{key}" if prefix else key, lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
