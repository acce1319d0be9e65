"""Alerts in the live TUI: the changed badge blinks, hooks run, failures are notifications."""

from __future__ import annotations

from pathlib import Path

from tests.support.collapse import collapse_parts
from tests.ui.test_app_pilot import sync, wait_for
from vaetui.core.alerts import AlertConfig, AlertDispatcher
from vaetui.ui.app import build_app
from vaetui.ui.widgets.verdicts import VerdictBadge


@sync
async def test_a_collapse_blinks_its_badge_runs_the_hook_and_reports_failures(
    tmp_path: Path,
) -> None:
    head, rest = collapse_parts(tmp_path)
    log = tmp_path / "train.log"
    log.write_bytes(head)
    done = tmp_path / "hook-ran"
    config = AlertConfig(on_bad=(f'echo "$VAETUI_CRITERION" >> "{done}"', "exit 5"), notify=True)
    outlets: list = []
    dispatcher = AlertDispatcher(
        config,
        report=lambda m: outlets[0].tell(m),
        terminal_write=lambda t: outlets[0].write_terminal(t),
    )
    app = build_app([str(log)], on_snapshot=dispatcher.observe)
    outlets.append(app)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            written: list[str] = []
            driver = app._driver
            assert driver is not None
            real_write = driver.write
            driver.write = lambda text: (written.append(text), real_write(text))[1]  # type: ignore[method-assign]
            badge = app.query_one("#badge-kl_zone", VerdictBadge)
            await wait_for(pilot, lambda: badge.level != "pending")
            assert not badge.has_class("-flash")  # a healthy start is not news
            with log.open("ab") as f:
                f.write(rest)
            await wait_for(pilot, lambda: badge.level == "bad" and badge.has_class("-flash"))
            await wait_for(pilot, lambda: done.exists() and "kl_zone" in done.read_text())
            await wait_for(
                pilot,
                lambda: any("'exit 5' failed" in n.message for n in app._notifications),
            )
            await wait_for(pilot, lambda: any("\x1b]9;vaetui BAD" in t for t in written))
            await wait_for(pilot, lambda: not badge.has_class("-flash"))  # it stops blinking
    finally:
        dispatcher.close(5)
