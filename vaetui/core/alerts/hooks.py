"""Shell hooks: ``--on-change CMD`` and ``--on-bad CMD``.

Each alert runs the command through ``/bin/sh -c`` with the ``VAETUI_*`` variables in its
environment (see :meth:`Alert.environment`), on a worker thread, in its own process group,
with a timeout after which the whole group is killed. A command that fails, hangs or cannot
start is reported in one sentence; the reader never waits for it.
"""

from __future__ import annotations

import os
import signal
import subprocess

from vaetui.core.alerts.model import Alert
from vaetui.core.alerts.sinks import Report, Worker

#: Seconds a hook may run before it is killed.
HOOK_TIMEOUT = 30.0
#: Hook runs waiting at most (beyond that, alerts are dropped and reported).
HOOK_QUEUE = 64


class HookSink:
    """Runs ``command`` for every alert it is sent (``only_bad``: changes *to* bad only)."""

    def __init__(
        self,
        command: str,
        report: Report,
        only_bad: bool = False,
        timeout: float = HOOK_TIMEOUT,
    ) -> None:
        self.command = command
        self.only_bad = only_bad
        self.timeout = timeout
        self._report = report
        option = "--on-bad" if only_bad else "--on-change"
        self._name = f"{option} hook"
        self._worker: Worker[Alert] = Worker(f"vaetui-{option[2:]}", self._run, report, HOOK_QUEUE)

    def send(self, alert: Alert) -> None:
        if self.only_bad and (alert.after != "bad" or alert.before == "bad"):
            return
        self._worker.put(alert, f"{self._name} for {alert.headline()}")

    def close(self, timeout: float) -> None:
        self._worker.close(timeout)

    def _run(self, alert: Alert) -> None:
        env = {**os.environ, **alert.environment()}
        try:
            proc = subprocess.Popen(
                self.command,
                shell=True,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own group, so a timeout kills its children too
            )
        except OSError as exc:
            self._report(f"{self._name} could not start: {exc.strerror or exc}")
            return
        try:
            code = proc.wait(self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            self._report(
                f"{self._name} {self.command!r} was killed after {self.timeout:g} s "
                f"(for {alert.headline()})"
            )
            return
        if code != 0:
            self._report(
                f"{self._name} {self.command!r} failed with exit code {code} "
                f"(for {alert.headline()})"
            )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """End a hook that ran too long, and everything it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()
