"""Endless inputs and invalid settings: one sentence, the SPEC exit code, never a hang.

``/dev/zero`` and ``/dev/urandom`` never end; a symlink hides what they are; a profile must be
a small regular file; every number a user can set is checked before any log is read.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.test_cli_errors import GOOD_LOG, one_line_error, run_main
from vaetui.core.profile import Profile
from vaetui.core.profilecheck import numbers

ENDLESS = ["/dev/zero", "/dev/urandom"]


def _vaetui(*args: str, stdin: object = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vaetui", *args],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=stdin,
    )


def _one_sentence(proc: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def good_log(tmp_path: Path) -> Path:
    path = tmp_path / "good.log"
    path.write_text(GOOD_LOG)
    return path


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
@pytest.mark.parametrize("device", ENDLESS)
@pytest.mark.parametrize("command", ["check", "tail"])
def test_a_device_is_refused(tmp_path: Path, device: str, command: str) -> None:
    _one_sentence(_vaetui(command, device), 66, device, "character device")
    link = tmp_path / "train.log"
    link.symlink_to(device)
    _one_sentence(_vaetui(command, str(link)), 66, str(link), "character device")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_standard_input_from_a_device_is_refused() -> None:
    with open("/dev/zero", "rb") as zero:
        _one_sentence(_vaetui("check", "-", stdin=zero), 66, "standard input", "device")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_profile_is_refused(good_log: Path) -> None:
    _one_sentence(
        _vaetui("check", str(good_log), "--profile", "/dev/zero"), 64, "not a regular file"
    )


def test_a_huge_profile_is_refused(
    tmp_path: Path, good_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "big.toml"
    profile.write_text("# padding\n" * 200_000)
    assert run_main(["check", str(good_log), "--profile", str(profile)]) == 64
    one_line_error(capsys.readouterr(), "larger than 1 MB")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--halflife", "inf"], "--halflife"),
        (["--halflife", "nan"], "--halflife"),
        (["--ema", "2"], "--ema"),
        (["--ema", "nan"], "--ema"),
        (["--kl-weight", "1e400"], "--kl-weight"),
        (["--warmup-steps", "-5"], "--warmup-steps"),
        (["--rank", "-1"], "--rank"),
    ],
)
def test_an_invalid_option_is_refused(
    good_log: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    assert run_main(["check", str(good_log), *args]) == 64
    one_line_error(capsys.readouterr(), needle)


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[smoothing]\nema_alpha = 0", "smoothing.ema_alpha"),
        ("[smoothing]\nema_alpha = nan", "smoothing.ema_alpha"),
        ("[smoothing]\nema_alpha = 5", "smoothing.ema_alpha"),
        ("[smoothing]\ntrend_window_min = 1e400", "smoothing.trend_window_min"),
        ("[smoothing]\ntrend_window_min = 2.5", "smoothing.trend_window_min"),
        ("[smoothing]\ntrend_window_min = 600", "smoothing.trend_window_min"),
        ("[kl_zone]\nexcellent_min = nan", "kl_zone.excellent_min"),
        ("[kl_zone]\nexcellent_min = 900", "kl_zone.excellent_min"),
        ("[kl_share]\nbad_below = -0.1", "kl_share.bad_below"),
        ("[rec_range.mse]\nok_max = 0.01", "rec_range.mse"),
        ("[divergence]\nspike_factor = 0.5", "divergence.spike_factor"),
        ('base = "nonexistent"', "base"),
        ("base = 3", "base"),
        ("name = 3", "name"),
        ("colour = 1", "colour"),
        ("[kl_zone]\nper_latent = 1", "kl_zone.per_latent"),
    ],
)
def test_an_invalid_profile_setting_is_refused(
    tmp_path: Path,
    good_log: Path,
    capsys: pytest.CaptureFixture[str],
    toml: str,
    needle: str,
) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text(toml + "\n")
    assert run_main(["check", str(good_log), "--profile", str(profile)]) == 64
    one_line_error(capsys.readouterr(), needle)


_SETTINGS = sorted(numbers(Profile()))
_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.text(max_size=5),
    st.sampled_from([0, 1, -1, 0.5, 1e400, math.nan, 2, 10, 1e-300]),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).encode("unicode_escape").decode().replace('"', '\\"') + '"'


def _profile_text(chosen: dict[str, object]) -> str:
    tables: dict[str, list[str]] = {}
    for dotted, value in chosen.items():
        table, _, key = dotted.rpartition(".")
        tables.setdefault(table, []).append(f"{key} = {_toml_value(value)}")
    out = list(tables.pop("", []))
    for table, lines in tables.items():
        out += [f"[{table}]", *lines]
    return "\n".join(out) + "\n"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chosen=st.dictionaries(
        st.one_of(st.sampled_from(_SETTINGS), st.sampled_from(["base", "name", "kl_zone.nope"])),
        _VALUES,
        max_size=6,
    )
)
def test_random_profiles_end_in_a_verdict_or_a_usage_error(
    tmp_path: Path, good_log: Path, capsys: pytest.CaptureFixture[str], chosen: dict[str, object]
) -> None:
    profile = tmp_path / "random.toml"
    profile.write_text(_profile_text(chosen))
    code = run_main(["check", str(good_log), "--profile", str(profile)])
    captured = capsys.readouterr()
    assert code in (0, 1, 2, 64), (code, captured.err, profile.read_text())
    assert "Traceback" not in captured.err
    if code == 64:
        one_line_error(captured)


def test_check_follow_ends_with_n_a_verdicts_when_its_reader_dies(good_log: Path) -> None:
    from vaetui.commands import check as check_command
    from vaetui.core.options import RunOptions
    from vaetui.core.run import Run

    class BrokenRun(Run):
        def feed(self, data: bytes) -> None:
            raise RuntimeError("a bug in the reader")

    run = BrokenRun(str(good_log), RunOptions(live=True))
    snap, failure = check_command._follow(str(good_log), run, poll=False)
    assert failure is not None and "a bug in the reader" in failure
    assert snap.overall == "n/a"
    assert {v.level for v in snap.criteria} <= {"n/a"}
