"""Run-health criteria: divergence (NaN, inf, spikes) and stalls of a live log."""

from __future__ import annotations

from vaetui.core.criteria.base import JudgeInput, duration, fmt_number, not_applicable
from vaetui.core.profile import Profile
from vaetui.core.snapshot import Verdict


def divergence(j: JudgeInput, p: Profile) -> Verdict:
    factor = p.divergence.spike_factor
    bands = f"bad: any NaN/inf in a loss; watch: a spike > {fmt_number(factor)}x its EMA"
    inputs = {
        "first_nonfinite_step": j.first_nonfinite_step,
        "max_spike_ratio": j.max_spike_ratio,
        "spike_step": j.spike_step,
    }
    if j.first_nonfinite_step is not None:
        step = fmt_number(j.first_nonfinite_step)
        return Verdict(
            "divergence",
            "bad",
            j.first_nonfinite_step,
            f"{j.nonfinite_metric or 'a loss'} is NaN/inf from step {step}",
            "Training diverged: restore the last good checkpoint, lower the "
            "learning rate, enable gradient clipping, check for division by zero.",
            bands,
            inputs,
            since=j.first_nonfinite_step,
            immediate=True,
        )
    if j.max_spike_ratio is not None and j.max_spike_ratio > factor:
        return Verdict(
            "divergence",
            "watch",
            j.max_spike_ratio,
            f"loss spiked to {_times(j.max_spike_ratio)} its EMA at step "
            f"{fmt_number(j.spike_step)}",
            "A loss spike: watch for divergence; consider gradient clipping.",
            bands,
            inputs,
            since=j.spike_step,
        )
    return Verdict(
        "divergence",
        "excellent",
        0.0,
        "all losses finite, no spikes",
        "Nothing to do.",
        bands,
        inputs,
    )


def stall_limit(usual_interval: float | None, p: Profile) -> float:
    """Seconds without a new line after which a live run's stall verdict reads ``watch``:
    ``interval_factor`` times the usual interval between reads, and never less than
    ``min_seconds``. The one place that threshold is worked out (the criterion, and the
    snapshot's ``stall_after`` that tells a screen when to look again)."""
    s = p.stall
    if not usual_interval:
        return s.min_seconds
    return max(s.min_seconds, s.interval_factor * usual_interval)


def stall(j: JudgeInput, p: Profile) -> Verdict:
    """Watch once the log has been quiet past ``stall_limit``.

    Its evidence is time, not records: a stalled trainer writes no more records, so a dwell
    counted in records would hold the last level (and its age) forever. Both levels show at
    once (``immediate``); ``min_seconds`` is the stall's own dwell.
    """
    s = p.stall
    bands = (
        f"watch: no new line for {fmt_number(s.interval_factor)}x the usual interval "
        f"and more than {fmt_number(s.min_seconds)} s"
    )
    if j.seconds_quiet is None:
        return not_applicable("stall", "only judged while following a live log")
    if j.finished:
        return not_applicable(
            "stall", f"the run has finished: quiet for {duration(j.seconds_quiet)}"
        )
    usual = j.usual_interval
    inputs = {"seconds_quiet": j.seconds_quiet, "usual_interval": usual}
    if j.training_over:
        return Verdict(
            "stall",
            "excellent",
            j.seconds_quiet,
            f"the trainer said training is over, {duration(j.seconds_quiet)} ago",
            "Nothing to do.",
            bands,
            inputs,
            immediate=True,
        )
    if j.seconds_quiet > stall_limit(usual, p):
        return Verdict(
            "stall",
            "watch",
            j.seconds_quiet,
            f"no new line for {duration(j.seconds_quiet)}",
            "The trainer may have hung or died: check the process, GPU memory and disk space.",
            bands,
            inputs,
            immediate=True,
        )
    return Verdict(
        "stall",
        "excellent",
        j.seconds_quiet,
        f"last line {duration(j.seconds_quiet)} ago",
        "Nothing to do.",
        bands,
        inputs,
        immediate=True,
    )


def _times(ratio: float) -> str:
    """A spike's ratio to its EMA (``31x``); huge ones in 3 digits (their last bits are noise)."""
    return f"{ratio:.0f}x" if ratio < 1e6 else f"{ratio:.3g}x"
