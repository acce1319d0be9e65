"""``--listen HOST:PORT`` for ``export`` and ``serve``: parsed once, checked before use."""

from __future__ import annotations

import errno
import socket

from vaetui.errors import UsageError


def parse_listen(text: str, option: str = "--listen") -> tuple[str, int]:
    """``127.0.0.1:9109``, ``[::1]:9109``, ``localhost:9109`` or ``:9109`` (loopback).

    Raises:
        UsageError: not HOST:PORT, or a port outside 1-65535.
    """
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(f"{option} {text!r} is not HOST:PORT with a port from 1 to 65535")
    host = host.strip("[]") or "127.0.0.1"
    return host, int(port_text)


def check_free(host: str, port: int, option: str = "--listen") -> None:
    """Fail in one sentence when ``host:port`` cannot be listened on (in use, no such host)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise UsageError(f"{option} {host}:{port}: unknown host ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(listen_failure(host, port, exc)) from None


def listen_failure(host: str, port: int, exc: OSError) -> str:
    """The sentence for a failed bind."""
    if exc.errno == errno.EADDRINUSE:
        why = "the port is already in use"
    elif exc.errno == errno.EACCES:
        why = "permission denied (ports below 1024 need root)"
    else:
        why = exc.strerror or str(exc)
    return f"cannot listen on {host}:{port}: {why}"
