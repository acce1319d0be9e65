"""Metric files that their logger rewrites whole (Lightning ``metrics.csv`` when a column
appears, a JSON ``trainer_state.json``): followed live, every row counts once."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from vaetui.core.follow import Follower
from vaetui.core.options import RunOptions
from vaetui.core.run import Run


def _csv(rows: int, with_lr: bool) -> str:
    head = "epoch,step,train_loss,kl_loss,rec_loss" + (",lr" if with_lr else "")
    body = "".join(
        f"0,{s},0.15,509.0,0.0069" + (",0.0001" if with_lr else "") + "\n"
        for s in range(9, 10 * rows, 10)
    )
    return head + "\n" + body


def _follow(path: Path, writes: list[str]) -> Run:
    run = Run(path.name, RunOptions(live=True))
    seen = threading.Event()
    follower = Follower(str(path), run, on_update=seen.set, safety_interval=0.2)
    follower.start()
    try:
        for text in writes:
            seen.clear()
            path.write_text(text)  # truncates, then writes the whole file again
            assert seen.wait(10), "the follower did not see the rewrite"
            time.sleep(0.3)
    finally:
        follower.stop()
    with follower.lock:
        run.finish()
    return run


def test_csv_rewritten_with_a_new_column_is_not_doubled(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    run = _follow(path, [_csv(30, with_lr=False), _csv(60, with_lr=True)])
    snap = run.snapshot()
    assert snap.records == 60
    assert snap.segments == 1
    assert snap.last_step == 599
    assert "lr" in snap.metrics


def test_json_document_rewritten_is_not_doubled(tmp_path: Path) -> None:
    path = tmp_path / "trainer_state.json"

    def state(n: int) -> str:
        history = [{"step": s, "loss": 0.1, "kl_loss": 500.0} for s in range(10, 10 * n + 1, 10)]
        return json.dumps({"log_history": history}, indent=2)

    run = _follow(path, [state(20), state(45)])
    snap = run.snapshot()
    assert snap.records == 45
    assert snap.segments == 1
