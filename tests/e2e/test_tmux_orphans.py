"""No orphan when the terminal goes away: tmux sessions killed while a big history loads.

A killed tmux session (or a dropped SSH connection) sends SIGHUP and leaves the pane's
terminal dead. ``vaetui tail`` must then be gone within 3 s, in whatever phase it was: still
starting, reading the history, or live. Each try kills its own private tmux server at a random
moment; a few tries run side by side to keep the test short.
"""

from __future__ import annotations

import os
import random
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.biglog import write_big_log

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

TRIES, SIDE_BY_SIDE = 20, 4


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 80 MB of history, written once for the module."""
    return write_big_log(tmp_path_factory.mktemp("big") / "train.log", 80)


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _vaetui_pids(marker: str) -> list[int]:
    """Processes whose command line names ``marker`` (this test's log)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and "vaetui" in cmdline and _alive(int(entry.name)):
                pids.append(int(entry.name))
    return pids


class Try:
    """One ``vaetui tail`` in its own tmux server, to be killed after ``delay`` seconds."""

    def __init__(self, tmp: Path, log: Path, number: int, delay: float) -> None:
        self.socket = f"vaetui-orphan-{os.getpid()}-{number}-{time.monotonic_ns()}"
        self.pid_file = tmp / f"pid-{number}"
        self.delay = delay
        inner = (
            f"echo $$ > {shlex.quote(str(self.pid_file))}; "
            f"exec {shlex.join([sys.executable, '-m', 'vaetui', 'tail', str(log)])}"
        )
        self._tmux("new-session", "-d", "-x", "80", "-y", "24", f"sh -c {shlex.quote(inner)}")
        self.started = time.monotonic()
        self.pid: int | None = None

    def _tmux(self, *args: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, check=False)

    def kill_when_due(self) -> bool:
        """Kill the session once its moment has come; True when done."""
        if self.pid is None and self.pid_file.exists() and self.pid_file.read_text().strip():
            self.pid = int(self.pid_file.read_text())
        if time.monotonic() - self.started < self.delay or self.pid is None:
            return False
        self._tmux("kill-server")
        self.killed = time.monotonic()
        return True


def test_no_process_survives_a_killed_session(tmp_path: Path, big_log: Path) -> None:
    rng = random.Random(13)
    delays = [rng.uniform(0.2, 3.5) for _ in range(TRIES)]
    survivors = []
    for start in range(0, TRIES, SIDE_BY_SIDE):
        tries = [Try(tmp_path, big_log, n, delays[n]) for n in range(start, start + SIDE_BY_SIDE)]
        pending = list(tries)
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            pending = [t for t in pending if not t.kill_when_due()]
            time.sleep(0.02)
        assert not pending, "a try never wrote its pid"
        for t in tries:
            assert t.pid is not None
            while _alive(t.pid) and time.monotonic() - t.killed < 3.0:
                time.sleep(0.05)
            if _alive(t.pid):
                survivors.append((t.delay, t.pid))
                os.kill(t.pid, 9)
    assert not survivors, f"processes left 3 s after their session was killed: {survivors}"
    assert not _vaetui_pids(str(big_log))


def test_no_process_survives_a_killed_session_with_a_modal_open(
    tmp_path: Path, big_log: Path
) -> None:
    t = Try(tmp_path, big_log, 99, delay=0.0)
    screen = ""
    deadline = time.monotonic() + 30
    while "Quit" not in screen and time.monotonic() < deadline:
        time.sleep(0.1)
        screen = subprocess.run(
            ["tmux", "-L", t.socket, "capture-pane", "-p"], capture_output=True, text=True
        ).stdout
    t._tmux("send-keys", "?")
    while "vaetui keys" not in screen and time.monotonic() < deadline:
        time.sleep(0.1)
        screen = subprocess.run(
            ["tmux", "-L", t.socket, "capture-pane", "-p"], capture_output=True, text=True
        ).stdout
    assert "vaetui keys" in screen, screen
    assert t.kill_when_due()
    assert t.pid is not None
    while _alive(t.pid) and time.monotonic() - t.killed < 3.0:
        time.sleep(0.05)
    alive = _alive(t.pid)
    if alive:
        os.kill(t.pid, 9)
    assert not alive, "vaetui survived its killed session with the help screen open"
