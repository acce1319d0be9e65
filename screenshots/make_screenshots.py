"""Write the README's screenshots (SVG) from simulated runs: ``make screenshots``.

Each picture reads a fixed simulated log to its end with a fixed clock, through the same
``build_app`` factory as the CLI, so the screenshots show exactly what a user would see and
come out identical on every machine.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from vaetui.simulate import write_log
from vaetui.ui.app import build_app

OUT = Path(__file__).resolve().parent
FIXED_NOW = 1_700_000_000.0

#: (file name, scenario, terminal size, keys pressed before the picture)
SHOTS: list[tuple[str, str, tuple[int, int], tuple[str, ...]]] = [
    ("healthy.svg", "healthy", (80, 24), ()),
    ("collapse.svg", "collapse", (80, 24), ("m", "m", "l")),
    ("diverge.svg", "diverge", (80, 24), ("e", "enter")),
    ("restart.svg", "restart", (80, 24), ()),
    ("narrow-60x20.svg", "collapse", (60, 20), ()),
    ("detail.svg", "collapse", (80, 24), ("1",)),
    ("help.svg", "healthy", (80, 24), ("question_mark",)),
    ("rawlog.svg", "diverge", (80, 24), ("L", "slash", *"loss=inf", "enter")),
]


async def shoot(log: Path, out: Path, size: tuple[int, int], keys: tuple[str, ...]) -> None:
    """Open ``log`` at ``size``, press ``keys``, save the screen as ``out``."""
    app = build_app([str(log)], follow=False, clock=lambda: FIXED_NOW)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()  # the raw log indexes and searches in threads
            await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        app.save_screenshot(filename=out.name, path=str(out.parent))


def main() -> int:
    """Write every screenshot in ``SHOTS`` next to this script."""
    with tempfile.TemporaryDirectory(prefix="vaetui-shots-") as tmp:
        logs: dict[str, Path] = {}
        for name, scenario, size, keys in SHOTS:
            if scenario not in logs:
                logs[scenario] = Path(tmp) / f"{scenario}.log"
                write_log(logs[scenario], scenario=scenario, steps=3000, seed=0)
            asyncio.run(shoot(logs[scenario], OUT / name, size, keys))
            print(f"wrote screenshots/{name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
