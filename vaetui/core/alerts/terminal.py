"""``--notify``: a bell and a desktop notification through the terminal itself.

The notification travels as escape sequences on the terminal the user is looking at, so it
works over SSH: OSC 9 (iTerm2, WezTerm, Windows Terminal, kitty, foot) and OSC 777 (rxvt,
VTE terminals such as GNOME Terminal, Ghostty). Inside tmux each sequence is wrapped in a DCS
passthrough, which tmux forwards only with ``set -g allow-passthrough on``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from vaetui.core.alerts.model import Alert

BELL = "\a"


def clean(text: str, limit: int = 200) -> str:
    """Text safe inside an OSC string: no control characters, no ``;`` (OSC 777's separator)."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text).replace(";", ",")
    return " ".join(flat.split())[:limit]


def osc_sequences(title: str, body: str) -> list[str]:
    """The OSC 9 and OSC 777 desktop notifications for ``title`` and ``body``."""
    title, body = clean(title, 80), clean(body)
    return [f"\x1b]9;{title}: {body}\x1b\\", f"\x1b]777;notify;{title};{body}\x1b\\"]


def tmux_wrap(sequence: str) -> str:
    """A DCS passthrough for tmux: every ESC inside is doubled."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def notification(alert: Alert, in_tmux: bool | None = None) -> str:
    """Bell plus both desktop notifications for ``alert``, tmux-wrapped when inside tmux."""
    if in_tmux is None:
        in_tmux = bool(os.environ.get("TMUX"))
    word = "recovered" if alert.recovered else alert.after.upper()
    title = f"vaetui {word}"
    body = f"{alert.headline()} - {alert.summary}"
    sequences = osc_sequences(title, body)
    if in_tmux:
        sequences = [tmux_wrap(s) for s in sequences]
    return BELL + "".join(sequences)


class TerminalSink:
    """Writes the notification of every alert through ``write`` (the terminal's writer).

    ``write`` runs on the dispatcher's thread; in the TUI it hands the text to the app, which
    writes it between two frames.
    """

    def __init__(self, write: Callable[[str], None], in_tmux: bool | None = None) -> None:
        self._write = write
        self._in_tmux = in_tmux

    def send(self, alert: Alert) -> None:
        self._write(notification(alert, self._in_tmux))

    def close(self, timeout: float) -> None:
        return None
