"""What a snapshot carries about the ``--reference`` run: its curves and the comparisons.

Plain immutable data (computed in :mod:`vaetui.core.reference`), so snapshots can hold it and
every reader (the detail screens, ``check``) only prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaetui.core.snapshot import Series, json_step


@dataclass(frozen=True)
class Comparison:
    """One metric of the watched run against the reference's EMA at the same step."""

    criterion: str
    metric: str
    step: float
    value: float
    reference: float
    #: The reference's step compared with (its last, when the run is already past it).
    reference_step: float
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "metric": self.metric,
            "step": json_step(self.step),
            "value": self.value,
            "reference": self.reference,
            "reference_step": json_step(self.reference_step),
            "text": self.text,
        }


@dataclass(frozen=True)
class ReferenceReport:
    """What a snapshot carries about the reference: its curves and the comparisons."""

    name: str
    history: dict[str, Series]
    comparisons: tuple[Comparison, ...] = ()

    def lines_for(self, criterion: str) -> list[str]:
        """The "compared with the reference" lines of one criterion."""
        return [c.text for c in self.comparisons if c.criterion == criterion]

    def to_json(self) -> dict[str, Any]:
        return {"file": self.name, "comparisons": [c.to_json() for c in self.comparisons]}
