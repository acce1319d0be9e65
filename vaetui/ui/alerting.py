"""The TUI's end of alerts: terminal notifications and failure reports, on the UI thread.

The core's dispatcher delivers from its own thread; it must never wait for the app (which may
be closing). So both outlets only *post* an :class:`AlertOutput` message, which never blocks,
and :class:`AlertOutlets` (a base of the app) handles it between two frames: escape sequences
go to the terminal through Textual's driver, reports become a notification in the corner.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App
from textual.message import Message

#: Seconds a failure report stays on screen.
REPORT_SECONDS = 10.0


@dataclass
class AlertOutput(Message):
    """Text from the alert dispatcher: escape sequences for the terminal, or a report."""

    text: str
    terminal: bool


class AlertOutlets:
    """Mixed into the app: where the dispatcher's output lands (see the module docstring)."""

    def write_terminal(self: App[int], text: str) -> None:  # type: ignore[misc]
        """Thread-safe, non-blocking: ``text`` is written to the terminal soon."""
        self.post_message(AlertOutput(text, terminal=True))

    def tell(self: App[int], message: str) -> None:  # type: ignore[misc]
        """Thread-safe, non-blocking: ``message`` is shown as a warning notification."""
        self.post_message(AlertOutput(message, terminal=False))

    def on_alert_output(self: App[int], message: AlertOutput) -> None:  # type: ignore[misc]
        if not message.terminal:
            self.notify(message.text, severity="warning", timeout=REPORT_SECONDS, markup=False)
            return
        # Textual offers no public raw write; its own clipboard support writes OSC 52 here.
        driver = self._driver
        if driver is not None:
            driver.write(message.text)
