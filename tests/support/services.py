"""Background processes for end-to-end tests: started, waited for, always stopped."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.receiver import wait_for


@contextmanager
def background(argv: Sequence[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``argv`` running with its output in ``log``; terminated (then killed) at the end."""
    with log.open("wb") as out:
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def http_get(url: str, timeout: float = 2.0) -> bytes | None:
    """The body at ``url``, or None when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, OSError):
        return None


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    """Wait until ``url`` answers; fail with the process's output if it died first."""

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args!r} exited early:\n{log.read_text()[-2000:]}")
        return http_get(url) is not None

    wait_for(up, timeout, what=url)


def prom_query(base: str, expr: str) -> list[dict[str, Any]]:
    """The instant vector Prometheus returns for ``expr`` (empty when it has none)."""
    body = http_get(f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    if body is None:
        return []
    doc = json.loads(body)
    assert doc["status"] == "success", doc
    return list(doc["data"]["result"])
