"""Prometheus exposition of snapshots: names, labels, bounded cardinality, event counts."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.exporter import collector_for
from vaetui.core.options import RunOptions
from vaetui.core.promexport import EventCounter, Picture, SnapshotCollector, run_labels
from vaetui.core.run import Run
from vaetui.core.snapshot import Event


def _samples(collector: SnapshotCollector) -> dict[str, list]:
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def test_run_labels_are_file_names_made_unique_by_their_folders() -> None:
    assert run_labels(["/a/x.log", "/b/y.log"]) == ["x.log", "y.log"]
    assert run_labels(["/r/a/train.log", "/r/b/train.log", "/r/c.log"]) == [
        "a/train.log",
        "b/train.log",
        "c.log",
    ]
    assert run_labels(["-"]) == ["stdin"]


def test_events_are_counted_once_even_when_the_list_drops_old_ones() -> None:
    counter = EventCounter()
    a, b, c = (Event(s, s, k, "m") for s, k in ((1, "nan"), (2, "spike"), (3, "nan")))
    assert counter.update([a])["nan"] == 1
    assert counter.update([a, b]) == {**counter.counts, "nan": 1, "spike": 1}
    assert counter.update([b, c])["nan"] == 2  # `a` fell off the bounded list
    assert counter.update([b, c])["nan"] == 2  # nothing new
    assert counter.counts["restart"] == 0  # every kind is there from the start


def test_the_exposition_names_levels_metrics_and_run_facts(tmp_path: Path) -> None:
    families = _samples(collector_for(tmp_path, "diverge"))
    levels = {s.labels["criterion"]: s.value for s in families["vaetui_verdict_level"]}
    assert levels["divergence"] == 3 and levels["overall"] == 3
    states = [s for s in families["vaetui_verdict_state"] if s.value == 1]
    assert len(states) == len({s.labels["criterion"] for s in states})  # one state each
    metrics = {(s.labels["metric"], s.labels["stat"]) for s in families["vaetui_metric"]}
    assert ("kl_loss", "ema") in metrics and ("rec_loss", "last") in metrics
    assert {m for m, _ in metrics} <= {
        "total_loss",
        "rec_loss",
        "kl_loss",
        "perception_loss",
        "kl_weight",
    }  # g_loss, lr, d_weight: opt-in only
    nan = [s for s in families["vaetui_events"] if s.labels["kind"] == "nan"]
    assert nan[0].value >= 1 and nan[0].name == "vaetui_events_total"
    assert families["vaetui_records"][0].name == "vaetui_records_total"
    assert families["vaetui_last_step"][0].value > 1000
    assert families["vaetui_last_line_timestamp_seconds"][0].value > 1e9
    info = families["vaetui_run_info"][0].labels
    assert info["run"] == "train.log" and info["format"] == "kv"


def test_more_metrics_only_when_asked(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text(
        "".join(f"step {s} kl_loss=300 rec_loss=0.01 lr=1e-4 g_loss=1\n" for s in range(9))
    )
    run = Run("x.log", RunOptions(live=True))
    run.feed(log.read_bytes())

    def pictures() -> list[Picture]:
        return [Picture("x.log", str(log), run.snapshot())]

    def names(collector: SnapshotCollector) -> set[str]:
        return {s.labels["metric"] for s in _samples(collector)["vaetui_metric"]}

    assert names(SnapshotCollector(pictures)) == {"kl_loss", "rec_loss"}
    assert names(SnapshotCollector(pictures, ("kl_loss", "lr"))) == {"kl_loss", "lr"}
    assert names(SnapshotCollector(pictures, None)) == {"kl_loss", "rec_loss", "lr", "g_loss"}
