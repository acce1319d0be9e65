"""End to end in a real terminal: ``vaetui tail`` inside an 80x24 tmux pane.

Appends lines to the log while the TUI runs, reads the pane back with ``capture-pane``, then
presses ``q`` and checks the process exits cleanly with status 0. Uses its own tmux server
socket so it never touches a user's sessions. Skipped where tmux is not installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import sys
from pathlib import Path

import pytest

from tests.support.snapshots import write_sim
from tests.support.tmux import Tmux

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def help_then_quit(tmux: Tmux, rc_file: Path) -> None:
    """Open and close the help screen, quit with ``q``, and check the exit status is 0."""
    tmux("send-keys", "-t", "e2e", "?")
    tmux.wait(lambda: "vaetui keys" in tmux.screen(), "the help screen")
    tmux("send-keys", "-t", "e2e", "Escape")
    tmux.wait(lambda: "vaetui keys" not in tmux.screen(), "help to close")
    tmux("send-keys", "-t", "e2e", "q")
    tmux.wait(rc_file.exists, "the app to exit")
    assert rc_file.read_text().strip() == "0"


def test_tail_in_tmux_follows_appended_lines_and_quits(tmp_path: Path, tmux: Tmux) -> None:
    source = write_sim(tmp_path / "source.log", "healthy", steps=1000)
    log = tmp_path / "train.log"
    log.write_text("".join(source.read_text().splitlines(keepends=True)[:60]))
    rc_file = tmp_path / "rc"
    vaetui = [sys.executable, "-m", "vaetui", "tail", str(log)]
    command = f"{shlex.join(vaetui)}; echo $? > {shlex.quote(str(rc_file))}"
    try:
        tmux.start(f"sh -c {shlex.quote(command)}")
        tmux.wait(lambda: "step 580" in tmux.screen() and "Quit" in tmux.screen(), "first screen")
        screen = tmux.screen()
        for word in ("KL zone", "KL trend", "Rec range", "Divergence", "Overall", "Help"):
            assert word in screen
        with log.open("a") as fh:
            for step in range(590, 4330, 10):
                fh.write(
                    f"step {step} epoch 3 loss=0.15 rec_loss=0.0071 kl_loss=505.5 "
                    f"kl_weight=0.0001 perception_loss=0.031\n"
                )
        tmux.wait(lambda: "step 4,320" in tmux.screen(), "the appended step")
        help_then_quit(tmux, rc_file)
    finally:
        tmux.kill()


@pytest.mark.parametrize("signal_name", ["TERM", "HUP", "INT"])
def test_tail_ends_cleanly_on_a_signal(tmp_path: Path, tmux: Tmux, signal_name: str) -> None:
    log = write_sim(tmp_path / "train.log", "healthy", steps=500)
    rc_file = tmp_path / "rc"
    pid_file = tmp_path / "pid"
    vaetui = [sys.executable, "-m", "vaetui", "tail", str(log)]
    # exec keeps the pid the shell wrote down; the exit status lands in rc_file.
    inner = f"echo $$ > {shlex.quote(str(pid_file))}; exec {shlex.join(vaetui)}"
    command = f"sh -c {shlex.quote(inner)}; echo $? > {shlex.quote(str(rc_file))}; sleep 30"
    try:
        tmux.start(f"sh -c {shlex.quote(command)}")
        tmux.wait(lambda: "step 500" in tmux.screen() and "Quit" in tmux.screen(), "first screen")
        os.kill(int(pid_file.read_text()), getattr(signal, f"SIG{signal_name}"))
        tmux.wait(rc_file.exists, "the app to exit")
        assert rc_file.read_text().strip() == "0"
        # The terminal is restored: the alternate screen is gone, no TUI left on the pane.
        tmux.wait(lambda: "Quit" not in tmux.screen(), "the TUI to leave the screen")
    finally:
        tmux.kill()


def test_tail_reads_a_piped_log_and_the_keyboard(tmp_path: Path, tmux: Tmux) -> None:
    rc_file = tmp_path / "rc"
    python = shlex.quote(sys.executable)
    writer = f"{python} -m vaetui simulate /dev/stdout --rate 100 --steps 400 2>/dev/null"
    command = f"{writer} | {python} -m vaetui tail -; echo $? > {shlex.quote(str(rc_file))}"
    try:
        tmux.start(f"sh -c {shlex.quote(command)}")
        tmux.wait(lambda: "step 400" in tmux.screen(), "the piped log's last step")
        assert "stdin" in tmux.screen()
        help_then_quit(tmux, rc_file)  # keys still reach the app
    finally:
        tmux.kill()


def test_tail_lives_through_a_resize(tmp_path: Path, tmux: Tmux) -> None:
    """Resizing the pane sends SIGWINCH, which the terminal driver handles: the app stays,
    redraws at the new size and still takes keys."""
    log = write_sim(tmp_path / "train.log", "healthy", steps=500)
    rc_file = tmp_path / "rc"
    vaetui = [sys.executable, "-m", "vaetui", "tail", str(log)]
    # The size must come from the terminal: a COLUMNS exported by the test runner would win.
    inner = f"unset COLUMNS LINES; exec {shlex.join(vaetui)}"
    command = f"sh -c {shlex.quote(inner)}; echo $? > {shlex.quote(str(rc_file))}"
    try:
        tmux.start(f"sh -c {shlex.quote(command)}")
        tmux.wait(lambda: "step 500" in tmux.screen() and "Quit" in tmux.screen(), "first screen")
        tmux("resize-window", "-t", "e2e", "-x", "100", "-y", "30")
        tmux.wait(lambda: max(map(len, tmux.screen().splitlines())) > 90, "the wider screen")
        assert not rc_file.exists(), "the app ended"
        help_then_quit(tmux, rc_file)
    finally:
        tmux.kill()
