"""``vaetui check --follow`` says a quiet log has stalled, at the core's limit and with no new
line to trigger a read, and says so again when the next line comes.

The real command follows a real file; the stall limit is lowered to 2 s in a profile file so
the test waits seconds. A hung trainer writes nothing: this is the only way a script hears of
it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from vaetui.simulate import write_log

LIMIT = 2.0


def test_follow_reports_a_stall_and_its_end(tmp_path: Path) -> None:
    src = tmp_path / "src.log"
    write_log(str(src), scenario="healthy", steps=3000, seed=0)
    lines = src.read_text().splitlines(keepends=True)
    profile = tmp_path / "quick-stall.toml"
    profile.write_text(f"[stall]\nmin_seconds = {LIMIT}\n")
    log = tmp_path / "train.log"
    log.write_text("")
    hooked = tmp_path / "hooked.txt"
    hook = f'echo "$VAETUI_CRITERION $VAETUI_FROM $VAETUI_TO" >> {hooked}'
    cmd = [sys.executable, "-m", "vaetui", "check", "--follow", "--json", "--on-change", hook]
    proc = subprocess.Popen(
        [*cmd, "--profile", str(profile), str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "100"},
    )
    heard: list[tuple[float, dict]] = []

    def listen() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            if raw.strip():
                heard.append((time.monotonic(), json.loads(raw)))

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    try:
        time.sleep(0.8)  # let it open the file and start watching
        with log.open("a") as fh:
            for line in lines[:80]:  # a steady pace: the run reads live
                fh.write(line)
                fh.flush()
                time.sleep(0.03)
        quiet_from = time.monotonic()
        time.sleep(LIMIT + 2.5)
        with log.open("a") as fh:
            fh.write(lines[80])
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        reader.join(timeout=5)
    changes = [(at, c) for at, c in heard[:-1] if c.get("criterion") == "stall"]
    to_watch = [(at, c) for at, c in changes if c["to"] == "watch"]
    assert len(to_watch) == 1, heard
    at, change = to_watch[0]
    assert LIMIT - 0.5 < at - quiet_from < LIMIT + 2.0, (at - quiet_from, change)
    assert "no new line" in change["summary"]
    back = [c for t, c in changes if t > at and c["to"] == "excellent"]
    assert back and back[0]["from"] == "watch", changes
    hook_lines = hooked.read_text().splitlines()
    assert "stall excellent watch" in hook_lines, hook_lines  # its alert, too
    final = heard[-1][1]
    assert any(c["id"] == "stall" for c in final["criteria"])
