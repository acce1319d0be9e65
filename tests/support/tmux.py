"""A private tmux server for end-to-end tests in a real terminal (never a user's sessions)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest


class Tmux:
    """A private tmux server holding one 80x24 session."""

    def __init__(self, tmp: Path) -> None:
        self.socket = f"vaetui-test-{os.getpid()}-{time.monotonic_ns()}"
        self.tmp = tmp

    def __call__(self, *args: str) -> str:
        cmd = ["tmux", "-L", self.socket, *args]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    def start(self, command: str) -> None:
        self("new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", command)

    def screen(self) -> str:
        try:
            return self("capture-pane", "-p", "-t", "e2e")
        except subprocess.CalledProcessError:
            return ""

    def wait(self, cond: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; pane:\n{self.screen()}")
            time.sleep(0.1)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
