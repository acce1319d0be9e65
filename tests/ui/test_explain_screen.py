"""The ``x`` screen: what was read from the log, on the real app under Pilot."""

from __future__ import annotations

from pathlib import Path

from tests.support.apps import static_app
from tests.ui.test_app_pilot import screen_text, sync, wait_for
from vaetui.core.explain import explain_bytes
from vaetui.ui.keys import help_rows
from vaetui.ui.widgets.explain import ExplainScreen, explanation_text


def test_x_is_in_the_help() -> None:
    assert any(keys == "x" and "What was read" in what for keys, what in help_rows())


def test_text_lists_read_and_skipped_shapes_literally() -> None:
    data = b"step 1 loss=0.5 KL-Loss=300\nstep 2 loss=0.4 KL-Loss=310\n[bold]Saved 3 files[/]\n"
    text = explanation_text(explain_bytes("x.log", data)).plain
    assert "2× line 1: step 1 loss=0.5 KL-Loss=300" in text
    assert "KL-Loss → kl_loss" in text
    assert "[bold]Saved 3 files[/]" in text  # markup from the log is shown, not applied


@sync
async def test_x_opens_the_screen_and_shows_what_was_read(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    lines = [f"step {i} loss={1 / (i + 1):.4f} kl_loss={300 + i}" for i in range(1, 40)]
    log.write_text("\n".join(["Model parameters: 56879713", *lines]) + "\n", encoding="utf-8")
    app = static_app(log)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("x")
        assert isinstance(app.screen, ExplainScreen)
        await wait_for(pilot, lambda: "became records" in screen_text(app))
        text = screen_text(app)
        assert "39× line 2: step 1 loss=0.5000 kl_loss=301" in text
        assert "Model parameters: 56879713" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, ExplainScreen)
