"""The image facts a snapshot carries: immutable, JSON-ready, free of any decoding."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

INPUTS = "inputs"
RECONSTRUCTIONS = "reconstructions"
SAMPLES = "samples"
KINDS: tuple[str, ...] = (INPUTS, RECONSTRUCTIONS, SAMPLES)


@dataclass(frozen=True)
class ImageFile:
    """One complete, decodable image file."""

    path: str
    #: ``inputs``, ``reconstructions`` or ``samples``.
    kind: str
    #: The training step it shows (None when neither its name nor its time tells).
    step: float | None
    #: ``name`` (read from the file name) or ``time`` (the log's step when it was written).
    step_from: str
    mtime: float
    width: int
    height: int
    frames: int = 1


@dataclass(frozen=True)
class ImageSet:
    """The images of one step in one folder: an input/reconstruction pair, or a sample."""

    step: float | None
    #: The folder they came from, relative to where they were found (``images/train``).
    group: str
    files: Mapping[str, ImageFile] = field(default_factory=dict)
    #: Peak signal-to-noise ratio of the reconstruction against its input, in dB.
    psnr: float | None = None
    #: Laplacian variance of the reconstruction over that of its input (1 = as sharp).
    sharpness: float | None = None
    #: Why the pair could not be measured (sizes differ, ...), if it could not.
    note: str = ""

    @property
    def inputs(self) -> ImageFile | None:
        return self.files.get(INPUTS)

    @property
    def reconstructions(self) -> ImageFile | None:
        return self.files.get(RECONSTRUCTIONS)

    @property
    def samples(self) -> ImageFile | None:
        return self.files.get(SAMPLES)

    @property
    def mtime(self) -> float:
        return max((f.mtime for f in self.files.values()), default=0.0)

    @property
    def is_pair(self) -> bool:
        return self.inputs is not None and self.reconstructions is not None

    def to_json(self) -> dict[str, Any]:
        """The ``check --json`` form of one set (paths as found)."""
        out: dict[str, Any] = {"step": _json_step(self.step), "group": self.group}
        for kind in KINDS:
            f = self.files.get(kind)
            out[kind] = f.path if f is not None else None
        out["psnr"] = _json_number(self.psnr)
        out["sharpness"] = _json_number(self.sharpness)
        return out


@dataclass(frozen=True)
class ImagesSummary:
    """What was found: the newest sets (oldest first) and what had to be skipped."""

    #: Sets found in all (the ``sets`` tuple keeps only the newest of them).
    count: int
    sets: tuple[ImageSet, ...]
    #: Files skipped, by reason ("corrupt", "too large", "unknown format", "not listed").
    skipped: Mapping[str, int] = field(default_factory=dict)
    #: Files seen but not complete yet (being written).
    pending: int = 0
    #: The folders looked in that exist.
    folders: tuple[str, ...] = ()

    @property
    def newest(self) -> ImageSet | None:
        """The newest set, preferring one with an input/reconstruction pair at that step."""
        if not self.sets:
            return None
        last = self.sets[-1]
        same = [s for s in self.sets if s.step == last.step and s.step is not None]
        pairs = [s for s in same if s.is_pair]
        return pairs[-1] if pairs else last

    @property
    def measured(self) -> tuple[ImageSet, ...]:
        """Sets with a PSNR and a sharpness ratio, oldest first."""
        return tuple(s for s in self.sets if s.sharpness is not None)

    def to_json(self) -> dict[str, Any]:
        newest = self.newest
        return {
            "count": self.count,
            "newest": None if newest is None else newest.to_json(),
            "skipped": sum(self.skipped.values()),
            "skipped_by_reason": dict(self.skipped),
            "pending": self.pending,
        }


def _json_number(x: float | None) -> float | str | None:
    if x is None:
        return None
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return round(float(x), 4)


def _json_step(step: float | None) -> int | float | None:
    if step is None:
        return None
    return int(step) if float(step).is_integer() else step
