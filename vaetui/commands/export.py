"""``vaetui export``: follow logs and serve their verdicts as Prometheus metrics.

Each path gets a core ``Run`` fed by the follower ``make_follower`` picks; the collector
(``vaetui.core.promexport``) takes a fresh snapshot of every run at each scrape. ``--listen``
serves ``/metrics`` with ``prometheus_client``'s own HTTP server; ``--textfile`` writes the same
text atomically every ``--interval`` seconds for node_exporter's textfile collector. No
Textual is imported: an exporter on a headless box stays small.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from prometheus_client import CollectorRegistry, start_http_server, write_to_textfile

from vaetui.commands.listen import check_free, listen_failure, parse_listen
from vaetui.core.follow import RunFollower, make_follower
from vaetui.core.metrics import CANONICAL
from vaetui.core.options import RunOptions
from vaetui.core.promexport import Picture, SnapshotCollector, run_labels
from vaetui.core.run import Run
from vaetui.errors import EXIT_OK, InputError, UsageError

DEFAULT_LISTEN = "127.0.0.1:9109"


@dataclass
class _Exported:
    label: str
    path: str
    run: Run
    follower: RunFollower

    def picture(self) -> Picture:
        with self.follower.lock:
            return Picture(self.label, self.path, self.run.snapshot())


def export(
    paths: Sequence[str],
    options: RunOptions,
    listen: str | None,
    textfile: str | None,
    interval: float = 15.0,
    metrics: Sequence[str] = (),
    all_metrics: bool = False,
    poll: bool = False,
) -> int:
    """Run ``vaetui export`` until SIGINT/SIGTERM/SIGHUP; return the exit code.

    Args:
        paths: Logs to follow (need not exist yet); one ``run`` label each.
        listen: ``HOST:PORT`` for ``/metrics``; None with ``textfile`` serves nothing.
        textfile: A ``.prom`` file rewritten atomically every ``interval`` seconds.
        metrics: Metric names exported beside the canonical ones.
        all_metrics: Export every metric of every log (cardinality is then the logs').
    """
    if listen is None and textfile is None:
        listen = DEFAULT_LISTEN
    address = parse_listen(listen) if listen is not None else None
    if address is not None:
        check_free(*address)
    options = replace(options, live=True)
    runs = [_follow(label, path, options, poll) for label, path in zip(run_labels(paths), paths)]
    registry = CollectorRegistry(auto_describe=True)
    wanted = None if all_metrics else (*CANONICAL, *metrics)
    registry.register(SnapshotCollector(lambda: [r.picture() for r in runs], wanted))
    stop = _stop_on_signals()
    server = None
    try:
        if address is not None:
            try:
                server, _ = start_http_server(address[1], address[0], registry)
            except OSError as exc:
                raise UsageError(listen_failure(*address, exc)) from None
        for r in runs:
            r.follower.start()
        while True:
            if textfile is not None:
                _write_textfile(textfile, registry)
            if stop.wait(interval):
                break
        if textfile is not None:
            _write_textfile(textfile, registry)
    finally:
        if server is not None:
            server.shutdown()
        for r in runs:
            r.follower.stop()
    return EXIT_OK


def _follow(label: str, path: str, options: RunOptions, poll: bool) -> _Exported:
    run = Run(label, options)
    return _Exported(label, path, run, make_follower(path, run, poll=poll))


def _write_textfile(path: str, registry: CollectorRegistry) -> None:
    """One atomic rewrite (a temporary file renamed over ``path``)."""
    try:
        write_to_textfile(path, registry)
    except OSError as exc:
        raise InputError(f"cannot write --textfile {path}: {exc.strerror or exc}") from None


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    return stop
