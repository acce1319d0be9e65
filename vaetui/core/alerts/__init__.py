"""Alerts: the core's verdict changes, delivered to whoever must hear of them.

A live reader hands each new snapshot to an :class:`AlertDispatcher`; it reads the numbered
:class:`~vaetui.core.snapshot.VerdictChange` records the core decided (``Snapshot.changes``),
turns the new ones into :class:`Alert` documents and hands them to sinks that never block the
reader: shell hooks, webhooks, the terminal. Nothing here imports a UI.
"""

from vaetui.core.alerts.dispatch import AlertConfig, AlertDispatcher
from vaetui.core.alerts.model import Alert, is_news

__all__ = ["Alert", "AlertConfig", "AlertDispatcher", "is_news"]
