"""``vaetui serve`` in a real browser: headless Chromium shows the live app and its badges."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.browser import chromium, terminal_text
from tests.support.collapse import collapse_parts
from tests.support.paths import REPO
from tests.support.receiver import free_port, wait_for
from tests.support.services import background, wait_http

VAETUI = [sys.executable, "-m", "vaetui"]
#: Set VAETUI_UPDATE_SCREENSHOTS=1 to keep the browser's picture in screenshots/.
KEPT = REPO / "screenshots" / "serve-browser.png"


@pytest.mark.slow
def test_the_browser_shows_the_live_app_and_its_badges(tmp_path: Path) -> None:
    head, rest = collapse_parts(tmp_path)
    log = tmp_path / "train.log"
    log.write_bytes(head)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with (
        background(
            [*VAETUI, "serve", str(log), "--listen", f"127.0.0.1:{port}"], tmp_path / "out"
        ) as proc,
        chromium() as browser,
    ):
        wait_http(url, proc, tmp_path / "out")
        browser.get(url)
        wait_for(lambda: "KL zone" in terminal_text(browser), 60, "the badges in the page")
        with log.open("ab") as f:
            f.write(rest)  # the log collapses while the page is open
        wait_for(lambda: "BAD" in terminal_text(browser), 60, "a BAD badge, live")
        wait_for(lambda: "step 3,000" in terminal_text(browser), 60, "the newest step")
        shot = tmp_path / "serve.png"
        assert browser.save_screenshot(str(shot))
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= 1000 and height >= 500
    assert len(png) > 20_000  # a drawn dashboard, not an empty page
    if os.environ.get("VAETUI_UPDATE_SCREENSHOTS"):
        shutil.copyfile(shot, KEPT)


def test_serve_on_a_port_in_use_says_so_in_one_sentence(tmp_path: Path) -> None:
    import socket

    log = tmp_path / "train.log"
    log.write_text("step 1 loss=1 kl_loss=300 rec_loss=0.01\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in ("serve", "export"):
            out = subprocess.run(
                [*VAETUI, command, str(log), "--listen", f"127.0.0.1:{port}"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert out.returncode == 64, out.stderr
            assert (
                out.stderr == f"vaetui: cannot listen on 127.0.0.1:{port}: "
                "the port is already in use\n"
            )


@pytest.mark.parametrize("listen", ["8000", "localhost:", "127.0.0.1:70000", "host:port"])
def test_a_malformed_listen_address_is_a_usage_error(tmp_path: Path, listen: str) -> None:
    log = tmp_path / "train.log"
    log.write_text("step 1 loss=1\n")
    out = subprocess.run(
        [*VAETUI, "export", str(log), "--listen", listen],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 64
    assert out.stderr.count("\n") == 1 and "HOST:PORT" in out.stderr
