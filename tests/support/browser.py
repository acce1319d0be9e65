"""Headless Chromium (Debian's chromium + chromedriver) driven through Selenium.

The page of ``vaetui serve`` draws the terminal on a canvas, so its text is not in the DOM;
a script injected before the page loads keeps a copy of every terminal byte the websocket
brings, which the test reads back as text.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
#: Flags for a closed network: no background connections, no sandbox as root, no GPU.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,720",
)
_KEEP_TERMINAL_TEXT = """
window.__terminalText = "";
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new NativeWebSocket(...args);
  const decoder = new TextDecoder();
  socket.addEventListener("message", (event) => {
    if (typeof event.data !== "string") {
      window.__terminalText += decoder.decode(event.data, {stream: true});
    }
  });
  return socket;
};
window.WebSocket.prototype = NativeWebSocket.prototype;
"""
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


@contextmanager
def chromium() -> Iterator[Any]:
    """A Selenium driver for headless Chromium; skips where it is not installed."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _KEEP_TERMINAL_TEXT})
    try:
        yield driver
    finally:
        driver.quit()


def terminal_text(driver: Any) -> str:
    """Everything the page's terminal was sent so far, escape sequences removed."""
    raw = driver.execute_script("return window.__terminalText || ''")
    return _ESCAPES.sub("", str(raw))
