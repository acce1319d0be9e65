"""Run the TUI from the command line: ``vaetui tail`` and ``vaetui demo`` end up here.

The CLI stays about arguments; this module owns the app's lifetime (and, for the demo, the
simulated trainer writing in the background), and turns it into an exit code.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from typing import Any

from vaetui.app import build_app


def run_tail(paths: list[str], options: Any = None, poll: bool = False) -> int:
    """Follow ``paths`` live in the TUI until the user quits.

    Args:
        paths: Log files, one run each (``-`` for standard input); they need not exist yet.
        options: ``RunOptions`` for the core (defaults when None).
        poll: Poll instead of inotify (NFS, Lustre).

    Returns:
        The exit code: 0 after ``q``, non-zero if the app failed.
    """
    app = build_app(paths, options, poll=poll)
    result = app.run()
    if app.return_code not in (None, 0):
        return int(app.return_code)
    return int(result or 0)


def run_demo(
    scenario: str = "healthy", rate: float = 20.0, steps: int = 20000, options: Any = None
) -> int:
    """Simulate a training run writing a log live, and tail it.

    Args:
        scenario: One of ``vaetui.simulate.SCENARIOS``.
        rate: Lines per second the simulated trainer writes.
        steps: Training steps to simulate.
        options: ``RunOptions`` for the core.

    Returns:
        The TUI's exit code.
    """
    from vaetui.simulate import write_log

    tmpdir = tempfile.mkdtemp(prefix="vaetui-demo-")
    path = os.path.join(tmpdir, f"{scenario}.log")
    stop = threading.Event()
    writer = threading.Thread(
        target=write_log,
        kwargs={"path": path, "scenario": scenario, "steps": steps, "rate": rate, "stop": stop},
        name="vaetui-demo-writer",
        daemon=True,
    )
    writer.start()
    try:
        return run_tail([path], options)
    finally:
        stop.set()
        writer.join(timeout=2.0)
        shutil.rmtree(tmpdir, ignore_errors=True)
