"""The events list's rows: pinned kinds first, flips between two levels folded into one row."""

from __future__ import annotations

from vaetui.core.eventlist import arrange
from vaetui.core.snapshot import Event


def flip(step: float, criterion: str, before: str, after: str) -> Event:
    message = f"{criterion}: {before} -> {after} (summary at {step:g})"
    return Event(step, int(step), "verdict", message, criterion, before, after)


def flips(n: int, start: float = 100.0) -> list[Event]:
    levels = ("ok", "excellent")
    return [flip(start + 10 * i, "balance", levels[i % 2], levels[(i + 1) % 2]) for i in range(n)]


def test_repeated_flips_fold_into_one_row() -> None:
    rows = arrange(flips(13))
    assert len(rows) == 1
    row = rows[0]
    assert row.count == 13 and row.step == 220.0 and row.first_step == 100.0
    assert row.text == "Balance ok↔excellent ×13, now excellent"


def test_pinned_events_come_first_newest_first() -> None:
    events = [
        Event(50.0, 5, "restart", "step went back"),
        *flips(6),
        Event(400.0, 40, "nan", "rec_loss is nan at step 400"),
        flip(410.0, "divergence", "excellent", "bad"),
        Event(90.0, 9, "spike", "kl_loss 9000 is 18x its EMA"),
    ]
    rows = arrange(events)
    assert [r.kind for r in rows] == ["spike", "nan", "restart", "verdict", "verdict"]
    assert rows[3].text.startswith("Divergence excellent → bad: summary at 410")
    assert rows[4].count == 6
    assert [r.kind for r in arrange(events, "pinned")] == ["spike", "nan", "restart"]
    assert all(r.kind == "verdict" for r in arrange(events, "verdicts"))


def test_a_new_pair_of_levels_starts_a_new_row() -> None:
    events = [*flips(4), flip(200.0, "balance", "excellent", "watch"), *flips(2, start=300.0)]
    rows = arrange(events)
    assert [r.count for r in rows] == [2, 1, 4]
