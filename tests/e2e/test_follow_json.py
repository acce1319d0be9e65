"""``check --follow`` keeps standard output machine-readable, with or without ``--json``.

Every stdout line is JSON: verdict changes (the overall verdict's included) while the log
grows, the final summary last; the human checklist goes to stderr. In a real terminal,
``check --follow --json | jq -c .`` never fails, before and after SIGINT.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.snapshots import write_sim
from tests.support.tmux import Tmux

VAETUI = [sys.executable, "-m", "vaetui"]


def _grow(log: Path, lines: list[str]) -> None:
    with log.open("a") as fh:
        fh.write("".join(lines))


def _wait(cond, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
def test_follow_stdout_is_json_lines_ending_with_the_summary(tmp_path: Path, as_json: bool) -> None:
    lines = write_sim(tmp_path / "src.log", "collapse").read_text().splitlines(keepends=True)
    log = tmp_path / "train.log"
    log.write_text("".join(lines[:400]))
    out, err = tmp_path / "out", tmp_path / "err"
    args = [*VAETUI, "check", str(log), "--follow", *(["--json"] if as_json else [])]
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(args, stdout=o, stderr=e)
        try:
            _wait(lambda: out.stat().st_size > 0, "the first verdict changes")
            _grow(log, lines[400:])
            _wait(lambda: b'"bad"' in out.read_bytes(), "the collapse to be reported")
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) in (0, 1, 2)
        finally:
            if proc.poll() is None:
                proc.kill()
    records = [json.loads(line) for line in out.read_text().splitlines()]  # all JSON
    *changes, summary = records
    assert "criteria" in summary and "overall" in summary
    assert all({"criterion", "from", "to"} <= c.keys() for c in changes)
    overall = [c for c in changes if c["criterion"] == "overall"]
    assert overall and overall[-1]["to"] == "bad"
    if not as_json:
        assert "KL zone" in err.read_text()  # the checklist, for a person, on stderr


@pytest.mark.tmux
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_follow_json_through_jq_survives_sigint(tmp_path: Path, tmux: Tmux) -> None:
    lines = write_sim(tmp_path / "src.log", "collapse").read_text().splitlines(keepends=True)
    log = tmp_path / "train.log"
    log.write_text("".join(lines[:400]))
    out, pid, rc = tmp_path / "out", tmp_path / "pid", tmp_path / "rc"
    vaetui = shlex.join([*VAETUI, "check", str(log), "--follow", "--json"])
    q = shlex.quote
    pipeline = (
        f"( echo $BASHPID > {q(str(pid))}; exec {vaetui} ) | jq -c --unbuffered . > {q(str(out))}; "
        f'echo "${{PIPESTATUS[@]}}" > {q(str(rc))}; sleep 30'
    )
    try:
        tmux.start(f"bash -c {q(pipeline)}")
        _wait(lambda: out.exists() and out.stat().st_size > 0, "jq to print the first changes")
        _grow(log, lines[400:])
        _wait(lambda: '"bad"' in out.read_text(), "the collapse through jq")
        before = out.read_text().splitlines()
        os.kill(int(pid.read_text()), signal.SIGINT)
        _wait(rc.exists, "the pipeline to end")
        statuses = rc.read_text().split()
        assert statuses[1] == "0", f"jq failed: {statuses}"  # every line was JSON
        assert statuses[0] in ("0", "1", "2")
        after = out.read_text().splitlines()
        assert after[: len(before)] == before
        assert "criteria" in json.loads(after[-1])  # the summary came through jq last
    finally:
        tmux.kill()
