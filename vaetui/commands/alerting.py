"""The alert options of ``tail`` and ``check --follow``, and where their reports go.

The machinery is the core's (``vaetui.core.alerts``); this module only turns arguments into
an :class:`~vaetui.core.alerts.AlertConfig` and gives batch commands a reporter (stderr) and a
terminal writer (the controlling terminal, since standard output carries JSON).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from vaetui.errors import UsageError

if TYPE_CHECKING:
    from vaetui.core.alerts import AlertConfig


def add_alert_arguments(parser: argparse.ArgumentParser) -> None:
    """``--on-change``, ``--on-bad``, ``--webhook``, ``--webhook-format``, ``--alert-level``,
    ``--alert-quiet`` and ``--notify``."""
    from vaetui.core.alerts.model import ALERT_LEVELS
    from vaetui.core.alerts.shapes import SHAPE_NAMES

    g = parser.add_argument_group("alerts (on every verdict change)")
    g.add_argument(
        "--on-change",
        action="append",
        default=[],
        metavar="CMD",
        help="shell command run on every verdict change (VAETUI_* variables in its env)",
    )
    g.add_argument(
        "--on-bad",
        action="append",
        default=[],
        metavar="CMD",
        help="shell command run when a criterion turns bad, e.g. 'kill -INT $TRAINER_PID'",
    )
    g.add_argument(
        "--hook-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="kill a hook still running after this long (default 30)",
    )
    g.add_argument(
        "--webhook", action="append", default=[], metavar="URL", help="POST each alert here"
    )
    g.add_argument(
        "--webhook-format",
        choices=SHAPE_NAMES,
        default="generic",
        help="body shape for the webhook (default: generic JSON)",
    )
    g.add_argument(
        "--alert-level",
        choices=ALERT_LEVELS,
        default="watch",
        help="least level for webhooks and --notify (default: watch)",
    )
    g.add_argument(
        "--alert-quiet",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="fold repeated changes of one criterion within this period (default 60)",
    )
    g.add_argument(
        "--notify",
        action="store_true",
        help="bell and desktop notification through the terminal (OSC 9/777)",
    )


def alert_config(args: argparse.Namespace) -> AlertConfig:
    """The alert options as a config; a malformed URL is a usage error (exit 64)."""
    from vaetui.core.alerts import AlertConfig
    from vaetui.core.alerts.webhook import check_url

    for url in args.webhook:
        try:
            check_url(url)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.alert_quiet < 0:
        raise UsageError("--alert-quiet must be 0 or more seconds")
    if not args.hook_timeout > 0:
        raise UsageError("--hook-timeout must be more than 0 seconds")
    return AlertConfig(
        on_change=tuple(args.on_change),
        on_bad=tuple(args.on_bad),
        webhooks=tuple(args.webhook),
        webhook_format=args.webhook_format,
        alert_level=args.alert_level,
        notify=args.notify,
        quiet=args.alert_quiet,
        hook_timeout=args.hook_timeout,
    )


def alerts_asked(args: argparse.Namespace) -> bool:
    """Whether the options ask for any alert: what ``alert_config(args).active`` says, without
    importing the alert machinery (``vaetui tail`` without alerts never loads it)."""
    return bool(args.on_change or args.on_bad or args.webhook or args.notify)


_stderr_lock = threading.Lock()


def report_to_stderr(message: str) -> None:
    """One sentence on stderr, whole even when several threads report at once."""
    with _stderr_lock:
        print(f"vaetui: {message}", file=sys.stderr, flush=True)


def terminal_writer() -> Callable[[str], None] | None:
    """A writer to the user's terminal: stderr when it is one, else ``/dev/tty``, else None."""
    if sys.stderr.isatty():
        stream = sys.stderr
    else:
        try:
            stream = open("/dev/tty", "w")  # noqa: SIM115 - lives as long as the process
        except OSError:
            return None

    def write(text: str) -> None:
        with _stderr_lock:
            stream.write(text)
            stream.flush()

    return write


def run_label(path: str) -> str:
    """The run's name in alerts: the file name, or ``stdin`` for ``-``."""
    return "stdin" if path == "-" else os.path.basename(path.rstrip("/")) or path


def start_dispatcher(config: AlertConfig, terminal: Callable[[str], None] | None = None):
    """The dispatcher for ``config`` reporting on stderr, or None when no alert is wanted."""
    from vaetui.core.alerts import AlertDispatcher

    if not config.active:
        return None
    if config.notify and terminal is None:
        terminal = terminal_writer()
        if terminal is None:
            report_to_stderr("--notify: no terminal to notify on; bells and notifications are off")
    return AlertDispatcher(config, report_to_stderr, terminal)
