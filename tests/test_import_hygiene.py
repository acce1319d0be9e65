"""The core never imports Textual: parsing, following, statistics and verdicts must work
(and be importable) without the UI, because ``vaetui check`` and the tests share them."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "vaetui.assess",
    "vaetui.cli",
    "vaetui.criteria",
    "vaetui.eventfollow",
    "vaetui.follow",
    "vaetui.formats",
    "vaetui.formats.fastkv",
    "vaetui.formats.tfevents",
    "vaetui.lines",
    "vaetui.metrics",
    "vaetui.pipe",
    "vaetui.profile",
    "vaetui.recorder",
    "vaetui.report",
    "vaetui.run",
    "vaetui.simulate",
    "vaetui.snapshot",
    "vaetui.source",
    "vaetui.stats",
    "vaetui.watch",
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
    log = tmp_path / "train.log"
    log.write_text("".join(f"step {s} loss=0.1 rec_loss=0.01 kl_loss=500\n" for s in range(50)))
    code = (
        "import sys\n"
        "from vaetui.cli import main\n"
        f"main(['check', {str(log)!r}, '--json'])\n"
        "assert not any(m.startswith('textual') for m in sys.modules), 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=60)
