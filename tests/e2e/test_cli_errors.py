"""Bad input to `vaetui check`: one sentence on stderr, SPEC's exit code, never a traceback.

SPEC exit codes: 64 usage error, 65 no metrics found, 66 file cannot be read.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from vaetui.cli import main

GOOD_LOG = "".join(
    f"step {s} loss=0.15 rec_loss=0.0069 kl_loss=509 kl_weight=0.0001 perception_loss=0.0322\n"
    for s in range(10, 1010, 10)
)


def run_main(argv: list[str]) -> int:
    """``main`` returns the exit code; argparse usage errors leave through SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1


def one_line_error(captured, *needles: str, json_code: int | None = None) -> str:
    """One sentence on stderr; nothing on stdout, or with ``--json`` exactly one JSON object
    saying ``"records": 0`` and the error (SPEC: --json always prints one object)."""
    if json_code is None:
        assert captured.out == ""
    else:
        doc = json.loads(captured.out)
        assert captured.out.count("\n") == 1
        assert doc["records"] == 0 and doc["error"]["code"] == json_code
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {captured.err!r}"
    line = lines[0]
    assert line.startswith("vaetui"), line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


@pytest.fixture
def good_log(tmp_path: Path) -> Path:
    path = tmp_path / "good.log"
    path.write_text(GOOD_LOG)
    return path


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nope.log"
    assert run_main(["check", str(path)]) == 66
    one_line_error(capsys.readouterr(), "nope.log")
    assert run_main(["check", "--json", str(path)]) == 66
    one_line_error(capsys.readouterr(), "nope.log", json_code=66)


def test_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["check", str(tmp_path)]) == 66
    one_line_error(capsys.readouterr(), "directory")


def test_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "secret.log"
    path.write_text(GOOD_LOG)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read a mode-000 file (root)")
        assert run_main(["check", str(path)]) == 66
        line = one_line_error(capsys.readouterr(), "secret.log")
        assert "permission" in line.lower()
    finally:
        path.chmod(0o600)


def test_unreadable_file_as_any_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """root reads mode-000 files, so the refusal is provoked where the file is opened."""
    path = tmp_path / "locked.log"
    path.write_text(GOOD_LOG)
    real_open = os.open

    def refuse(file, flags, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    assert run_main(["check", str(path)]) == 66
    assert "permission" in one_line_error(capsys.readouterr(), "locked.log").lower()
    assert run_main(["check", "--json", str(path)]) == 66
    one_line_error(capsys.readouterr(), "locked.log", json_code=66)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"hello world\nno numbers here\njust words\n", id="prose"),
        pytest.param(
            b"VAE(latent=32) on digits 8x8: n_train=1600 batch=64 epochs=40 lr=0.001\n",
            id="banner-only",
        ),
        pytest.param(b"\x1b[31m\x1b[0m\r\n\r\n", id="escapes-only"),
    ],
)
def test_no_metric_lines(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(content)
    assert run_main(["check", str(path)]) == 65
    line = one_line_error(capsys.readouterr(), "empty.log")
    assert "metric" in line.lower()


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes(seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "random.bin"
    path.write_bytes(random.Random(seed).randbytes(64 * 1024))
    assert run_main(["check", "--json", str(path)]) == 65
    one_line_error(capsys.readouterr(), "random.bin", json_code=65)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check", "--no-such-option", "{log}"], id="unknown-option"),
        pytest.param(["check"], id="missing-path"),
        pytest.param(["frobnicate", "{log}"], id="unknown-command"),
        pytest.param(["check", "--format", "xml", "{log}"], id="bad-format"),
        pytest.param(["check", "--rec-metric", "ssim", "{log}"], id="bad-rec-metric"),
        pytest.param(["check", "--latent-dim", "0", "{log}"], id="bad-latent-dim"),
        pytest.param(["check", "--warmup-steps", "soon", "{log}"], id="bad-warmup"),
        pytest.param(["check", "--ema", "0.1", "--halflife", "5", "{log}"], id="ema-and-halflife"),
        pytest.param(["simulate", "{log}", "--scenario", "meltdown"], id="bad-scenario"),
    ],
)
def test_usage_errors(argv: list[str], good_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.replace("{log}", str(good_log)) for a in argv]
    assert run_main(argv) == 64
    one_line_error(capsys.readouterr())


@pytest.mark.parametrize("value", ["abc", "0", "-0.5", "1.5", "nan", ""])
def test_bad_ema_value(value: str, good_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["check", f"--ema={value}", str(good_log)]) == 64
    line = one_line_error(capsys.readouterr())
    assert "ema" in line.lower()


@pytest.mark.parametrize("value", ["0.05", "1", "1.0"])
def test_good_ema_value(value: str, good_log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(["check", "--json", f"--ema={value}", str(good_log)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["metrics"]["kl_loss"]["ema"] == pytest.approx(509.0)


@pytest.mark.parametrize(
    "profile",
    [
        pytest.param("[kl_zone\n", id="bad-toml"),
        pytest.param("[kl_zone]\nbogus = 1.0\n", id="unknown-key"),
        pytest.param('[rec_range.mse]\nexcellent_max = "low"\n', id="wrong-type"),
    ],
)
def test_malformed_profile(
    profile: str, tmp_path: Path, good_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(profile)
    assert run_main(["check", "--profile", str(path), str(good_log)]) == 64
    line = one_line_error(capsys.readouterr())
    assert "profile" in line


class FakeStdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_stdin_dash(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(GOOD_LOG.encode()))
    assert run_main(["check", "--json", "-"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["records"] == 100
    assert out["last_step"] == 1000
    assert out["file"] == "-"
    assert out["overall"] in ("excellent", "ok")


def test_stdin_dash_without_metrics(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"nothing to see\n"))
    assert run_main(["check", "-"]) == 65
    one_line_error(capsys.readouterr())


def test_stdin_dash_diverged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = GOOD_LOG + "step 1010 loss=nan rec_loss=nan kl_loss=nan kl_weight=0.0001\n"
    monkeypatch.setattr(sys, "stdin", FakeStdin(log.encode()))
    assert run_main(["check", "--json", "-"]) == 2
    out = json.loads(capsys.readouterr().out)
    divergence = next(c for c in out["criteria"] if c["id"] == "divergence")
    assert divergence["level"] == "bad"
    assert "1010" in divergence["summary"]


# ------------------------------------------------------------------------- a real process
def vaetui(*args: str, stdin: bytes | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "vaetui", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


def test_subprocess_bad_inputs(tmp_path: Path, good_log: Path) -> None:
    random_file = tmp_path / "noise.bin"
    random_file.write_bytes(random.Random(1).randbytes(4096))
    bad_profile = tmp_path / "bad.toml"
    bad_profile.write_text("[kl_zone]\nexcellent_min = [1, 2]\n")
    cases = [
        (("check", str(tmp_path / "missing.log")), 66),
        (("check", str(tmp_path)), 66),
        (("check", str(random_file)), 65),
        (("check", "--bogus", str(good_log)), 64),
        (("check", "--ema", "7", str(good_log)), 64),
        (("check", "--profile", str(bad_profile), str(good_log)), 64),
    ]
    for args, code in cases:
        proc = vaetui(*args)
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == code, (args, proc.returncode, err)
        assert "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1, (args, err)
        assert proc.stdout == b"", (args, proc.stdout)


def test_subprocess_stdin_and_good_file(good_log: Path) -> None:
    proc = vaetui("check", "--json", "-", stdin=GOOD_LOG.encode())
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["records"] == 100
    assert proc.stderr == b""

    proc = vaetui("check", str(good_log))  # the human checklist, piped: plain text
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert "\x1b[" not in text
    assert "509" in text
    assert "0.0069" in text
    for word in ("kl zone", "excellent", "overall"):
        assert word in text.lower()


def test_subprocess_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "locked.log"
    path.write_text(GOOD_LOG)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read a mode-000 file (root)")
        proc = vaetui("check", str(path))
        err = proc.stderr.decode()
        assert proc.returncode == 66
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    finally:
        path.chmod(0o600)


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        pytest.param(["--profile", "{tmp}/missing.toml", "{log}"], 64, "profile", id="profile"),
        pytest.param(["--format", "xml", "{log}"], 64, "xml", id="format"),
        pytest.param(["--ema", "2", "{log}"], 64, "ema", id="ema"),
        pytest.param(["--images", "{log}", "{log}"], 64, "not a directory", id="images"),
        pytest.param(["{tmp}"], 66, "", id="directory"),
        pytest.param(["{log}", "{tmp}"], 66, "", id="second-path"),
    ],
)
def test_tail_refused_before_its_app_starts(
    argv: list[str], code: int, needle: str, good_log: Path, tmp_path: Path
) -> None:
    """``vaetui tail`` makes its options in the child that judges the logs while Textual
    loads: what that child refuses is one sentence here, with the SPEC's exit code, and the
    app never takes the terminal."""
    words = [a.replace("{log}", str(good_log)).replace("{tmp}", str(tmp_path)) for a in argv]
    done = subprocess.run(
        [sys.executable, "-m", "vaetui", "tail", *words],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == code, done.stderr
    assert done.stdout == ""  # no escape sequence: the app did not start
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vaetui: "), done.stderr
    assert needle in lines[0]
