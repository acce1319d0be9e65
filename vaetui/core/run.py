"""One training run: bytes in, an immutable :class:`~vaetui.core.snapshot.Snapshot` out.

Orchestration only. Data flows one way: bytes -> :mod:`~vaetui.core.reader` (lines, format,
parser) -> canonical names (:mod:`~vaetui.core.metrics`) -> :mod:`~vaetui.core.segments` (which
step, which segment) -> :mod:`~vaetui.core.recorder` (histories and events) -> on request,
:mod:`~vaetui.core.assess` and :mod:`~vaetui.core.criteria` -> snapshot. Statistics and
verdicts read the newest segment. ``Run`` is not thread-safe: the follower feeds it and asks
for snapshots under one lock.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from vaetui.core.assess import RunFacts, SegmentView, judge_input
from vaetui.core.banner import BannerConfig
from vaetui.core.changes import VerdictTracker
from vaetui.core.criteria import fmt_number, judge
from vaetui.core.criteria.health import stall_limit
from vaetui.core.formats.base import Record
from vaetui.core.formats.fastkv import Batch
from vaetui.core.guard import each_guarded, item_lines
from vaetui.core.images.clock import StepTimes
from vaetui.core.images.series import image_histories, newest_pairs
from vaetui.core.metrics import (
    KL_WEIGHT,
    NameMap,
    metric_order,
    resolve_names,
)
from vaetui.core.options import RunOptions
from vaetui.core.pace import Pace
from vaetui.core.phases import Schedule, settled
from vaetui.core.reader import Item, RecordReader
from vaetui.core.recorder import Recorder
from vaetui.core.segments import StepContinuity
from vaetui.core.snapshot import LEVELS, OVERALL, PENDING, Series, Snapshot, Verdict, worst_level
from vaetui.core.source import TRUNCATIONS
from vaetui.core.stats import MetricHistory, alpha_from_halflife
from vaetui.core.steady import Stabiliser

if TYPE_CHECKING:
    from vaetui.core.images.model import ImagesSummary
    from vaetui.core.images.store import ImageStore

#: A chunk this big is history being read, not lines arriving live (for steps/s).
_HISTORY_CHUNK = 256 << 10


class Run:
    """A run being read: feed it bytes, ask it for snapshots."""

    def __init__(
        self,
        name: str,
        options: RunOptions | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """A run named ``name``; ``clock`` tells the wall-clock time of each read (tests fix it)."""
        self.name = name
        self.options = options or RunOptions()
        self._clock = clock
        self._reader = RecordReader(
            self.options.fmt,
            self.options.rank,
            self.options.profile.formats,
            # A log read once (check) parses fastest with polars; a run followed for hours
            # (tail, --follow, export) keeps numpy's 30-50 MiB smaller footprint.
            number_reader="numpy" if self.options.live else "polars",
        )
        self._format: str | None = self._reader.format
        self._extra_lines = 0
        #: Kept across re-reads, so a run read again does not report its levels as new.
        self._tracker = VerdictTracker()
        #: Called with ``(line, ((raw key, metric name), ...))`` for every record read;
        #: ``vaetui check --explain`` listens here (None: nobody does, and it costs nothing).
        self.record_tap: Callable[[int, tuple[tuple[str, str], ...]], None] | None = None
        steady = self.options.profile.steady
        self._stabiliser = Stabiliser(
            steady.dwell_records,
            steady.trend_dwell_records,
            ("kl_trend", "balance"),
            steady.calm_dwell_fraction,
        )
        self._images: ImageStore | None = None
        #: Histories kept without spare room (see ``set_compact``).
        self.compact = False
        #: The input has ended: badges need no dwell any more.
        self._input_done = False
        #: When the log reached which step: for images whose name states no step.
        self.step_times = StepTimes()
        self._clear()
        self.bytes_read = 0
        self.bytes_total = 0

    def _clear(self) -> None:
        self._recorder = Recorder(self.options.profile)
        self._recorder.set_compact(self.compact)
        self._steps = StepContinuity()
        self._banner = BannerConfig()
        self._pace = Pace()
        self._rec_type_from_keys: str | None = None
        #: Per-metric summaries of earlier snapshots, reused while a history is unchanged.
        self._summaries: dict = {}
        #: Canonical metric -> the raw key that feeds it (the newest record's choice).
        self._sources: dict[str, str] = {}
        #: The verdicts of the last segment long enough to judge (shown while a newer one is short).
        self._previous_verdicts: tuple[Verdict, ...] | None = None

    # -- input ---------------------------------------------------------------------------

    @property
    def format(self) -> str:
        return self._format or self._reader.format or "unknown"

    def feed(self, data: bytes) -> None:
        """Add bytes from the log, in any chunking."""
        if data:
            self._input_done = False
        self.bytes_read += len(data)
        self._ingest_all(self._reader.feed(data))
        last = self._steps.last_step
        if len(data) >= _HISTORY_CHUNK:
            self._pace.clear()  # history read in bulk says nothing about the live pace
        elif self.options.live and last is not None:
            now = self._clock()
            self._pace.note_read(now, last)
            self.step_times.note(now, last)

    def set_compact(self, compact: bool) -> None:
        """Keep the histories without spare room (a run not on screen) or with room to grow.

        Lossless: every point stays as it is, so snapshots and verdicts do not change.
        """
        self.compact = compact
        self._recorder.set_compact(compact)

    def note_history_time(self, mtime: float) -> None:
        """The log was last written at ``mtime``: the records read so far are that old."""
        self.step_times.note(mtime, self._steps.last_step)
        if self.options.live:
            self._pace.note_history_time(mtime)

    def attach_images(self, store: ImageStore) -> None:
        """Show and judge the sample images ``store`` finds (it is refreshed elsewhere)."""
        self._images = store

    def finish(self) -> None:
        """End of input: parse the unterminated last line too (no more evidence will come)."""
        self._ingest_all(self._reader.finish())
        self._input_done = True

    def source_reset(self, reason: str = "") -> None:
        """The file was truncated or replaced: drop the held-back partial line.

        CSV and JSON metric files are rewritten whole by its logger, so its records start over
        instead of being counted twice. A truncated or rewritten file (``reason`` says which)
        is a ``truncation`` event: what follows is read from the file's beginning.
        """
        if self._reader.format in ("csv", "tsv", "table", "json"):
            self._clear()
        self._reader.reset()
        if reason in TRUNCATIONS:
            message = f"{reason}: reading it again from the start"
            line = self._reader.splitter.lines + 1
            self._recorder.event(self._steps.last_step, line, "truncation", message)

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
        self._ingest_all(records)

    def _ingest_all(self, items: Sequence[Item]) -> None:
        with np.errstate(all="ignore"):
            each_guarded(items, self._ingest_item, item_lines, self._reader.skipped)

    def _ingest_item(self, item: Item) -> None:
        if isinstance(item, Batch):
            self._ingest_batch(item)
        else:
            self._ingest(item)

    # -- records -------------------------------------------------------------------------

    def _ingest(self, rec: Record) -> None:
        if rec.config and self._banner.take(rec.config):
            self._steps.note_banner(rec.line)
        if rec.ends and self.options.live:
            self._pace.note_end()
        if not rec.values:
            return
        keys = tuple(rec.values)
        names = resolve_names(keys)
        raw_values = list(rec.values.values())
        values = {name: raw_values[col] for col, name in names.columns}
        self._note_names(names)
        if self.record_tap is not None:
            self.record_tap(rec.line, tuple((keys[c], n) for c, n in names.columns))
        place = self._steps.place(rec, values)
        if place.restart is not None:
            previous, line = place.restart
            self._keep_segment_verdicts()
            self._recorder.new_segment(previous, place.step, line)
        for name, value in values.items():
            self._recorder.add_point(name, place.step, value, place.merge, rec.line)
        if not place.merge:
            self._recorder.index.add(place.step, rec.line)
        self._steps.accept(rec, place, values)
        self._note_record()

    def _ingest_batch(self, batch: Batch) -> None:
        """Add many same-shape records at once (the vectorised twin of ``_ingest``)."""
        if not self._steps.batch_continues(batch):
            # Restarts and repeated steps take the per-record path: rare, and exact.
            for row in range(batch.steps.size):
                values = dict(zip(batch.names, batch.values[row].tolist()))
                epoch = None if batch.epochs is None else float(batch.epochs[row])
                step, line = float(batch.steps[row]), int(batch.lines[row])
                self._ingest(Record(step, line, values, epoch, numbered=batch.numbered))
            return
        names = resolve_names(tuple(batch.names))
        columns = list(names.columns)
        self._note_names(names)
        if self.record_tap is not None:
            taken = tuple((batch.names[c], n) for c, n in columns)
            for line in batch.lines.tolist():
                self.record_tap(line, taken)
        self._recorder.add_columns(columns, batch.steps, batch.values, batch.lines)
        self._recorder.index.extend(batch.steps, batch.lines)
        last_values = {name: float(batch.values[-1, col]) for col, name in columns}
        self._steps.accept_batch(batch, last_values)
        self._note_record()

    def _note_names(self, names: NameMap) -> None:
        """Keep the rec-metric type the keys imply, and which key feeds each canonical metric."""
        if names.rec_type and self._rec_type_from_keys is None:
            self._rec_type_from_keys = names.rec_type
        for name, raw in names.sources:
            if self._sources.get(name) != raw:
                self._sources[name] = raw

    def _note_record(self) -> None:
        if self.options.live:
            self._pace.note_record(self._clock())

    # -- output --------------------------------------------------------------------------

    def snapshot(self, now: float | None = None) -> Snapshot:
        """An immutable picture of the run now."""
        # Values near 1e308 legitimately overflow to inf in means and spreads; the
        # verdicts handle inf, so numpy need not warn about it on stderr.
        with np.errstate(all="ignore"):
            return self._snapshot(self._clock() if now is None else now)

    def _snapshot(self, now: float) -> Snapshot:
        images = self._images.summary() if self._images is not None else None
        histories = {**image_histories(images), **self._recorder.histories}
        view = SegmentView(histories, self.options.profile, 0.0, self._summaries)
        view.alpha = self._alpha(view)
        summaries = {name: view.summary(name) for name in histories}
        live = self.options.live
        facts = self._facts(now)
        verdicts, warmup_end = self._verdicts(view, facts, images)
        steps, lines = self._steps, self._lines()
        snap = Snapshot(
            file=self.name,
            format=self.format,
            lines=lines,
            records=steps.records,
            skipped_lines=max(lines - steps.record_lines, 0),
            skip_reasons=dict(self._reader.skipped),
            dropped_metric_names=tuple(itertools.islice(self._recorder.dropped_names, 50)),
            dropped_metrics=len(self._recorder.dropped_names),
            dropped_values=self._recorder.dropped_values,
            first_step=steps.first_step,
            last_step=steps.last_step,
            epoch=steps.epoch,
            segments=self._recorder.segment + 1 if steps.records else 0,
            rec_metric=self._rec_metric(),
            metrics={n: summaries[n] for n in metric_order(summaries)},
            criteria=verdicts,
            overall=worst_level([v.level for v in verdicts]),
            events=tuple(self._recorder.events),
            latent_dim=self._latent_dim(),
            warmup_end_step=warmup_end,
            segment_starts=tuple(self._recorder.segment_starts),
            bytes_read=self.bytes_read,
            bytes_total=max(self.bytes_total, self.bytes_read),
            bad_bytes=self._reader.splitter.bad_bytes,
            cut_lines=self._reader.splitter.cut_lines,
            last_record_time=self._pace.last_record_time,
            steps_per_second=self._pace.steps_per_second(),
            history=self._history(histories),
            changes=tuple(self._tracker.changes) if self.options.live else (),
            ema_alpha=view.alpha,
            sources=dict(self._sources),
            read_error=self._reader.refused,
            phase_steps=tuple(self._recorder.phase_steps),
            finished=facts.finished,
            quiet_after=self._pace.quiet_after() if live else None,
            stall_after=self._stall_after(facts),
            images=images,
        )
        reference = self.options.reference
        return snap if reference is None else replace(snap, reference=reference.report(snap))

    def _stall_after(self, facts: RunFacts) -> float | None:
        """Quiet seconds after which the stall verdict turns watch; None where it is not
        judged (not live, finished, no record yet)."""
        if facts.seconds_quiet is None or facts.finished or facts.training_over:
            return None
        return stall_limit(facts.usual_interval, self.options.profile)

    def _verdicts(
        self, view: SegmentView, facts: RunFacts, images: ImagesSummary | None
    ) -> tuple[tuple[Verdict, ...], float | None]:
        """Every criterion's verdict now (steadied when live), and where warm-up ends.

        Notes the schedule's phases and, when live, the verdict changes as events. Once the
        input is done (or the run has finished) no more evidence comes: the verdicts are judged
        afresh, without the hysteresis of the levels shown, so they read as ``check`` reads them.
        """
        live = self.options.live
        done = self._input_done or facts.finished
        shown = self._stabiliser.shown if live and not done else None
        judged, warmup_end, schedule = judge_input(view, facts, shown)
        sharp, psnr, pairs = newest_pairs(images, self.options.profile.sharpness.window, warmup_end)
        judged = dataclasses.replace(judged, sharpness=sharp, psnr=psnr, image_pairs=pairs)
        verdicts = self._enough_evidence(judge(judged, self.options.profile))
        self._note_phases(schedule)
        if live:
            index = self._recorder.index
            verdicts, stamps = self._stabiliser.settle(
                verdicts,
                self._steps.records,
                self._steps.last_step,
                index.since,
                len(index),
                flush=done,
            )
            self._note_verdict_changes(verdicts, stamps)
        return verdicts, warmup_end

    def _history(self, histories: dict[str, MetricHistory]) -> dict[str, Series]:
        return {
            name: Series(h.steps.view(), h.values.view(), h.segments.view())
            for name, h in histories.items()
        }

    def _facts(self, now: float) -> RunFacts:
        quiet, usual = self._pace.quiet(now) if self.options.live else (None, None)
        recorder = self._recorder
        kl_weight = self.options.kl_weight
        return RunFacts(
            segment_first_step=self._steps.first_step
            if recorder.segment == 0
            else recorder.segment_starts[-1],
            last_step=self._steps.last_step,
            warmup_steps=self.options.warmup_steps,
            kl_weight_fallback=kl_weight if kl_weight is not None else self._banner.kl_weight,
            rec_metric=self._rec_metric(),
            latent_dim=self._latent_dim(),
            nonfinite=recorder.nonfinite,
            spike_steps=recorder.spike_steps(),
            worst_spike=recorder.worst_spike(),
            seconds_quiet=quiet,
            usual_interval=usual,
            training_over=self._pace.ended,
            rec_scale=self.options.rec_scale,
            finished=self.options.live and self._finished(now),
            disc_start=recorder.watch.disc_start,
            steps_counted=self._steps.steps_counted,
        )

    def _finished(self, now: float) -> bool:
        s = self.options.profile.stall
        return self._pace.finished(now, s.min_seconds, s.finished_seconds)

    def _keep_segment_verdicts(self) -> None:
        """A new segment begins: keep the ending one's verdicts if it was long enough."""
        if len(self._recorder.index) < self.options.profile.steady.min_segment_records:
            return
        view = SegmentView(self._recorder.histories, self.options.profile, 0.0)
        view.alpha = self._alpha(view)
        facts = replace(self._facts(self._clock()), seconds_quiet=None, usual_interval=None)
        judged, _end, _schedule = judge_input(view, facts)
        self._previous_verdicts = judge(judged, self.options.profile)

    def _enough_evidence(self, verdicts: tuple[Verdict, ...]) -> tuple[Verdict, ...]:
        """A newest segment too short to judge shows the previous segment's verdicts.

        Divergence and stall stay the newest segment's own: a NaN is never hidden.
        """
        need = self.options.profile.steady.min_segment_records
        have = len(self._recorder.index)
        if have >= need:
            return verdicts
        out = []
        previous = self._previous_verdicts or (None,) * len(verdicts)
        for new, old in zip(verdicts, previous):
            if new.id in ("divergence", "stall"):
                out.append(new)
            elif old is not None and old.level in LEVELS:
                out.append(replace(old, summary=f"previous segment: {old.summary}", since=None))
            elif new.level not in LEVELS:
                out.append(new)
            else:
                out.append(
                    replace(
                        new,
                        level=PENDING,
                        summary=f"{have} of {need} records needed to judge: {new.summary}",
                        since=None,
                    )
                )
        return tuple(out)

    def _note_phases(self, schedule: Schedule) -> None:
        """List each settled kl_weight schedule change once, as a ``phase`` event."""
        weights = self._recorder.histories.get(KL_WEIGHT)
        points = 0 if weights is None else len(weights) - weights.segment_start
        for c in schedule.changes:
            if not (settled(c, points) or schedule.cyclic):
                continue
            what = (
                "a new cycle of the kl_weight schedule"
                if schedule.cyclic
                else "kl_weight raised"
                if c.rising
                else "kl_weight lowered"
            )
            self._recorder.phase(
                c.step,
                f"{what}: {fmt_number(c.before)} -> {fmt_number(c.after)} at step {c.step:g}",
            )

    def _lines(self) -> int:
        return self._reader.splitter.lines + self._extra_lines

    def _alpha(self, view: SegmentView) -> float:
        """The EMA weight of one point: ``--ema``, else ``--halflife`` in steps, else the
        profile's. The one place it is decided (plots draw the snapshot's)."""
        o = self.options
        if o.ema_alpha is not None:
            return min(max(o.ema_alpha, 1e-6), 1.0)
        if o.halflife is not None:
            return alpha_from_halflife(o.halflife / (view.step_interval() or 1.0))
        return o.profile.smoothing.ema_alpha

    def _rec_metric(self) -> str:
        if self.options.rec_metric != "auto":
            return self.options.rec_metric
        return self._rec_type_from_keys or "mse"

    def _latent_dim(self) -> int | None:
        return self.options.latent_dim or self._banner.latent_dim

    def _note_verdict_changes(
        self, verdicts: Sequence[Verdict], stamps: dict[str, float | None]
    ) -> None:
        """Track the levels; a criterion's change from one level to another is an event,
        stamped at the step and line where its evidence began."""
        step, line = self._steps.last_step, self._steps.last_record_line
        index = self._recorder.index
        at = {cid: (s, index.line_at(s) if s is not None else None) for cid, s in stamps.items()}
        for c in self._tracker.update(verdicts, step, line, at):
            if c.before is not None and c.criterion != OVERALL:
                self._recorder.event(
                    c.step,
                    c.line,
                    "verdict",
                    f"{c.title}: {c.before} -> {c.after} ({c.summary})",
                    (c.criterion, c.before, c.after),
                )
