"""The core never imports Textual: parsing, following, statistics and verdicts must work
(and be importable) without the UI, because ``vaetui check`` and the tests share them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vaetui


def _modules_under(package: str) -> list[str]:
    """Every module of ``package``, found on disk (no hand-kept list to forget one in)."""
    root = Path(vaetui.__file__).parent
    base = root / package.replace("vaetui.", "").replace(".", "/")
    names = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        names.append(".".join(parts))
    return names


#: Everything that must work without a terminal UI: the core, the simulator, the CLI's
#: argument layer and the batch commands.
CORE_MODULES = [
    *_modules_under("vaetui.core"),
    *_modules_under("vaetui.simulate"),
    "vaetui.cli",
    "vaetui.errors",
    "vaetui.commands.check",
    "vaetui.commands.report",
    "vaetui.commands.export",
    "vaetui.commands.alerting",
    "vaetui.commands.listen",
]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_textual(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"


def test_checking_a_log_does_not_import_textual(tmp_path) -> None:
    log = _small_log(tmp_path)
    code = (
        "import sys\n"
        "from vaetui.cli import main\n"
        f"main(['check', {str(log)!r}, '--json'])\n"
        "assert not any(m.startswith('textual') for m in sys.modules), 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=60)


# --------------------------------------------------------------------------- start-up
# What a command imports before it does its job is start-up time the user waits for (the
# first screen of ``vaetui tail`` has a budget, SPEC "Performance budgets"). Each check runs
# in a fresh interpreter and names the modules that must not have been loaded.


def _small_log(tmp_path) -> Path:
    """A 50-line ``key=value`` log, enough for every command to read and judge."""
    log = tmp_path / "train.log"
    log.write_text("".join(f"step {s} loss=0.1 rec_loss=0.01 kl_loss=500\n" for s in range(50)))
    return log


def _loaded_after(code: str, forbidden: list[str]) -> list[str]:
    """Run ``code`` in a fresh interpreter; the ``forbidden`` modules (or their submodules)
    it left in ``sys.modules``."""
    probe = (
        f"{code}\n"
        "import sys\n"
        f"bad = [f for f in {forbidden!r} if any(m == f or m.startswith(f + '.')"
        " for m in sys.modules)]\n"
        "print('loaded:' + ','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    last = out.stdout.strip().splitlines()[-1]
    return [m for m in last.removeprefix("loaded:").split(",") if m]


#: Modules the first screen of ``vaetui tail`` does without (loaded later, or never).
NOT_FOR_THE_FIRST_SCREEN = [
    "plotext",  # the plot's canvas is mounted once the verdicts are painted
    "textual_plotext",
    "vaetui.ui.widgets.plotcanvas",
    "vaetui.ui.widgets.detail",  # screens: imported when first opened
    "vaetui.ui.widgets.help",
    "vaetui.ui.widgets.rawlog",
    "vaetui.ui.widgets.explain",
    "vaetui.core.explain",
    "vaetui.core.alerts.dispatch",  # alert sinks: only with an alert option
    "vaetui.core.alerts.webhook",
    "vaetui.core.alerts.hooks",
    "vaetui.core.images.watch",  # started with the follower, after the first screen
    "vaetui.core.images.store",
    "vaetui.simulate",  # the simulator's options are declared for its own commands only
    "tomllib",  # only a profile file is TOML
]


#: Modules ``vaetui tail`` does without until its app runs, when no images are beside the log:
#: a few stats tell (``vaetui/core/images/folders.py``). A preview judged in the process (no
#: child: tests, ``--reference``) loads them with the core.
NOT_BEFORE_THE_APP = [
    *NOT_FOR_THE_FIRST_SCREEN,
    "vaetui.core.images.discover",
    "vaetui.core.images.names",
    "vaetui.core.images.model",
    "json",  # webhook bodies
]


def test_help_imports_neither_the_core_nor_textual() -> None:
    code = "from vaetui.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
    bad = _loaded_after(code, ["numpy", "textual", "vaetui.core", "vaetui.simulate"])
    assert bad == [], f"vaetui --help imports {bad}"


#: What ``vaetui tail LOG`` leaves to the child that judges the big logs while Textual loads
#: here: making the options (the profile, the formats) and looking for images. It reads
#: them back after its first screen.
NOT_IN_TAIL_BEFORE_THE_APP = [
    *NOT_BEFORE_THE_APP,
    "numpy",
    "vaetui.core.profile",
    "vaetui.core.options",
    "vaetui.core.formats.base",  # the parsers' (the format names are for the help line)
    "vaetui.core.images.folders",
]


def test_tail_start_up_imports_only_what_the_first_screen_needs(tmp_path) -> None:
    # The whole path of `vaetui tail LOG` up to App.run(): arguments, the child, the app.
    log = _small_log(tmp_path)
    code = (
        "import sys\n"
        "from vaetui.ui.app import VaeApp\n"
        "VaeApp.run = lambda self, *args, **kwargs: 0\n"
        "from vaetui.cli import main\n"
        f"assert main(['tail', {str(log)!r}]) == 0\n"
    )
    bad = _loaded_after(code, NOT_IN_TAIL_BEFORE_THE_APP)
    assert bad == [], f"vaetui tail imports {bad} before its first screen"


def test_tail_without_a_child_imports_only_what_the_first_screen_needs() -> None:
    # Options made in the process (``--reference``, alerts, standard input, tests).
    code = (
        "from vaetui.cli import build_parser, run_options\n"
        "from vaetui.commands.tail import _prepared_here\n"
        "from vaetui.ui.app import build_app\n"
        "args = build_parser(['tail', 'x.log']).parse_args(['tail', 'x.log'])\n"
        "later = _prepared_here(args.paths, lambda: run_options(args, live=True))\n"
        "build_app(args.paths, later)\n"
    )
    bad = _loaded_after(code, NOT_BEFORE_THE_APP)
    assert bad == [], f"vaetui tail imports {bad} before its first screen"


def test_first_screen_is_painted_before_plotext_is_loaded(tmp_path) -> None:
    """The app starts its readers and the plot's canvas once the first screen is painted
    (``_first_screen_painted``); what was loaded by then is what the first screen cost."""
    log = _small_log(tmp_path)
    code = (
        "import asyncio, sys\n"
        "from vaetui.ui.app import VaeApp, build_app\n"
        "seen = []\n"
        "class Probe(VaeApp):\n"
        "    def _start_feeds(self):\n"
        "        seen.append(set(sys.modules))\n"
        "        super()._start_feeds()\n"
        "async def main():\n"
        f"    app = build_app([{str(log)!r}])\n"
        "    app.__class__ = Probe\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        await pilot.pause()\n"
        "        from vaetui.ui.widgets.plot import MetricPlot\n"
        "        assert app.query_one(MetricPlot).canvas is not None, 'no plot drawn'\n"
        "asyncio.run(main())\n"
        "early = sorted(f for f in ('plotext', 'textual_plotext', 'vaetui.core.alerts.dispatch')"
        " if f in seen[0])\n"
        "assert not early, f'loaded before the first screen: {early}'\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=120)


def _big_log(tmp_path: Path) -> Path:
    """A log bigger than the preview (GAN metrics, numbers in two notations)."""
    from vaetui.core.preview import PREVIEW_BYTES
    from vaetui.simulate import log_chunks

    log = tmp_path / "big.log"
    log.write_text("".join(log_chunks("healthy", 160_000, "kv", 0, 10)))
    assert log.stat().st_size > 2 * PREVIEW_BYTES  # else it is read whole, no preview
    return log


def _said(code: str) -> dict[str, str]:
    """Run ``code`` in a fresh interpreter; its ``name:value`` lines as a dict."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def _assert_the_preview_was_shown(said: dict[str, str]) -> None:
    """A probe's first screen was the preview's (the history still being read), judged."""
    assert said["state"] == "reading", "the first screen was not the preview's"
    assert "pending" not in said["levels"].split(","), f"not judged: {said['levels']}"


#: Modules a big log's first screen (its newest megabyte judged, ``RunFeed.preview``) is
#: painted without: numpy's masked arrays (``np.median`` and ``np.unique`` import them), the
#: widgets mounted after it, and the screens opened by keys.
NOT_FOR_THE_PREVIEW = [
    "numpy.ma",
    "vaetui.ui.widgets.events",
    "vaetui.ui.widgets.images",
    "vaetui.core.eventlist",
    "vaetui.core.formats.jsonl",  # the JSON parsers: for JSON logs only
    "vaetui.core.formats.jsondoc",
    "orjson",
    *NOT_FOR_THE_FIRST_SCREEN,
]


#: Widgets mounted after the first screen of a following app (``_first_screen_painted``).
LATER_WIDGETS = {"MetricList", "MetricPlot", "MetricPane", "EventsList", "Thumbnail", "Footer"}


def test_a_big_logs_first_screen_is_judged_and_painted_with_little_loaded(tmp_path) -> None:
    """A log bigger than the preview (GAN metrics, numbers in two notations, so every path
    of the preview's parse and judgement runs): what is loaded once its verdicts are painted,
    and which widgets were mounted for them (the metric panes, thumbnail and events list
    come after)."""
    log = _big_log(tmp_path)
    code = (
        "import asyncio, sys\n"
        "from vaetui.ui.app import VaeApp, build_app\n"
        "seen = []\n"
        "class Probe(VaeApp):\n"
        "    async def _first_screen_painted(self):\n"
        "        if not self._first_painted:  # the first call (the timer's may come later)\n"
        "            kinds = {type(w).__name__ for w in self.screen.walk_children()}\n"
        "            levels = [b.level for b in self.screen.query('VerdictBadge')]\n"
        "            state = self.feeds[0].status.state\n"
        "            seen.append((set(sys.modules), kinds, levels, state))\n"
        "        await super()._first_screen_painted()\n"
        "async def main():\n"
        f"    app = build_app([{str(log)!r}])\n"
        "    app.__class__ = Probe\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        await pilot.pause()\n"
        "        assert app.screen.query('MetricPane'), 'no panes mounted after the preview'\n"
        "        assert app.screen.query('EventsList'), 'no events list mounted'\n"
        "asyncio.run(main())\n"
        "modules, kinds, levels, state = seen[0]\n"
        "print('state:' + state)\n"
        "print('levels:' + ','.join(levels))\n"
        f"print('widgets:' + ','.join(sorted(kinds & {LATER_WIDGETS!r})))\n"
        f"early = [f for f in {NOT_FOR_THE_PREVIEW!r}"
        " if any(m == f or m.startswith(f + '.') for m in modules)]\n"
        "print('loaded:' + ','.join(early))\n"
    )
    said = _said(code)
    _assert_the_preview_was_shown(said)
    assert said["widgets"] == "", f"mounted for the first screen: {said['widgets']}"
    assert said["loaded"] == "", f"loaded before the first screen: {said['loaded']}"


def test_a_big_logs_first_screen_judged_in_a_child_is_painted_without_numpy(tmp_path) -> None:
    """``vaetui tail``'s way: the preview judged in a forked child while Textual loads. The
    first screen shows the child's verdicts before numpy or the parsers are loaded here;
    then the panes draw the same preview with its histories, and the history is read."""
    log = _big_log(tmp_path)
    code = (
        "import asyncio, sys\n"
        "from vaetui.core.options import RunOptions\n"
        "from vaetui.core.preview import JudgedInChild\n"
        f"judged = JudgedInChild([{str(log)!r}], RunOptions)\n"
        "from vaetui.ui.app import VaeApp, build_app\n"
        "seen = []\n"
        "class Probe(VaeApp):\n"
        "    async def _first_screen_painted(self):\n"
        "        if not self._first_painted:  # the first call (the timer's may come later)\n"
        "            levels = [b.level for b in self.screen.query('VerdictBadge')]\n"
        "            heavy = ('numpy', 'vaetui.core.run', 'vaetui.core.formats.text')\n"
        "            loaded = sorted(m for m in heavy if m in sys.modules)\n"
        "            seen.append((loaded, levels, self.feeds[0].status.state))\n"
        "        await super()._first_screen_painted()\n"
        "async def main():\n"
        f"    app = build_app([{str(log)!r}], judged=judged)\n"
        "    app.__class__ = Probe\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        await pilot.pause()\n"
        "        assert app.feeds[0]._preview is None or app.feeds[0]._preview.history\n"
        "        for _ in range(100):\n"
        "            await pilot.pause(0.1)\n"
        "            if app.feeds[0].status.state != 'reading':\n"
        "                break\n"
        "        print('after:' + app.feeds[0].status.state)\n"
        "asyncio.run(main())\n"
        "loaded, levels, state = seen[0]\n"
        "print('state:' + state)\n"
        "print('levels:' + ','.join(levels))\n"
        "print('loaded:' + ','.join(loaded))\n"
    )
    said = _said(code)
    _assert_the_preview_was_shown(said)
    assert said["loaded"] == "", f"loaded before the first screen: {said['loaded']}"
    assert said["after"] != "reading", "the history was never read"


def test_checking_as_json_loads_no_alert_sink_nor_rich(tmp_path) -> None:
    log = _small_log(tmp_path)
    code = (
        "import contextlib, io\n"
        "from vaetui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['check', {str(log)!r}, '--json'])\n"
    )
    bad = _loaded_after(
        code, ["rich", "vaetui.core.alerts.dispatch", "vaetui.simulate", "tomllib", "plotext"]
    )
    assert bad == [], f"vaetui check --json imports {bad}"
