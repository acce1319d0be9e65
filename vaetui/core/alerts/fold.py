"""Folding: a criterion that changes again and again within a quiet period is one alert.

The steady verdicts of the core keep flapping rare; this is the receiver's second line of
defence. The first change of a criterion goes out at once and opens its quiet period; a
change that makes it *worse* than the level last sent also goes out at once (an escalation is
never delayed). Other changes within the period are held; when the period ends, the newest
held one goes out carrying the number folded into it, unless the criterion is back at the
level last sent (a flap that undid itself says nothing new).
"""

from __future__ import annotations

from dataclasses import dataclass

from vaetui.core.alerts.model import Alert
from vaetui.core.snapshot import level_rank

#: Default quiet period, in seconds.
QUIET_SECONDS = 60.0


@dataclass
class _Slot:
    sent_level: str
    quiet_until: float
    held: Alert | None = None
    count: int = 0


class Folder:
    """Decides, per run and criterion, which alerts go out now and which wait.

    Not thread-safe: one dispatcher thread owns it. Time is passed in, so tests need no clock.
    """

    def __init__(self, quiet: float = QUIET_SECONDS) -> None:
        self.quiet = quiet
        self._slots: dict[tuple[str, str], _Slot] = {}

    def offer(self, alert: Alert, now: float) -> list[Alert]:
        """The alerts to send now because ``alert`` arrived (empty when it is held)."""
        key = (alert.run, alert.criterion)
        slot = self._slots.get(key)
        escalates = slot is not None and level_rank(alert.after) > level_rank(slot.sent_level)
        if slot is None or now >= slot.quiet_until or escalates or self.quiet <= 0:
            self._slots[key] = _Slot(alert.after, now + self.quiet)
            folded = slot.count if slot is not None and slot.held is not None else 0
            return [alert.with_folded(folded) if folded else alert]
        slot.held = alert
        slot.count += 1
        return []

    def due(self, now: float) -> list[Alert]:
        """Held alerts whose quiet period has ended, to send now."""
        out: list[Alert] = []
        for key, slot in list(self._slots.items()):
            if slot.held is None or now < slot.quiet_until:
                continue
            held, count = slot.held, slot.count
            if held.after == slot.sent_level:
                self._slots[key] = _Slot(slot.sent_level, slot.quiet_until)  # a flap undone
                continue
            self._slots[key] = _Slot(held.after, now + self.quiet)
            out.append(held.with_folded(count))
        return out

    def flush(self) -> list[Alert]:
        """Every held alert that would change what was last sent (at shutdown)."""
        return self.due(float("inf"))
