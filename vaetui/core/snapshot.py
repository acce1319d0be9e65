"""Immutable pictures of a run's state, handed from the core to its readers.

The core builds a :class:`Snapshot` whenever someone asks; the TUI, ``vaetui check``
and the tests only ever read snapshots, so they never see a half-updated run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from vaetui.core.compared import ReferenceReport
    from vaetui.core.images.model import ImagesSummary

#: Levels from best to worst; ``pending`` and ``n/a`` sit outside the ranking.
LEVELS: tuple[str, ...] = ("excellent", "ok", "watch", "bad")
PENDING = "pending"
NOT_APPLICABLE = "n/a"
ALL_LEVELS: tuple[str, ...] = (*LEVELS, PENDING, NOT_APPLICABLE)

#: Criterion ids in display order (fixed by the JSON interface).
CRITERIA_IDS: tuple[str, ...] = (
    "kl_zone",
    "kl_trend",
    "kl_share",
    "rec_range",
    "balance",
    "perception",
    "divergence",
    "stall",
    "adversarial",
    "adaptive_weight",
    "logvar",
    "sharpness",
)

#: Short titles for the criteria, for badges and tables.
CRITERIA_TITLES: dict[str, str] = {
    "kl_zone": "KL zone",
    "kl_trend": "KL trend",
    "kl_share": "KL share",
    "rec_range": "Rec range",
    "balance": "Balance",
    "perception": "Perception",
    "divergence": "Divergence",
    "stall": "Stall",
    "adversarial": "Discrim.",
    "adaptive_weight": "d_weight",
    "logvar": "logvar",
    "sharpness": "Sharpness",
}

#: The seed's criteria: compact layouts show these first (the rest may be hidden when n/a).
SEED_CRITERIA: tuple[str, ...] = CRITERIA_IDS[:8]


#: The pseudo-criterion whose changes are those of the overall verdict.
OVERALL = "overall"


def level_rank(level: str) -> int:
    """Rank a level for "worst of": pending and n/a count as healthy."""
    return LEVELS.index(level) if level in LEVELS else -1


def worst_level(levels: list[str] | tuple[str, ...]) -> str:
    """The worst ranked level among ``levels``; ``pending`` when none is ranked."""
    ranked = [lv for lv in levels if lv in LEVELS]
    if not ranked:
        return PENDING
    return max(ranked, key=level_rank)


@dataclass(frozen=True)
class Verdict:
    """One criterion's judgement: level, the number judged, and what to do."""

    id: str
    level: str
    value: float | None
    summary: str
    advice: str
    #: Thresholds in force for this criterion, as human-readable text.
    thresholds: str = ""
    #: Extra numbers behind the judgement (name -> value), for the detail view.
    inputs: Mapping[str, float | str | None] = field(default_factory=dict)
    #: Step where the evidence for this level begins (the first NaN; the step where the
    #: smoothed value entered the band), when the criterion knows it.
    since: float | None = None
    #: Shown at once, without the minimum dwell (NaN/inf).
    immediate: bool = False

    @property
    def title(self) -> str:
        return CRITERIA_TITLES.get(self.id, self.id)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level,
            "value": _json_number(self.value),
            "summary": self.summary,
            "advice": self.advice,
        }


@dataclass(frozen=True)
class Event:
    """Something worth a line in the events list: restart, nan, spike, phase or verdict."""

    step: float | None
    line: int | None
    kind: str
    message: str
    #: For a verdict event: which criterion moved, from which level to which.
    criterion: str = ""
    before: str = ""
    after: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "step": json_step(self.step),
            "line": self.line,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass(frozen=True)
class VerdictChange:
    """One criterion moved from one level to another (or got its first ranked level)."""

    #: 1, 2, 3 ... in the order the changes happened; readers remember the last they saw.
    seq: int
    criterion: str
    before: str | None
    after: str
    step: float | None
    line: int | None
    summary: str
    advice: str = ""

    @property
    def title(self) -> str:
        return (
            "Overall"
            if self.criterion == OVERALL
            else CRITERIA_TITLES.get(self.criterion, self.criterion)
        )

    def to_json(self) -> dict[str, Any]:
        """The ``check --follow`` line: step, criterion, from, to, summary (and line)."""
        return {
            "step": json_step(self.step),
            "line": self.line,
            "criterion": self.criterion,
            "from": self.before,
            "to": self.after,
            "summary": self.summary,
        }


@dataclass(frozen=True)
class MetricSummary:
    """Streaming statistics of one metric over the current segment."""

    name: str
    last: float | None
    ema: float | None
    #: Relative change across the trend window (-0.10 means fell 10%).
    slope: float | None
    #: "rising", "falling", "flat" or "unknown".
    trend: str
    min: float | None
    max: float | None
    count: int
    nan_count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "last": _json_number(self.last),
            "ema": _json_number(self.ema),
            "slope": _json_number(self.slope),
            "trend": self.trend,
            "min": _json_number(self.min),
            "max": _json_number(self.max),
            "count": self.count,
            "nan_count": self.nan_count,
        }


@dataclass(frozen=True)
class Series:
    """A metric's history (all segments) as read-only numpy arrays."""

    steps: np.ndarray
    values: np.ndarray
    #: Segment number of every point (0 for the first segment).
    segments: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    """Everything a reader needs to show a run at one moment."""

    file: str
    format: str
    lines: int
    records: int
    skipped_lines: int
    first_step: float | None
    last_step: float | None
    epoch: float | None
    segments: int
    rec_metric: str
    metrics: dict[str, MetricSummary]
    criteria: tuple[Verdict, ...]
    overall: str
    events: tuple[Event, ...]
    #: Latent size in force (from the log or ``--latent-dim``), if known.
    latent_dim: int | None = None
    #: Step at which KL warm-up ends (judging starts there).
    warmup_end_step: float | None = None
    #: Steps where a new segment begins (restarts and resumes).
    segment_starts: tuple[float, ...] = ()
    #: Bytes read so far and the file size when last looked (for progress bars).
    bytes_read: int = 0
    bytes_total: int = 0
    #: Lines the input could not use for a reason worth counting.
    bad_bytes: int = 0
    cut_lines: int = 0
    #: Lines a parser could not read, by reason ("nested too deeply": 3); in ``skipped_lines``.
    skip_reasons: dict[str, int] = field(default_factory=dict)
    #: Metric names not kept once the cap on distinct metrics was reached (the first ones,
    #: in the order seen), how many there were, and how many of their values were dropped.
    dropped_metric_names: tuple[str, ...] = ()
    dropped_metrics: int = 0
    dropped_values: int = 0
    #: Wall-clock time (time.time()) of the newest record, and records per second.
    last_record_time: float | None = None
    steps_per_second: float | None = None
    #: History per metric for plots and sparklines.
    history: dict[str, Series] = field(default_factory=dict)
    #: The newest verdict changes of a live run (numbered; see ``vaetui.core.changes``).
    changes: tuple[VerdictChange, ...] = ()
    #: The EMA weight of each new point, as the core applies it (plots draw the same EMA).
    ema_alpha: float = 0.1
    #: The trusted run given with ``--reference``: its curves and the comparisons with it.
    reference: ReferenceReport | None = None

    @property
    def phases(self) -> tuple[Event, ...]:
        """The ``phase`` events: discriminator on, warm-up ends, schedule changes."""
        return tuple(e for e in self.events if e.kind == "phase")

    #: Canonical metric -> the key in the log that feeds it (``{"kl_loss": "KL_loss"}``).
    sources: dict[str, str] = field(default_factory=dict)
    #: Why the input could not be read as text at all (a gzip-compressed file), if so.
    read_error: str | None = None
    #: Steps where the kl_weight schedule changed after warm-up (marked on the plot).
    phase_steps: tuple[float, ...] = ()
    #: The log is finished (complete when opened, or quiet long after a steady pace).
    finished: bool = False
    #: Seconds without a new record after which a live run no longer reads LIVE.
    quiet_after: float | None = None
    #: Seconds without a new record after which the stall verdict turns ``watch`` (live and
    #: not finished only): a screen or ``check --follow`` looks again then, with no new line.
    stall_after: float | None = None
    #: Sample images found beside the log (None: none looked for or none found).
    images: ImagesSummary | None = None

    def verdict(self, criterion_id: str) -> Verdict | None:
        """The verdict for ``criterion_id``, if present."""
        for v in self.criteria:
            if v.id == criterion_id:
                return v
        return None

    def stall_watch_at(self) -> float | None:
        """When (``time.time()``) the stall verdict turns watch if no line comes, so a reader
        takes a fresh picture then (no read will); None when it will not: it reads watch
        already, or stall is not judged (not live, finished, no record yet)."""
        stall = self.verdict("stall")
        if self.stall_after is None or self.last_record_time is None or stall is None:
            return None
        return None if stall.level == "watch" else self.last_record_time + self.stall_after

    def to_json(self) -> dict[str, Any]:
        """The stable ``check --json`` form (see SPEC.md)."""
        out = self._json()
        if self.reference is not None:
            out["reference"] = self.reference.to_json()
        return out

    def _json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "lines": self.lines,
            "records": self.records,
            "skipped_lines": self.skipped_lines,
            "first_step": json_step(self.first_step),
            "last_step": json_step(self.last_step),
            "segments": self.segments,
            "rec_metric": self.rec_metric,
            "latent_dim": self.latent_dim,
            "bad_bytes": self.bad_bytes,
            "cut_lines": self.cut_lines,
            "metrics": {name: m.to_json() for name, m in self.metrics.items()},
            "criteria": [v.to_json() for v in self.criteria],
            "overall": self.overall,
            "events": [e.to_json() for e in self.events],
            "sources": dict(self.sources),
            "images": self.images.to_json() if self.images and self.images.count else None,
        }


def _json_number(x: float | None) -> float | str | None:
    """JSON has no NaN/inf: write them as strings so strict parsers accept the output."""
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def json_step(step: float | None) -> int | float | None:
    if step is None:
        return None
    step = float(step)
    return int(step) if step.is_integer() else step
