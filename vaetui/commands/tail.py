"""Run the TUI from the command line: ``vaetui tail`` and ``vaetui demo`` end up here.

The CLI stays about arguments; this module owns the app's lifetime (and, for the demo, the
simulated trainer writing in the background), and turns it into an exit code.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from typing import TYPE_CHECKING

from vaetui.ui.lifeline import Lifeline

if TYPE_CHECKING:
    from collections.abc import Callable

    from vaetui.core.alerts import AlertConfig
    from vaetui.core.options import RunOptions
    from vaetui.core.preview import JudgedInChild, Prepare
    from vaetui.ui.app import VaeApp


def run_tail(
    paths: list[str],
    options: RunOptions | Prepare | None = None,
    poll: bool = False,
    alerts: AlertConfig | None = None,
) -> int:
    """Follow ``paths`` live in the TUI until the user quits.

    Args:
        paths: Log files, one run each (``-`` for standard input); they need not exist yet.
        options: ``RunOptions`` for the core (defaults when None), or a ``Prepare`` that
            makes them and checks the command line: it runs in the child that judges the
            big logs' newest parts, while Textual loads here, and its ``UsageError`` or
            ``InputError`` is raised here before the app starts.
        poll: Poll instead of inotify (NFS, Lustre).
        alerts: An ``AlertConfig``: hooks, webhooks and notifications on verdict changes;
            their failures appear as notifications in the app.

    Returns:
        The exit code: 0 after ``q``, non-zero if the app failed.
    """
    if "-" in paths and not os.isatty(0):
        _keyboard_from_terminal()
    prepare = options if callable(options) else _given(options)
    # A reference run is read whole before the app, with numpy: no child for it.
    reference = not callable(options) and options is not None and options.reference is not None
    judged = None if reference else _judge_meanwhile(paths, prepare)
    if judged is None:  # made before Textual is loaded: a refusal costs no more
        later = _prepared_here(paths, prepare)
    from vaetui.ui.app import build_app  # Textual loads while the child prepares and judges

    if judged is not None:
        later = _prepared_by(judged, paths, prepare)
    if alerts is None or not alerts.active:
        app = build_app(paths, later, poll=poll, judged=judged)
        app.after_first_screen.append(_collect_again)
        with Lifeline() as app.lifeline:  # whatever happens, the process ends
            result = app.run()
    else:
        from vaetui.core.alerts import AlertDispatcher

        outlets: list[VaeApp] = []  # the app, once built: the dispatcher reports through it
        dispatcher = AlertDispatcher(
            alerts,
            report=lambda message: outlets[0].tell(message),
            terminal_write=lambda text: outlets[0].write_terminal(text),
        )
        app = build_app(paths, later, poll=poll, on_snapshot=dispatcher.observe, judged=judged)
        app.after_first_screen.append(_collect_again)
        outlets.append(app)
        try:
            with Lifeline() as app.lifeline:
                result = app.run()
        finally:
            dispatcher.close()
    if app.return_code not in (None, 0):
        return int(app.return_code)
    return int(result or 0)


def _given(options: RunOptions | None) -> Prepare:
    """A ``Prepare`` for options made already (the defaults for None)."""
    from vaetui.core.preview import default_options

    return default_options if options is None else lambda: options


def _collect_again() -> None:
    """The first screen is painted: the garbage collector, paused since the command began
    (the start-up allocates much and frees little), runs again, and what start-up made is
    set aside for good (``gc.freeze``), so no later collection walks it."""
    gc.freeze()
    gc.enable()


def _judge_meanwhile(paths: list[str], prepare: Prepare) -> JudgedInChild | None:
    """Start making the options and judging the big logs' newest parts in a second process,
    before Textual, numpy and the parsers are loaded here: the first screen then waits for
    the slower of the two, not for both. None for standard input alone, or where other
    threads run (``vaetui demo``'s trainer): a fork copies only this one."""
    from vaetui.core.preview import JudgedInChild

    if all(p == "-" for p in paths) or threading.active_count() > 1:
        return None
    return JudgedInChild(paths, prepare)


def _prepared_here(paths: list[str], prepare: Prepare) -> Callable[[], RunOptions]:
    """Make the options in this process (its ``UsageError`` or ``InputError`` is raised),
    and ask the terminal about images where they are expected; the options, for the app."""
    from vaetui.core.images.folders import images_expected

    options = prepare()
    _ask_terminal_for_images(images_expected(paths, options.images))
    return lambda: options


def _prepared_by(
    judged: JudgedInChild, paths: list[str], prepare: Prepare
) -> Callable[[], RunOptions]:
    """The child's options, read back when the app first needs them (after its first
    screen); its refusal is raised here. Made here when the child said nothing."""
    accepted = judged.accepted()
    if accepted is None:
        return _prepared_here(paths, prepare)
    _ask_terminal_for_images(accepted.images_expected)
    return accepted.options


def _ask_terminal_for_images(expected: bool) -> None:
    """Where sample images are to be shown, let textual-image ask the terminal what it
    supports (Kitty graphics, Sixel) now: once the app runs, it could not without a pause."""
    if expected:
        from vaetui.ui import imaging

        imaging.prepare()


def _keyboard_from_terminal() -> None:
    """``trainer | vaetui tail -``: the log arrives on standard input, the keys must not.

    The piped log moves to a new descriptor for the reader; descriptor 0 is reopened on the
    controlling terminal, where the app reads the keyboard.
    """
    from vaetui.core import pipe
    from vaetui.errors import InputError

    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        raise InputError(
            "reading the log from standard input needs a terminal for the keys"
        ) from None
    pipe.STDIN_FD = os.dup(0)
    os.dup2(tty, 0)
    os.close(tty)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 - lives as long as the process


def run_demo(
    scenario: str = "healthy",
    rate: float = 20.0,
    steps: int = 20000,
    options: RunOptions | None = None,
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
    import shutil
    import tempfile

    from vaetui.simulate import write_log
    from vaetui.simulate.images import images_dir

    tmpdir = tempfile.mkdtemp(prefix="vaetui-demo-")
    path = os.path.join(tmpdir, f"{scenario}.log")
    images_dir(path).mkdir(parents=True)  # so the terminal is asked about images at start
    stop = threading.Event()
    writer = threading.Thread(
        target=write_log,
        kwargs={
            "path": path,
            "scenario": scenario,
            "steps": steps,
            "rate": rate,
            "stop": stop,
            "images": True,
        },
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
