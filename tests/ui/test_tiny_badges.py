"""The level word survives small panes: titles are shortened first, the word never."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.apps import static_app
from tests.support.snapshots import write_sim
from vaetui.ui.widgets.verdicts import VerdictBadge, level_word


def _visible(badge: VerdictBadge) -> str:
    """What the badge's row shows on screen."""
    strips = badge.app.screen._compositor.render_strips()
    region = badge.region
    row = "".join(seg.text for seg in strips[region.y])
    return row[region.x : region.x + region.width]


async def _words(log: Path, size: tuple[int, int]) -> dict[str, tuple[str, str]]:
    app = static_app(log)
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.1)
        # Badges a compact layout hides (the VAE-GAN ones while healthy) show nothing at all.
        shown = [b for b in app.query(VerdictBadge) if b.display]
        return {b.criterion_id: (b.level, _visible(b)) for b in shown}


@pytest.mark.parametrize("size", [(30, 8), (24, 8)])  # 60x20 and 80x24: the snapshots
def test_every_badge_shows_its_level_word(tmp_path: Path, size: tuple[int, int]) -> None:
    log = write_sim(tmp_path / "collapse.log", "collapse", steps=1000)
    shown = asyncio.run(_words(log, size))
    assert shown["overall"][0] == "bad"
    for criterion, (level, text) in shown.items():
        assert level_word(level) in text, (criterion, text)


def test_a_badge_made_with_a_level_has_its_class_and_changes_as_one_set_later() -> None:
    born = VerdictBadge("kl_zone", "KL zone", "watch", 0.5)
    assert born.level == "watch" and born.value == 0.5
    assert born.has_class("badge", "-watch") and not born.has_class("-pending")
    assert VerdictBadge("kl_zone", "KL zone", "no such level").has_class("-pending")

    async def later() -> tuple[bool, bool]:
        from textual.app import App

        class One(App[None]):
            def compose(self):  # type: ignore[no-untyped-def]
                yield born

        async with One().run_test() as pilot:
            born.show("bad", 0.9)
            await pilot.pause()
            return born.has_class("-bad"), born.has_class("-watch")

    assert asyncio.run(later()) == (True, False)
