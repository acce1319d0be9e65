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
    log = tmp_path / "train.log"
    log.write_text("".join(f"step {s} loss=0.1 rec_loss=0.01 kl_loss=500\n" for s in range(50)))
    code = (
        "import sys\n"
        "from vaetui.cli import main\n"
        f"main(['check', {str(log)!r}, '--json'])\n"
        "assert not any(m.startswith('textual') for m in sys.modules), 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=60)
