"""Webhook bodies as each service expects them: generic JSON, Slack, Discord, ntfy.

A shape is a function ``Alert -> (body, headers)``. Text that came from the log or the file
system (run names, summaries) is escaped where the service would read it as markup, and
Discord is told not to turn anything into a mention.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from vaetui.core.alerts.model import Alert, step_text

Body = tuple[bytes, dict[str, str]]
JSON_HEADERS = {"Content-Type": "application/json"}

#: Colours for Discord embeds (and the word a human reads first), by the level moved to.
_COLOURS = {"bad": 0xD9534F, "watch": 0xF0AD4E, "ok": 0x5CB85C, "excellent": 0x2E8B57}
_NTFY_PRIORITY = {"bad": "high", "watch": "default"}
_NTFY_TAGS = {"bad": "rotating_light", "watch": "warning"}


def generic(alert: Alert) -> Body:
    """The alert document itself (see :meth:`Alert.to_json`)."""
    return _json(alert.to_json())


def slack(alert: Alert) -> Body:
    """A Slack incoming-webhook message: ``text`` for notifications, ``blocks`` for the channel."""
    head = _slack_escape(_title(alert))
    detail = _slack_escape(f"{alert.summary}\n{alert.advice}".strip())
    context = _slack_escape(_where(alert))
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{head}*\n{detail}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
    ]
    return _json({"text": head, "blocks": blocks})


def discord(alert: Alert) -> Body:
    """A Discord webhook message: ``content`` plus one embed coloured by level."""
    embed = {
        "title": _title(alert)[:256],
        "description": f"{alert.summary}\n{alert.advice}".strip()[:4000],
        "color": _COLOURS.get(alert.after, 0x777777),
        "fields": [
            {"name": "run", "value": alert.run[:1000] or "-", "inline": True},
            {"name": "step", "value": step_text(alert.step) or "-", "inline": True},
            {"name": "line", "value": str(alert.line or "-"), "inline": True},
        ],
        "timestamp": alert.iso_time(),
    }
    body = {"content": _title(alert)[:2000], "embeds": [embed], "allowed_mentions": {"parse": []}}
    return _json(body)


def ntfy(alert: Alert) -> Body:
    """An ntfy publish: the message as plain text, ``Title``, ``Priority`` and ``Tags`` headers."""
    text = f"{alert.summary}\n{alert.advice}\n{_where(alert)}".strip()
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Title": _header(_title(alert)),
        "Priority": "low" if alert.recovered else _NTFY_PRIORITY.get(alert.after, "default"),
        "Tags": "white_check_mark" if alert.recovered else _NTFY_TAGS.get(alert.after, "chart"),
    }
    return text.encode("utf-8"), headers


SHAPES: dict[str, Callable[[Alert], Body]] = {
    "generic": generic,
    "slack": slack,
    "discord": discord,
    "ntfy": ntfy,
}
#: ``--webhook-format`` choices.
SHAPE_NAMES: tuple[str, ...] = tuple(SHAPES)


def _title(alert: Alert) -> str:
    word = "recovered" if alert.recovered else alert.after.upper()
    folded = f" ({alert.folded} more changes folded)" if alert.folded else ""
    return f"[{word}] {alert.headline()}{folded}"


def _where(alert: Alert) -> str:
    parts = [f"file {alert.file}"]
    if alert.line is not None:
        parts.append(f"line {alert.line}")
    parts.append(alert.iso_time())
    return " · ".join(parts)


def _json(doc: Mapping[str, object]) -> Body:
    import json  # not for the first screen: the CLI reads this module's names

    return json.dumps(doc, ensure_ascii=False).encode("utf-8"), dict(JSON_HEADERS)


def _slack_escape(text: str) -> str:
    """Slack reads ``&``, ``<`` and ``>`` as control characters (links, mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _header(text: str) -> str:
    """An HTTP header value: ASCII as is, anything else as an RFC 2047 encoded word."""
    flat = " ".join(text.split())
    if flat.isascii():
        return flat
    import base64

    return "=?UTF-8?B?" + base64.b64encode(flat.encode("utf-8")).decode("ascii") + "?="
