"""Messages between the follower threads and the app, named for what already happened.

A follower thread never touches a widget: it posts :class:`SnapshotUpdated`, which carries an
immutable :class:`~vaetui.core.snapshot.Snapshot`. Because every message is complete on its own, a
newer one may replace an older one that has not been handled yet (``can_replace``), so a burst
of log lines never queues up a backlog of redraws.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from vaetui.core.follow import FollowStatus
from vaetui.core.snapshot import Snapshot


@dataclass
class SnapshotUpdated(Message):
    """A run has a new snapshot (and follower status) to show."""

    run_index: int
    snapshot: Snapshot | None
    status: FollowStatus

    def can_replace(self, message: Message) -> bool:
        """A newer picture of the same run makes an unprocessed older one useless."""
        return isinstance(message, SnapshotUpdated) and message.run_index == self.run_index


@dataclass
class MetricSelected(Message):
    """The user picked a metric (a pane, the palette or a key) for the big plot."""

    name: str


@dataclass
class StepChosen(Message):
    """The user chose a step (an event) that the plot should jump to."""

    step: float


@dataclass
class CriterionChosen(Message):
    """The user asked for the detail view of one criterion."""

    criterion_id: str
