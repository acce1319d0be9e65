"""The command line declares only the subcommand being run; the rest must behave the same."""

from __future__ import annotations

import pytest

from vaetui.cli import build_parser, main
from vaetui.commands.alerting import alert_config, alerts_asked


def _tail_args(*extra: str):  # type: ignore[no-untyped-def]
    words = ["tail", "x.log", *extra]
    return build_parser(words).parse_args(words)


@pytest.mark.parametrize(
    "extra",
    [
        (),
        ("--on-change", "true"),
        ("--on-bad", "kill -INT 1"),
        ("--webhook", "http://127.0.0.1:9/hook"),
        ("--notify",),
        ("--alert-quiet", "5", "--alert-level", "bad"),  # settings, but no alert asked for
    ],
)
def test_alerts_asked_agrees_with_the_config(extra: tuple[str, ...]) -> None:
    args = _tail_args(*extra)
    assert alerts_asked(args) == alert_config(args).active


def test_a_parser_for_one_command_parses_it_as_the_whole_parser_does() -> None:
    words = ["check", "run.log", "--json", "--ema", "0.2", "--on-change", "echo hi", "--follow"]
    assert vars(build_parser(words).parse_args(words)) == vars(build_parser().parse_args(words))


def test_every_command_is_listed_by_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ("tail", "check", "export", "serve", "simulate", "demo", "profile"):
        assert f"    {name} " in out


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["tial", "x.log"])
    assert exit_info.value.code == 64
    assert "invalid choice: 'tial'" in capsys.readouterr().err


def test_sub_command_help_still_lists_its_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    assert "--scenario {" in capsys.readouterr().out
