"""Alerts: the core's verdict changes, delivered to whoever must hear of them.

A live reader hands each new snapshot to an :class:`AlertDispatcher`; it reads the numbered
:class:`~vaetui.core.snapshot.VerdictChange` records the core decided (``Snapshot.changes``),
turns the new ones into :class:`Alert` documents and hands them to sinks that never block the
reader: shell hooks, webhooks, the terminal. Nothing here imports a UI.

The names below are imported when first asked for: a module of the package (the model a
badge reads, the option names of the CLI) must not pull in every sink.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vaetui.core.alerts.dispatch import AlertConfig, AlertDispatcher
    from vaetui.core.alerts.model import Alert, is_news

__all__ = ["Alert", "AlertConfig", "AlertDispatcher", "is_news"]

_HOMES = {
    "Alert": "model",
    "is_news": "model",
    "AlertConfig": "dispatch",
    "AlertDispatcher": "dispatch",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
