"""``--webhook URL``: one HTTP POST per alert, from a background thread, with retries.

The queue is bounded (an unreachable receiver costs memory for at most ``WEBHOOK_QUEUE``
alerts); each alert is tried ``ATTEMPTS`` times with a growing pause, and a receiver that
answers 4xx (other than 408 and 429) is not asked again for that alert: the URL or the body is
wrong, and repeating will not help. Every alert given up is reported in one sentence.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from vaetui.core.alerts.model import Alert
from vaetui.core.alerts.shapes import SHAPES
from vaetui.core.alerts.sinks import Report, Worker

WEBHOOK_QUEUE = 100
ATTEMPTS = 3
#: Seconds before the second attempt; doubled before each later one.
FIRST_PAUSE = 1.0
REQUEST_TIMEOUT = 5.0


def check_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host; raises ValueError saying what is wrong."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise ValueError(f"--webhook {url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"--webhook {url!r} is not an http:// or https:// URL with a host")
    return url


class WebhookSink:
    """Posts every alert to ``url`` in the body ``shape`` (generic, slack, discord, ntfy)."""

    def __init__(
        self,
        url: str,
        report: Report,
        shape: str = "generic",
        first_pause: float = FIRST_PAUSE,
    ) -> None:
        self.url = check_url(url)
        self._shape = SHAPES[shape]
        self._report = report
        self._first_pause = first_pause
        self._closing = threading.Event()
        self._worker: Worker[Alert] = Worker("vaetui-webhook", self._post, report, WEBHOOK_QUEUE)
        self.delivered = 0

    def send(self, alert: Alert) -> None:
        self._worker.put(alert, f"webhook alert {alert.headline()!r}")

    def close(self, timeout: float) -> None:
        """Deliver what is queued (retries included) for up to ``timeout`` s, then give up."""
        self._worker.close(timeout)
        self._closing.set()

    def _post(self, alert: Alert) -> None:
        body, headers = self._shape(alert)
        pause = self._first_pause
        problem = ""
        for attempt in range(1, ATTEMPTS + 1):
            problem, retry = self._attempt(body, headers)
            if not problem:
                self.delivered += 1
                return
            if not retry or attempt == ATTEMPTS or self._closing.wait(pause):
                break
            pause *= 2
        self._report(
            f"webhook {self.url} failed ({problem}); alert not delivered: {alert.headline()}"
        )

    def _attempt(self, body: bytes, headers: dict[str, str]) -> tuple[str, bool]:
        """One POST: ("", _) when delivered, else (what went wrong, whether to retry)."""
        import urllib.error  # on the first alert sent: a monitor that sends none never loads it
        import urllib.request

        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                response.read(1 << 16)
            return "", False
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code} {exc.reason}", exc.code in (408, 429) or exc.code >= 500
        except urllib.error.URLError as exc:
            reason = exc.reason
            text = getattr(reason, "strerror", None) or str(reason)
            return str(text), True
        except (OSError, ValueError) as exc:
            return str(exc) or type(exc).__name__, True
