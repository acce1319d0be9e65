"""The ``vaetui`` command: tail, check, simulate, demo, profile.

Every error a user can cause ends in one sentence on stderr and a distinct exit code
(SPEC: 64 usage, 65 no metrics, 66 cannot read), never a traceback.

Start-up is part of the product (the first screen of ``vaetui tail`` has a budget): only the
options of the subcommand being run are declared, and the core is imported where it is used,
so ``vaetui --help`` or ``vaetui simulate`` never pay for what ``tail`` needs.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from vaetui import __version__
from vaetui.errors import (
    EXIT_NO_METRICS,
    EXIT_OK,
    EXIT_SOFTWARE,
    EXIT_USAGE,
    InputError,
    UsageError,
)

if TYPE_CHECKING:
    from vaetui.core.options import RunOptions


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one sentence with exit code 64."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"vaetui: {message} (see 'vaetui {self._sub()}--help')\n")

    def _sub(self) -> str:
        parts = self.prog.split()[1:]
        return " ".join(parts) + " " if parts else ""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _rank(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _common_options(p: argparse.ArgumentParser) -> None:
    from vaetui.core.formats import FORMAT_NAMES

    g = p.add_argument_group("reading and judging")
    g.add_argument(
        "--format",
        dest="fmt",
        default="auto",
        metavar="FORMAT",
        help=f"log format: {', '.join(FORMAT_NAMES)} or a [[formats]] name of the profile"
        " (default: detect)",
    )
    g.add_argument("--profile", help="thresholds: a built-in name or a TOML file")
    g.add_argument("--kl-weight", type=_positive_float, help="KL weight, when the log lacks it")
    g.add_argument(
        "--rec-metric",
        choices=("auto", "mse", "l1", "lpips"),
        default="auto",
        help="what rec_loss measures (default: from its name, else MSE)",
    )
    g.add_argument("--warmup-steps", type=_positive_float, help="KL warm-up length in steps")
    g.add_argument("--latent-dim", type=_positive_int, help="latent size, for KL per element")
    g.add_argument(
        "--rec-scale",
        type=_positive_float,
        metavar="N",
        help="elements per sample of a sum-reduced rec_loss (it is divided by N)",
    )
    g.add_argument("--rank", type=_rank, help="in multi-rank logs, the rank to read (default 0)")
    g.add_argument("--poll", action="store_true", help="poll instead of inotify (NFS, Lustre)")
    g.add_argument(
        "--images",
        metavar="DIR",
        help="where the sample images are (default: images/, samples/, ... beside the log)",
    )
    ema = g.add_mutually_exclusive_group()
    ema.add_argument(
        "--ema", type=_positive_float, metavar="ALPHA", help="EMA weight of each new value (0-1]"
    )
    ema.add_argument(
        "--halflife", type=_positive_float, metavar="STEPS", help="EMA half-life in steps"
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line: one sub-parser per subcommand (see ``_SUBCOMMANDS``).

    Without ``argv`` every subcommand's options are declared. Given the arguments about to be
    parsed, only the named subcommand's are: the others keep their names and help lines (for
    ``vaetui --help`` and "invalid choice" errors), and declaring their options would import
    what only they need.
    """
    wanted = None if argv is None else _command_in(argv)
    p = _Parser(
        prog="vaetui",
        description="Watch a VAE train: live verdicts on KL and "
        "reconstruction loss, from the training log.",
    )
    p.add_argument("--version", action="version", version=f"vaetui {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (summary, add, _run) in _SUBCOMMANDS.items():
        parser = sub.add_parser(name, help=summary)
        if wanted is None or wanted == name:
            add(parser)
    return p


def _command_in(argv: Sequence[str]) -> str:
    """The subcommand ``argv`` names: its first word that is not an option ("" for none)."""
    return next((a for a in argv if not a.startswith("-")), "")


def _add_tail(tail: argparse.ArgumentParser) -> None:
    from vaetui.commands.alerting import add_alert_arguments

    tail.add_argument("paths", nargs="+", metavar="PATH", help="log file(s); '-' for stdin")
    _common_options(tail)
    add_alert_arguments(tail)
    _reference_option(tail)


def _add_check(check: argparse.ArgumentParser) -> None:
    from vaetui.commands.alerting import add_alert_arguments

    check.add_argument("path", metavar="PATH", help="log file; '-' for stdin")
    check.add_argument("--json", action="store_true", help="print the machine-readable form")
    check.add_argument(
        "--explain",
        action="store_true",
        help="show what was read: the line shapes that became records, and the skipped"
        " lines that carry numbers",
    )
    check.add_argument(
        "--follow",
        action="store_true",
        help="keep following; one JSON line per verdict change until SIGINT",
    )
    _common_options(check)
    add_alert_arguments(check)
    _reference_option(check)


def _add_export(export: argparse.ArgumentParser) -> None:
    export.add_argument("paths", nargs="+", metavar="PATH", help="log file(s)")
    export.add_argument(
        "--listen", metavar="HOST:PORT", help="serve /metrics here (default 127.0.0.1:9109)"
    )
    export.add_argument("--textfile", metavar="FILE", help="write node_exporter's .prom file")
    export.add_argument(
        "--interval", type=_positive_float, default=15.0, help="seconds between textfile writes"
    )
    export.add_argument(
        "--metric", action="append", default=[], help="also export this metric (repeatable)"
    )
    export.add_argument(
        "--all-metrics", action="store_true", help="export every metric (many series per run)"
    )
    _common_options(export)


def _add_serve(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("paths", nargs="+", metavar="PATH", help="log file(s)")
    serve.add_argument(
        "--listen", default="127.0.0.1:8000", metavar="HOST:PORT", help="default 127.0.0.1:8000"
    )
    serve.add_argument("--public-url", help="the page's address as the browser sees it")
    _common_options(serve)


def _add_simulate(sim: argparse.ArgumentParser) -> None:
    from vaetui.simulate import FORMATS, SCENARIOS

    sim.add_argument("out", metavar="OUT", help="file to write")
    sim.add_argument("--scenario", choices=SCENARIOS, default="healthy")
    sim.add_argument("--steps", type=_positive_int, default=2000)
    sim.add_argument("--rate", type=_positive_float, help="lines per second (live writer)")
    sim.add_argument("--format", dest="sim_format", choices=FORMATS, default="kv")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument(
        "--images",
        action="store_true",
        help="also write input/reconstruction grids to images/train/ beside OUT",
    )


def _add_demo(demo: argparse.ArgumentParser) -> None:
    from vaetui.simulate import SCENARIOS

    demo.add_argument("--scenario", choices=SCENARIOS, default="healthy")
    demo.add_argument("--rate", type=_positive_float, default=20.0, help="lines per second")
    demo.add_argument("--steps", type=_positive_int, default=20000)


def _add_profile(prof: argparse.ArgumentParser) -> None:
    prof_sub = prof.add_subparsers(dest="profile_command", required=True, parser_class=_Parser)
    show = prof_sub.add_parser("show", help="print the profile as TOML")
    show.add_argument("--profile", help="a built-in name or a TOML file")
    learn = prof_sub.add_parser("learn", help="print a profile learned from a healthy run")
    learn.add_argument("path", metavar="GOOD.log", help="a run of your model you trust")
    learn.add_argument("--name", help="the profile's name (default: the file's)")
    _common_options(learn)


def _reference_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reference", metavar="GOOD.log", help="a trusted run to compare with")


def run_options(args: argparse.Namespace, live: bool) -> RunOptions:
    from vaetui.core.formats import FORMAT_NAMES
    from vaetui.core.options import RunOptions
    from vaetui.core.profile import ProfileError, load_profile

    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    if args.fmt not in FORMAT_NAMES and profile.line_format(args.fmt) is None:
        raise UsageError(
            f"unknown format {args.fmt!r}: choose one of {', '.join(FORMAT_NAMES)}"
            " or a [[formats]] name of the profile"
        )
    ema = getattr(args, "ema", None)
    if ema is not None and ema > 1:
        raise UsageError("--ema must be between 0 and 1")
    images = getattr(args, "images", None)
    if images is not None and os.path.exists(images) and not os.path.isdir(images):
        raise UsageError(f"--images {images} is not a directory")
    options = RunOptions(
        fmt=args.fmt,
        profile=profile,
        kl_weight=args.kl_weight,
        rec_metric=args.rec_metric,
        warmup_steps=args.warmup_steps,
        latent_dim=args.latent_dim,
        rank=args.rank,
        ema_alpha=ema,
        halflife=getattr(args, "halflife", None),
        rec_scale=getattr(args, "rec_scale", None),
        live=live,
        images=images,
    )
    reference = getattr(args, "reference", None)
    if reference:
        options = dataclasses.replace(options, reference=_reference(reference, options))
    return options


def _reference(path: str, options: RunOptions) -> Any:
    """The ``--reference`` run, read whole; a problem with it is one sentence."""
    from vaetui.core.follow import wants_event_reader
    from vaetui.core.reference import read_reference
    from vaetui.core.source import SourceError

    if os.path.isdir(path) and not wants_event_reader(path, options.fmt):
        raise InputError(f"reference {path} is a directory, not a log file")
    try:
        return read_reference(path, options)
    except (SourceError, OSError) as exc:
        raise InputError(f"reference {path}: cannot read ({exc})") from None
    except ValueError as exc:
        raise InputError(str(exc), EXIT_NO_METRICS) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    words = sys.argv[1:] if argv is None else argv
    args = build_parser(words).parse_args(words)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except UsageError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except InputError as exc:
        _say(str(exc))
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `vaetui check x | head`: the reader left; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a bug: one sentence, never a traceback
        _say(f"internal error ({type(exc).__name__}: {exc}); please report it")
        return EXIT_SOFTWARE


def _dispatch(args: argparse.Namespace) -> int:
    _summary, _add, run = _SUBCOMMANDS[args.command]
    return run(args)


def _run_check(args: argparse.Namespace) -> int:
    if args.explain:
        from vaetui.commands.explain import explain

        if args.follow:
            raise UsageError("--explain reads the whole file once; it cannot --follow")
        return explain(args.path, run_options(args, live=False), as_json=args.json)
    from vaetui.commands.alerting import alert_config, alerts_asked
    from vaetui.commands.check import check

    options = run_options(args, live=args.follow)
    alerts = alert_config(args) if alerts_asked(args) else None
    if alerts is not None and not args.follow:
        raise UsageError("alert options need --follow (or 'vaetui tail')")
    return check(
        args.path, options, as_json=args.json, follow=args.follow, poll=args.poll, alerts=alerts
    )


def _run_tail(args: argparse.Namespace) -> int:
    import gc

    # Start-up allocates much and frees little: no collection until the first screen is
    # painted (``vaetui.commands.tail.run_tail`` resumes it then), and none left paused.
    gc.disable()
    try:
        from vaetui.commands.alerting import alert_config, alerts_asked
        from vaetui.commands.tail import run_tail

        paths = list(args.paths)
        prepare = functools.partial(_checked_tail_options, args)
        if alerts_asked(args) or args.reference or "-" in paths:
            # Checked here first: the alert options after these, a reference run read
            # whole, standard input before its keyboard is moved (``run_tail``).
            options = prepare()
            alerts = alert_config(args) if alerts_asked(args) else None
            return run_tail(paths, options, poll=args.poll, alerts=alerts)
        # Made and checked in the child that judges the big logs while Textual loads.
        return run_tail(paths, prepare, poll=args.poll)
    finally:
        gc.enable()


def _checked_tail_options(args: argparse.Namespace) -> RunOptions:
    """``tail``'s options, once its paths are checked; raises ``UsageError`` or
    ``InputError``."""
    options = run_options(args, live=True)
    for path in args.paths:
        _reject_directory(path, args.fmt)
    return options


def _run_export(args: argparse.Namespace) -> int:
    from vaetui.commands.export import export

    for path in args.paths:
        _reject_directory(path, args.fmt)
    return export(
        args.paths,
        run_options(args, live=True),
        listen=args.listen,
        textfile=args.textfile,
        interval=args.interval,
        metrics=args.metric,
        all_metrics=args.all_metrics,
        poll=args.poll,
    )


def _run_serve(args: argparse.Namespace) -> int:
    from vaetui.commands.serve import serve

    run_options(args, live=True)  # a bad profile fails here, not in the browser
    return serve(args.paths, args.listen, args.argv, args.public_url)


def _run_demo(args: argparse.Namespace) -> int:
    from vaetui.commands.tail import run_demo
    from vaetui.core.options import RunOptions

    return run_demo(args.scenario, args.rate, args.steps, RunOptions(live=True))


def _run_simulate(args: argparse.Namespace) -> int:
    from vaetui.commands.simulate import simulate

    return simulate(
        args.out, args.scenario, args.steps, args.sim_format, args.rate, args.seed, args.images
    )


def _run_profile(args: argparse.Namespace) -> int:
    from vaetui.commands import profile

    if args.profile_command == "learn":
        return profile.learn(args.path, run_options(args, live=False), args.name)
    return profile.show(args.profile)


#: Every subcommand: how its arguments are declared, and what runs it.
_SUBCOMMANDS: dict[
    str,
    tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]],
] = {
    "tail": ("the live TUI on one or more logs", _add_tail, _run_tail),
    "check": ("judge a whole log and exit 0/1/2", _add_check, _run_check),
    "export": ("follow logs and serve Prometheus /metrics", _add_export, _run_export),
    "serve": ("the TUI in a browser (textual-serve)", _add_serve, _run_serve),
    "simulate": ("write a realistic VAE training log", _add_simulate, _run_simulate),
    "demo": ("simulate a run live and tail it", _add_demo, _run_demo),
    "profile": ("show the thresholds in force, or learn them", _add_profile, _run_profile),
}


def _say(message: str) -> None:
    print(f"vaetui: {message}", file=sys.stderr)


def _reject_directory(path: str, fmt: str) -> None:
    """``tail`` follows files, FIFOs and TensorBoard run folders: another directory, a
    device or an unreadable path is a clear error."""
    from vaetui.core.filekind import refusal, stdin_refusal
    from vaetui.core.follow import wants_event_reader

    refused = stdin_refusal() if path == "-" else _path_refusal(path, refusal)
    if refused is not None:
        raise InputError(refused)
    if path != "-" and os.path.isdir(path) and not wants_event_reader(path, fmt):
        raise InputError(f"{path} is a directory, not a log file")
    if path != "-" and os.path.exists(path) and not os.access(path, os.R_OK):
        raise InputError(f"cannot read {path}: permission denied")


def _path_refusal(path: str, refusal: Callable[[str, int], str | None]) -> str | None:
    try:
        return refusal(path, os.stat(path).st_mode)
    except OSError:
        return None  # missing (tail waits for it) or unreadable (said below)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
