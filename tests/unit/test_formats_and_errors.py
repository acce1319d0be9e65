"""``[[formats]]`` of a user's own, and ``--json`` that always prints one object."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
from pathlib import Path

import pytest

from vaetui.cli import main
from vaetui.core.profile import ProfileError, load_profile, profile_to_toml

PROFILE = """
[[formats]]
name = "mytrainer"
pattern = 'it (?P<step>\\d+) \\| nll (?P<nll>\\S+) \\| kld (?P<kld>\\S+)'
"""
LOG = "it 1 | nll 0.021 | kld 300\nit 2 | nll 0.019 | kld 310\nstep 3 loss=0.5 kl=320\n"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "train.log"
    path.write_text(LOG, encoding="utf-8")
    return path


def test_a_format_is_used_first_and_its_groups_map_through_aliases(profile, log) -> None:
    _code, out, _ = cli("check", "--json", "--profile", str(profile), str(log))
    doc = json.loads(out)
    assert doc["records"] == 3 and (doc["first_step"], doc["last_step"]) == (1, 3)
    assert doc["sources"]["rec_loss"] == "nll" and doc["metrics"]["kl_loss"]["last"] == 320


def test_format_name_forces_that_format_only(profile, log) -> None:
    _code, out, _ = cli(
        "check", "--json", "--profile", str(profile), "--format", "mytrainer", str(log)
    )
    doc = json.loads(out)
    assert doc["format"] == "mytrainer" and doc["records"] == 2 and doc["last_step"] == 2


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("name = 'x'\npattern = '(?P<step>\\d+'", "broken pattern"),
        ("name = 'x'\npattern = '(?P<step>\\d+)'", "names no metric"),
        ("pattern = '(?P<kl>\\d+)'", "needs a name"),
        ("name = 'x'\npattern = '(?P<kl>\\d+)'\ncolour = 1", "unknown key"),
    ],
)
def test_a_broken_format_is_one_sentence_and_exit_64(tmp_path: Path, log, table, words) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[[formats]]\n" + table + "\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=words):
        load_profile(str(bad))
    code, out, err = cli("check", "--profile", str(bad), str(log))
    assert code == 64 and out == "" and len(err.strip().splitlines()) == 1


def test_unknown_format_name_is_exit_64(log) -> None:
    code, _out, err = cli("check", "--format", "nope", str(log))
    assert code == 64 and "unknown format 'nope'" in err


def test_profile_show_documents_formats(profile) -> None:
    text = profile_to_toml(load_profile(None))
    assert "# [[formats]]" in text and "(?P<step>" in text
    shown = profile_to_toml(load_profile(str(profile)))
    assert '[[formats]]\nname = "mytrainer"' in shown
    again = Path(str(profile) + ".again.toml")
    again.write_text(shown, encoding="utf-8")
    assert load_profile(str(again)).formats == load_profile(str(profile)).formats


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"hello\nno numbers here\n", 65, "no metric lines"),
        (gzip.compress(b"step 1 loss=0.5\n"), 66, "this file is gzip-compressed"),
        (None, 66, "does not exist"),
    ],
    ids=["no-metrics", "gzip", "missing"],
)
def test_json_is_one_object_on_exit_65_and_66(tmp_path: Path, content, code, words) -> None:
    path = tmp_path / "x.log"
    if content is not None:
        path.write_bytes(content)
    got, out, err = cli("check", "--json", str(path))
    doc = json.loads(out)
    assert got == code
    assert doc["records"] == 0 and doc["error"]["code"] == code and words in doc["error"]["message"]
    for key in ("file", "format", "lines", "metrics", "criteria", "events"):
        assert key in doc
    assert words in err and "Traceback" not in err
