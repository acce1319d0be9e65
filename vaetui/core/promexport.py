"""Prometheus metrics from snapshots: a custom ``prometheus_client`` collector.

Every scrape asks for a fresh picture of each run and turns it into metric families named by
Prometheus conventions (see docs/fleet.md for the full list and the alerting rules built on
them). Label cardinality is bounded: the label values are run names, the fixed criterion ids,
the six levels, the event kinds and (unless the user opts in to more) the canonical metrics.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vaetui.core.metrics import CANONICAL
from vaetui.core.snapshot import ALL_LEVELS, LEVELS, OVERALL, Event, Snapshot

#: Event kinds always exported (at 0 until one happens), so ``increase()`` sees the first one.
EVENT_KINDS: tuple[str, ...] = ("restart", "nan", "spike", "verdict", "phase", "truncation")


@dataclass(frozen=True)
class Picture:
    """One run as a scrape sees it: its label, its path and its snapshot now."""

    run: str
    file: str
    snapshot: Snapshot


def run_labels(paths: Sequence[str]) -> list[str]:
    """A short, unique ``run`` label per path: the file name, with parent folders added
    only where two paths share a file name (``a/train.log``, ``b/train.log``)."""
    parts = [os.path.normpath(p).split(os.sep) if p != "-" else ["stdin"] for p in paths]
    depth = [1] * len(paths)
    while True:
        labels = ["/".join(ps[-d:]) for ps, d in zip(parts, depth)]
        clashes = {x for x in labels if labels.count(x) > 1}
        grow = [i for i, x in enumerate(labels) if x in clashes and depth[i] < len(parts[i])]
        if not grow:
            return labels
        for i in grow:
            depth[i] += 1


class EventCounter:
    """Counts a run's events by kind, including those its bounded event list has dropped.

    Events are only ever appended (the oldest falling off), so the new ones are those after
    the newest already counted; a run read again in full yields equal events, found again.
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(EVENT_KINDS, 0)
        self._last: Event | None = None

    def update(self, events: Sequence[Event]) -> dict[str, int]:
        """Count the events not seen before; return the totals by kind."""
        start = 0
        if self._last is not None:
            for i in range(len(events) - 1, -1, -1):
                if events[i] == self._last:
                    start = i + 1
                    break
        for event in events[start:]:
            self.counts[event.kind] = self.counts.get(event.kind, 0) + 1
        if events:
            self._last = events[-1]
        return dict(self.counts)


class SnapshotCollector(Collector):
    """Exports the runs ``pictures`` returns at each scrape.

    Args:
        pictures: Fresh pictures of every run (called on the scraping thread).
        metrics: Metric names exported as ``vaetui_metric``; None for every metric (opt-in:
            logs can carry hundreds of keys, each a series per run).
    """

    def __init__(
        self,
        pictures: Callable[[], Iterable[Picture]],
        metrics: Sequence[str] | None = CANONICAL,
    ) -> None:
        self._pictures = pictures
        self._metrics = None if metrics is None else frozenset(metrics)
        self._counters: dict[str, EventCounter] = {}
        self._lock = threading.Lock()

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            pictures = list(self._pictures())
            events = {p.run: self._count(p) for p in pictures}
        yield from _verdict_families(pictures)
        yield self._metric_family(pictures)
        yield from _run_families(pictures)
        total = CounterMetricFamily(
            "vaetui_events", "Events seen in the log, by kind.", labels=["run", "kind"]
        )
        for run, counts in events.items():
            for kind, count in sorted(counts.items()):
                total.add_metric([run, kind], count)
        yield total

    def _count(self, picture: Picture) -> dict[str, int]:
        counter = self._counters.setdefault(picture.run, EventCounter())
        return counter.update(picture.snapshot.events)

    def _metric_family(self, pictures: list[Picture]) -> GaugeMetricFamily:
        family = GaugeMetricFamily(
            "vaetui_metric",
            "Newest value (stat=last) and smoothed value (stat=ema) of a logged metric.",
            labels=["run", "metric", "stat"],
        )
        for p in pictures:
            for name, summary in p.snapshot.metrics.items():
                if self._metrics is not None and name not in self._metrics:
                    continue
                for stat, value in (("last", summary.last), ("ema", summary.ema)):
                    if value is not None:
                        family.add_metric([p.run, name, stat], float(value))
        return family


def _verdict_families(pictures: list[Picture]) -> Iterator[Metric]:
    level = GaugeMetricFamily(
        "vaetui_verdict_level",
        "Verdict of a criterion: 0 excellent, 1 ok, 2 watch, 3 bad "
        "(absent while pending or n/a; see vaetui_verdict_state).",
        labels=["run", "criterion"],
    )
    state = GaugeMetricFamily(
        "vaetui_verdict_state",
        "1 for the level a criterion is at, 0 for the others (pending and n/a included).",
        labels=["run", "criterion", "state"],
    )
    for p in pictures:
        judged = [(v.id, v.level) for v in p.snapshot.criteria]
        for criterion, lv in [*judged, (OVERALL, p.snapshot.overall)]:
            if lv in LEVELS:
                level.add_metric([p.run, criterion], LEVELS.index(lv))
            for each in ALL_LEVELS:
                state.add_metric([p.run, criterion, each], 1.0 if each == lv else 0.0)
    yield level
    yield state


def _run_families(pictures: list[Picture]) -> Iterator[Metric]:
    info = GaugeMetricFamily(
        "vaetui_run_info",
        "Always 1: the file and format of a run.",
        labels=["run", "file", "format"],
    )
    step = GaugeMetricFamily("vaetui_last_step", "Newest training step read.", labels=["run"])
    seen = GaugeMetricFamily(
        "vaetui_last_line_timestamp_seconds",
        "Unix time of the newest metric line (the file's mtime for history read at start).",
        labels=["run"],
    )
    pace = GaugeMetricFamily(
        "vaetui_steps_per_second", "Training steps per second, live.", labels=["run"]
    )
    records = CounterMetricFamily("vaetui_records", "Metric records read.", labels=["run"])
    for p in pictures:
        s = p.snapshot
        info.add_metric([p.run, p.file, s.format], 1.0)
        records.add_metric([p.run], s.records)
        for family, value in (
            (step, s.last_step),
            (seen, s.last_record_time),
            (pace, s.steps_per_second),
        ):
            if value is not None and math.isfinite(value):
                family.add_metric([p.run], float(value))
    yield from (info, step, seen, pace, records)
