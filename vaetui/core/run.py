"""One training run: bytes in, an immutable :class:`~vaetui.core.snapshot.Snapshot` out.

Data flows one way: bytes -> :mod:`vaetui.core.lines` -> a format parser -> canonical
metrics -> per-metric history (:mod:`vaetui.core.stats`) -> :mod:`vaetui.core.criteria` ->
snapshot. A step that goes backwards starts a new segment (a restart, or a resume from an
earlier checkpoint); statistics and verdicts read the newest segment. ``Run`` is not
thread-safe: the follower feeds it and asks for snapshots under one lock.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from vaetui.core import formats
from vaetui.core.assess import RunFacts, SegmentView, judge_input
from vaetui.core.changes import VerdictTracker
from vaetui.core.criteria import judge
from vaetui.core.formats.base import Record
from vaetui.core.formats.fastkv import Batch
from vaetui.core.guard import each_guarded, parse_guarded
from vaetui.core.lines import LineSplitter, TextBlock
from vaetui.core.metrics import (
    KL_WEIGHT,
    canonical_columns,
    canonical_name,
    canonicalize,
    is_eval_key,
    metric_order,
)
from vaetui.core.profile import Profile
from vaetui.core.recorder import Recorder
from vaetui.core.snapshot import (
    OVERALL,
    MetricSummary,
    Series,
    Snapshot,
    Verdict,
    worst_level,
)
from vaetui.core.source import TRUNCATIONS
from vaetui.core.stats import (
    alpha_from_halflife,
)

#: Bytes of text the format sniffer wants before deciding.
_SNIFF_BYTES = 4096
#: A chunk this big is history being read, not lines arriving live (for steps/s).
_HISTORY_CHUNK = 256 << 10


@dataclass(frozen=True)
class RunOptions:
    """How to read and judge a run (the CLI's common options)."""

    fmt: str = "auto"
    profile: Profile = field(default_factory=Profile)
    kl_weight: float | None = None
    rec_metric: str = "auto"
    warmup_steps: float | None = None
    latent_dim: int | None = None
    rank: int | None = None
    ema_alpha: float | None = None
    halflife: float | None = None
    #: Live following: judge stalls and record verdict changes as events.
    live: bool = False


class Run:
    """A run being read: feed it bytes, ask it for snapshots."""

    def __init__(self, name: str, options: RunOptions | None = None) -> None:
        self.name = name
        self.options = options or RunOptions()
        self._splitter = LineSplitter()
        self._format: str | None = None if self.options.fmt == "auto" else self.options.fmt
        self._parser = (
            formats.make_parser(self._format, self.options.rank) if self._format else None
        )
        self._waiting: list[TextBlock] = []
        self._extra_lines = 0
        #: Kept across re-reads, so a run read again does not report its levels as new.
        self._tracker = VerdictTracker()
        #: Lines a parser choked on, by reason (see ``vaetui.core.guard``).
        self._skipped: Counter[str] = Counter()
        self._clear()
        self.bytes_read = 0
        self.bytes_total = 0

    def _clear(self) -> None:
        self._recorder = Recorder(self.options.profile)
        self._records = 0
        self._record_lines = 0
        self._last_record_line = -1
        self._last_values: dict[str, float] = {}
        #: Line of the first banner (a line stating kl_weight or latent size) since the last
        #: record: where a restarted process began.
        self._banner_line: int | None = None
        self._first_step: float | None = None
        self._last_step: float | None = None
        self._epoch: float | None = None
        self._rec_type_from_keys: str | None = None
        self._latent_from_log: int | None = None
        self._kl_weight_from_banner: float | None = None
        self._times: deque[tuple[float, float]] = deque(maxlen=64)
        self._last_record_time: float | None = None

    # -- input ---------------------------------------------------------------------------

    @property
    def format(self) -> str:
        return self._format or "unknown"

    def feed(self, data: bytes) -> None:
        """Add bytes from the log, in any chunking."""
        self.bytes_read += len(data)
        block = self._splitter.feed(data)
        if block is not None:
            self._take(block, final=False)
        if len(data) >= _HISTORY_CHUNK:
            self._times.clear()  # history read in bulk says nothing about the live pace
        elif self.options.live and self._last_step is not None and self._new_step_read():
            self._times.append((time.time(), self._last_step))

    def note_history_time(self, mtime: float) -> None:
        """The log was last written at ``mtime``: the records read so far are that old."""
        if self.options.live and self._last_record_time is not None:
            self._last_record_time = min(self._last_record_time, mtime)

    def _new_step_read(self) -> bool:
        return not self._times or self._times[-1][1] != self._last_step

    def finish(self) -> None:
        """End of input: parse the unterminated last line too."""
        block = self._splitter.flush()
        if block is not None:
            self._take(block, final=True)
        elif self._waiting:
            self._start_parser(final=True)

    def source_reset(self, reason: str = "") -> None:
        """The file was truncated or replaced: drop the held-back partial line.

        CSV and JSON metric files are rewritten whole by its logger, so its records start over
        instead of being counted twice. A truncated or rewritten file (``reason`` says which)
        is a ``truncation`` event: what follows is read from the file's beginning.
        """
        self._splitter.reset()
        if self._format in ("csv", "json"):
            self._clear()
        if self._parser is not None:
            self._parser.reset()
        if reason in TRUNCATIONS:
            self._recorder.event(
                self._last_step,
                self._splitter.lines + 1,
                "truncation",
                f"{reason}: reading it again from the start",
            )

    def load_records(self, records: list[Record], fmt: str, lines: int) -> None:
        """Replace everything read so far with ``records`` (a run read again in full)."""
        self._clear()
        self.feed_records(records, fmt, lines)

    def feed_records(self, records: list[Record], fmt: str, lines: int) -> None:
        """Add records read by a reader that is not text-based (TensorBoard events).

        ``lines`` is the number of input units read (events), reported as lines.
        """
        self._format = fmt
        self._extra_lines = lines
        for rec in records:
            self._ingest(rec)

    def _take(self, block: TextBlock, final: bool) -> None:
        if self._parser is None:
            self._waiting.append(block)
            self._start_parser(final)
            return
        self._ingest_all(parse_guarded(self._parser, block, self._skipped))

    def _ingest_all(self, items: Sequence[Record | Batch]) -> None:
        with np.errstate(all="ignore"):
            self._ingest_items(items)

    def _ingest_items(self, items: Sequence[Record | Batch]) -> None:
        each_guarded(items, self._ingest_item, _item_lines, self._skipped)

    def _ingest_item(self, item: Record | Batch) -> None:
        if isinstance(item, Batch):
            self._ingest_batch(item)
        else:
            self._ingest(item)

    def _start_parser(self, final: bool) -> None:
        text = "".join(b.text for b in self._waiting)
        try:
            fmt = formats.sniff(text)
        except Exception:  # text no sniffing rule can read: the general text parser
            fmt = "kv"
        if fmt is None or (len(text) < _SNIFF_BYTES and not final and text.count("\n") < 5):
            if not final:
                return
            fmt = fmt or "kv"
        self._format = fmt
        self._parser = formats.make_parser(fmt, self.options.rank)
        waiting, self._waiting = self._waiting, []
        for block in waiting:
            self._ingest_all(parse_guarded(self._parser, block, self._skipped))

    # -- records -------------------------------------------------------------------------

    def _ingest(self, rec: Record) -> None:
        if rec.config and self._take_config(rec.config) and self._banner_line is None:
            self._banner_line = rec.line
        if not rec.values:
            return
        values, rec_type = canonicalize(rec.values)
        if rec_type and self._rec_type_from_keys is None:
            self._rec_type_from_keys = rec_type
        step = rec.step
        if step is None:
            step = 0.0 if self._last_step is None else self._last_step + 1
        if self._last_step is not None and step < self._last_step:
            if all(is_eval_key(name) for name in values):
                step = self._last_step  # an evaluation pass counts its own batches
            else:
                self._recorder.new_segment(self._last_step, step, self._restart_line(rec))
        elif step == self._last_step and self._repeats_last(rec, values):
            # the same step logged again: a restart
            self._recorder.new_segment(self._last_step, step, self._restart_line(rec))
            self._last_step = None  # ... whose first record stands on its own
        merge = step == self._last_step
        if not merge:
            self._records += 1
        if rec.line != self._last_record_line:
            self._record_lines += 1
            self._last_record_line = rec.line
        if rec.epoch is not None:
            self._epoch = rec.epoch
        if not merge:
            self._last_values = {}
        self._last_values.update(values)
        for name, value in values.items():
            self._recorder.add_point(name, step, value, merge, rec.line)
        if self._first_step is None:
            self._first_step = step
        self._last_step = step
        self._banner_line = None
        if self.options.live:
            self._last_record_time = time.time()

    def _restart_line(self, rec: Record) -> int:
        """Where the new process began: its banner (config line) if it printed one."""
        return self._banner_line if self._banner_line is not None else rec.line

    def _ingest_batch(self, batch: Batch) -> None:
        """Add many same-shape records at once (the vectorised twin of ``_ingest``)."""
        steps = batch.steps
        prev = self._last_step
        if np.any(np.diff(steps) <= 0) or (prev is not None and steps[0] <= prev):
            # Restarts and repeated steps take the per-record path: rare, and exact.
            self._ingest_rows(batch)
            return
        columns, rec_type = canonical_columns(batch.names)
        if rec_type and self._rec_type_from_keys is None:
            self._rec_type_from_keys = rec_type
        n = steps.size
        self._records += n
        self._record_lines += n
        self._last_record_line = int(batch.lines[-1])
        if batch.epochs is not None:
            self._epoch = float(batch.epochs[-1])
        if self._first_step is None:
            self._first_step = float(steps[0])
        self._last_step = float(steps[-1])
        self._last_values = {name: float(batch.values[-1, col]) for col, name in columns}
        self._banner_line = None
        self._recorder.add_columns(columns, steps, batch.values, batch.lines)
        if self.options.live:
            self._last_record_time = time.time()

    def _ingest_rows(self, batch: Batch) -> None:
        for row in range(batch.steps.size):
            values = dict(zip(batch.names, batch.values[row].tolist()))
            epoch = None if batch.epochs is None else float(batch.epochs[row])
            self._ingest(Record(float(batch.steps[row]), int(batch.lines[row]), values, epoch))

    def _repeats_last(self, rec: Record, values: dict[str, float]) -> bool:
        """A record on a new line that logs a metric of the previous step again, with a
        different value (the same values again are a redraw, not a restart)."""
        if rec.continues or rec.line == self._last_record_line:
            return False
        last = self._last_values
        return any(
            name in last and not is_eval_key(name) and not _same(value, last[name])
            for name, value in values.items()
        )

    def _take_config(self, config: dict[str, float]) -> bool:
        """Keep the latent size and KL weight a banner states; True if it stated one.

        A line that states them is a trainer announcing its run: where a restarted process
        began, for the restart event.
        """
        banner = False
        for key, value in config.items():
            if key == "latent_dim":
                if value >= 1 and float(value).is_integer():
                    self._latent_from_log = int(value)
                    banner = True
            elif canonical_name(key)[0] == KL_WEIGHT and math.isfinite(value):
                self._kl_weight_from_banner = value
                banner = True
        return banner

    # -- output --------------------------------------------------------------------------

    def snapshot(self, now: float | None = None) -> Snapshot:
        """An immutable picture of the run now."""
        # Values near 1e308 legitimately overflow to inf in means and spreads; the
        # verdicts handle inf, so numpy need not warn about it on stderr.
        with np.errstate(all="ignore"):
            return self._snapshot(time.time() if now is None else now)

    def _snapshot(self, now: float) -> Snapshot:
        view = SegmentView(self._recorder.histories, self.options.profile, 0.0)
        view.alpha = self._alpha(view)
        summaries = {name: view.summary(name) for name in self._recorder.histories}
        judged, warmup_end = judge_input(view, self._facts(now))
        verdicts = judge(judged, self.options.profile)
        if self.options.live:
            self._note_verdict_changes(verdicts)
        changes = tuple(self._tracker.changes) if self.options.live else ()
        history = {
            name: Series(h.steps.view(), h.values.view(), h.segments.view())
            for name, h in self._recorder.histories.items()
        }
        return Snapshot(
            file=self.name,
            format=self.format,
            lines=self._lines(),
            records=self._records,
            skipped_lines=max(self._lines() - self._record_lines, 0),
            skip_reasons=dict(self._skipped),
            dropped_metric_names=tuple(itertools.islice(self._recorder.dropped_names, 50)),
            dropped_metrics=len(self._recorder.dropped_names),
            dropped_values=self._recorder.dropped_values,
            first_step=self._first_step,
            last_step=self._last_step,
            epoch=self._epoch,
            segments=self._recorder.segment + 1 if self._records else 0,
            rec_metric=self._rec_metric(),
            metrics=_ordered(summaries),
            criteria=verdicts,
            overall=worst_level([v.level for v in verdicts]),
            events=tuple(self._recorder.events),
            latent_dim=self._latent_dim(),
            warmup_end_step=warmup_end,
            segment_starts=tuple(self._recorder.segment_starts),
            bytes_read=self.bytes_read,
            bytes_total=max(self.bytes_total, self.bytes_read),
            bad_bytes=self._splitter.bad_bytes,
            cut_lines=self._splitter.cut_lines,
            last_record_time=self._last_record_time,
            steps_per_second=self._steps_per_second(),
            history=history,
            changes=changes,
            ema_alpha=view.alpha,
        )

    def _facts(self, now: float) -> RunFacts:
        quiet, usual = self._quiet(now)
        return RunFacts(
            segment_first_step=self._first_step
            if self._recorder.segment == 0
            else self._recorder.segment_starts[-1],
            last_step=self._last_step,
            warmup_steps=self.options.warmup_steps,
            kl_weight_fallback=(
                self.options.kl_weight
                if self.options.kl_weight is not None
                else self._kl_weight_from_banner
            ),
            rec_metric=self._rec_metric(),
            latent_dim=self._latent_dim(),
            nonfinite=self._recorder.nonfinite,
            spike_steps=self._recorder.spike_steps(),
            worst_spike=max(self._recorder.spikes, key=lambda s: s[1])
            if self._recorder.spikes
            else None,
            seconds_quiet=quiet,
            usual_interval=usual,
        )

    def _lines(self) -> int:
        return self._splitter.lines + self._extra_lines

    def _alpha(self, view: SegmentView) -> float:
        o = self.options
        if o.ema_alpha is not None:
            return min(max(o.ema_alpha, 1e-6), 1.0)
        if o.halflife is not None:
            return alpha_from_halflife(o.halflife / (view.step_interval() or 1.0))
        return o.profile.smoothing.ema_alpha

    def _quiet(self, now: float) -> tuple[float | None, float | None]:
        if not self.options.live or self._last_record_time is None:
            return None, None
        quiet = max(now - self._last_record_time, 0.0)
        times = [t for t, _ in self._times]
        gaps = np.diff(times) if len(times) >= 3 else np.array([])
        return quiet, float(np.median(gaps)) if gaps.size else None

    def _steps_per_second(self) -> float | None:
        """Steps per second over the recent reads that were apart in time.

        One entry per read: the backlog read at start-up arrives in one read (or in reads
        a few milliseconds apart) and so never counts as pace.
        """
        steps = seconds = 0.0
        entries = list(self._times)
        for (t0, s0), (t1, s1) in itertools.pairwise(entries):
            if t1 - t0 >= 0.05 and s1 >= s0:
                steps += s1 - s0
                seconds += t1 - t0
        return steps / seconds if seconds > 0 else None

    def _rec_metric(self) -> str:
        if self.options.rec_metric != "auto":
            return self.options.rec_metric
        return self._rec_type_from_keys or "mse"

    def _latent_dim(self) -> int | None:
        return self.options.latent_dim or self._latent_from_log

    def _note_verdict_changes(self, verdicts: Sequence[Verdict]) -> None:
        """Track the levels; a criterion's change from one level to another is an event."""
        for c in self._tracker.update(verdicts, self._last_step, self._last_record_line):
            if c.before is not None and c.criterion != OVERALL:
                self._recorder.event(
                    c.step, c.line, "verdict", f"{c.title}: {c.before} -> {c.after} ({c.summary})"
                )


def _ordered(summaries: dict[str, MetricSummary]) -> dict[str, MetricSummary]:
    """The summaries in the one display order of metrics."""
    return {n: summaries[n] for n in metric_order(summaries)}


def _item_lines(item: Record | Batch) -> int:
    return int(item.steps.size) if isinstance(item, Batch) else 1


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))
