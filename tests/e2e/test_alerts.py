"""Alerts end to end: ``check --follow`` on a log that collapses while it is followed.

A real hook (a shell command writing its environment to a file), a real webhook receiver on
127.0.0.1, a real pseudo-terminal for ``--notify``; bad receivers and hooks are reported in
one sentence and the monitor keeps running.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.support.collapse import collapse_parts
from tests.support.receiver import free_port, wait_for, webhook_receiver

VAETUI = [sys.executable, "-m", "vaetui"]


class Follow:
    """``vaetui check LOG --follow ...`` in the background, its stdout lines collected."""

    def __init__(self, log: Path, *options: str, stderr: int | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if k != "TMUX"}  # no passthrough wrapping
        self.proc = subprocess.Popen(
            [*VAETUI, "check", str(log), "--follow", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if stderr is None else stderr,
            text=True,
            env=env,
        )
        self.lines: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{") and '"criterion"' in line:
                self.lines.append(json.loads(line))

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err or ""


def _follow_collapse(tmp_path: Path, *options: str, stderr: int | None = None):
    head, rest = collapse_parts(tmp_path)
    log = tmp_path / "train.log"
    log.write_bytes(head)
    follow = Follow(log, *options, stderr=stderr)
    wait_for(lambda: follow.lines, what="the first verdicts of the healthy part")
    with log.open("ab") as f:
        f.write(rest)
    return log, follow


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k: v for k, v in pairs if k.startswith("VAETUI_")}


def test_a_collapse_reaches_the_hooks_and_the_webhook(tmp_path: Path) -> None:
    changes, bad = tmp_path / "changes", tmp_path / "bad"
    changes.mkdir()
    on_change = f'env > "{changes}/$VAETUI_CRITERION-$VAETUI_TO"'
    on_bad = f'env > "{bad}"'
    with webhook_receiver() as receiver:
        log, follow = _follow_collapse(
            tmp_path, "--on-change", on_change, "--on-bad", on_bad, "--webhook", receiver.url
        )
        wait_for(lambda: (changes / "kl_zone-bad").exists(), what="the on-change hook")
        wait_for(bad.exists, what="the on-bad hook")
        wait_for(
            lambda: any(json.loads(r.body)["criterion"] == "kl_zone" for r in receiver.requests),
            what="the webhook",
        )
        code, err = follow.stop()
    env = _env_file(changes / "kl_zone-bad")
    assert env["VAETUI_FILE"] == str(log)
    assert env["VAETUI_RUN"] == "train.log"
    assert env["VAETUI_CRITERION"] == "kl_zone"
    assert env["VAETUI_TO"] == "bad" and env["VAETUI_FROM"] in ("ok", "watch")
    assert int(env["VAETUI_STEP"]) > 0 and int(env["VAETUI_LINE"]) > 50
    assert "KL" in env["VAETUI_SUMMARY"]
    assert _env_file(bad)["VAETUI_TO"] == "bad"
    docs = [json.loads(r.body) for r in receiver.requests]
    kl = next(d for d in docs if d["criterion"] == "kl_zone" and d["to"] == "bad")
    assert set(kl) >= {
        "level",
        "criterion",
        "from",
        "to",
        "run",
        "file",
        "step",
        "line",
        "summary",
        "advice",
        "timestamp",
    }
    assert kl["level"] == "bad" and kl["file"] == str(log) and kl["advice"]
    assert receiver.requests[0].headers["Content-Type"] == "application/json"
    assert code == 2, err
    # Nothing went wrong, so nothing was said beyond the checklist (stderr, as stdout stays
    # JSON lines under --follow).
    assert "vaetui:" not in err and "Traceback" not in err and "KL zone" in err


def test_bad_receivers_and_hooks_are_reported_and_the_monitor_keeps_running(
    tmp_path: Path,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/nobody"
    log, follow = _follow_collapse(
        tmp_path,
        "--webhook",
        dead,
        "--on-bad",
        "exit 3",
        "--on-change",
        "sleep 30",
        "--hook-timeout",
        "0.5",
    )
    wait_for(
        lambda: any(c["criterion"] == "kl_zone" and c["to"] == "bad" for c in follow.lines),
        what="the collapse on stdout",
    )
    with log.open("a") as f:
        f.write("step 99999 loss=nan rec_loss=nan kl_loss=nan\n")
    wait_for(lambda: any(c["criterion"] == "divergence" for c in follow.lines), what="NaN")
    code, err = follow.stop()
    assert code == 2
    # One sentence per problem; the rest of stderr is the checklist (stdout stays JSON lines).
    lines = [line for line in err.strip().splitlines() if line.startswith("vaetui: ")]
    assert lines and "KL zone" in err, err
    assert "Traceback" not in err
    assert any("--on-bad hook 'exit 3' failed with exit code 3" in line for line in lines)
    assert any("was killed after 0.5 s" in line for line in lines)
    assert any(f"webhook {dead} failed" in line for line in lines)


def test_a_malformed_webhook_url_is_a_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text("step 1 loss=1 kl_loss=300 rec_loss=0.01\n")
    for url in ("ftp://example.org/x", "http://", "http://127.0.0.1:notaport/"):
        out = subprocess.run(
            [*VAETUI, "check", str(log), "--follow", "--webhook", url],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 64, out.stderr
        assert out.stderr.count("\n") == 1 and "--webhook" in out.stderr


def test_notify_rings_and_sends_desktop_notifications_to_the_terminal(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    received = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            if not chunk:
                return
            received.extend(chunk)

    threading.Thread(target=drain, daemon=True).start()
    try:
        _, follow = _follow_collapse(tmp_path, "--notify", "--alert-level", "bad", stderr=slave)
        wait_for(lambda: b"\x1b]777;notify;vaetui BAD;" in received, what="the notification")
        follow.stop()
    finally:
        os.close(slave)
    assert b"\a" in received
    assert b"\x1b]9;vaetui BAD: train.log: KL zone" in received


def test_the_readme_recipe_stops_a_trainer_when_its_loss_turns_nan(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    trainer = subprocess.Popen(
        [
            *VAETUI,
            "simulate",
            str(log),
            "--scenario",
            "diverge",
            "--steps",
            "6000",
            "--rate",
            "75",
        ],
        stderr=subprocess.DEVNULL,
        # A suite started in the background inherits SIGINT ignored; a trainer in a terminal
        # has it on, and the recipe's ``kill -INT`` relies on that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    hook = '[ "$VAETUI_CRITERION" = divergence ] && kill -INT $TRAINER_PID'
    env = {**os.environ, "TRAINER_PID": str(trainer.pid)}
    follow = subprocess.Popen(
        [*VAETUI, "check", str(log), "--follow", "--on-bad", hook],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        # NaN at line 483 of 603: 120 lines (1.6 s) after it, the trainer would end by itself.
        code = trainer.wait(timeout=60)
    finally:
        trainer.kill()
        follow.send_signal(signal.SIGINT)
        out, err = follow.communicate(timeout=30)
    assert code == 130  # SIGINT: the trainer was interrupted
    assert '"criterion": "divergence"' in out and "vaetui:" not in err  # checklist only
    assert "training finished" not in log.read_text()
