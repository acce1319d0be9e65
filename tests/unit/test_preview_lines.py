"""A big log's first screen is judged from its newest lines only: as many as fill the trend
window (``Smoothing.full_window_points``, with ``PREVIEW_MARGIN``), at most ``PREVIEW_BYTES``.
Judging the whole newest megabyte instead gives the same verdict words, in every format and
scenario tried here; this checks it on simulated logs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from vaetui.core import preview as preview_module
from vaetui.core import source as source_module
from vaetui.core.options import RunOptions
from vaetui.core.preview import PREVIEW_BYTES
from vaetui.core.profile import Profile, Smoothing
from vaetui.simulate import log_chunks
from vaetui.ui.feed import RunFeed

CASES = [
    ("healthy", "kv"),
    ("healthy", "logging"),
    ("healthy", "jsonl"),
    ("collapse", "kv"),
    ("kl-explodes", "kv"),
    ("diverge", "logging"),
    ("gan-healthy", "kv"),
    ("gan-disc-wins", "jsonl"),
    ("gan-diverge", "kv"),
    ("cyclical", "kv"),
    ("power-law", "logging"),
]


def _big_log(tmp_path: Path, scenario: str, fmt: str) -> Path:
    log = tmp_path / f"{scenario}.{fmt}.log"
    steps = 60_000
    while True:
        log.write_text("".join(log_chunks(scenario, steps, fmt, 0, 10)))
        if log.stat().st_size > 2 * PREVIEW_BYTES:  # else it is read whole, no preview
            return log
        steps *= 2


def _words(path: Path, options: RunOptions) -> list[str]:
    snap = RunFeed(0, str(path), options, lambda m: None, clock=lambda: 0.0)._read_newest_part()
    assert snap is not None, "no preview for a big log"
    return [f"{v.id}={v.level}" for v in snap.criteria] + [f"overall={snap.overall}"]


@pytest.mark.parametrize(("scenario", "fmt"), CASES, ids=[f"{s}-{f}" for s, f in CASES])
def test_the_newest_lines_give_the_newest_megabytes_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str, fmt: str
) -> None:
    log = _big_log(tmp_path, scenario, fmt)
    options = RunOptions()
    lines_words = _words(log, options)
    monkeypatch.setattr(preview_module, "PREVIEW_MARGIN", 1e9)  # the whole newest megabyte
    assert _words(log, options) == lines_words


def test_a_profile_with_a_longer_trend_window_previews_more_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = _big_log(tmp_path, "healthy", "kv")
    wide = dataclasses.replace(Smoothing(), trend_window_max=2000)
    assert wide.full_window_points() == 10_000 > Smoothing().full_window_points() == 2500
    seen: list[int] = []

    def counting(path: str, limit: int, lines: int | None = None) -> None:
        seen.append(lines or 0)
        return None

    monkeypatch.setattr(source_module, "newest_part", counting)  # imported where judged
    for options in (RunOptions(), RunOptions(profile=Profile(smoothing=wide))):
        RunFeed(0, str(log), options, lambda m: None)._read_newest_part()
    assert seen == [3000, 12_000]


@pytest.mark.parametrize("scenario", ["healthy", "collapse"])
def test_a_progress_bar_log_is_previewed_from_its_newest_refreshes(
    tmp_path: Path, scenario: str
) -> None:
    """A tqdm log is one physical line of ``\\r`` refreshes: its newest megabyte holds no
    ``\\n`` until the footer, so the preview starts at a refresh, not at a line."""
    log = _big_log(tmp_path, scenario, "tqdm")
    tail = log.read_bytes()[-PREVIEW_BYTES:]
    assert b"\r" in tail and tail.count(b"\n") < 10  # the case in question
    snap = RunFeed(0, str(log), RunOptions(), lambda m: None, clock=lambda: 0.0)._read_newest_part()
    assert snap is not None and snap.records > 1000
    judged = {v.id: v.level for v in snap.criteria}
    assert judged["kl_zone"] != "n/a" and judged["rec_range"] != "n/a", judged
    whole = _words(log, RunOptions())
    kv_words = _words(_big_log(tmp_path, scenario, "kv"), RunOptions())
    assert whole == kv_words  # the same verdicts as the same run written as key=value lines
