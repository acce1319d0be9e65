"""``vaetui serve``: the same TUI in a browser, through textual-serve.

textual-serve starts ``vaetui tail PATH...`` (with the options given to ``serve``) for every
browser tab that connects, and relays its terminal over a websocket. It listens on localhost
by default; from a laptop, ``ssh -L 8000:localhost:8000 gpu-box`` brings the page home.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence

from vaetui.commands.listen import check_free, listen_failure, parse_listen
from vaetui.errors import EXIT_OK, UsageError

#: Options of ``serve`` that ``tail`` does not take (each followed by a value).
_SERVE_ONLY = ("--listen", "--public-url")


def tail_command(argv: Sequence[str]) -> str:
    """The shell command textual-serve runs: ``serve``'s own argv, as ``vaetui tail``."""
    args = list(argv)
    position = next(i for i, a in enumerate(args) if a == "serve")
    rest = args[position + 1 :]
    kept: list[str] = []
    skip = False
    for arg in rest:
        if skip:
            skip = False
        elif arg in _SERVE_ONLY:
            skip = True
        elif not arg.startswith(tuple(f"{o}=" for o in _SERVE_ONLY)):
            kept.append(arg)
    return shlex.join([sys.executable, "-m", "vaetui", *args[:position], "tail", *kept])


def serve(
    paths: Sequence[str], listen: str, argv: Sequence[str], public_url: str | None = None
) -> int:
    """Serve the TUI on ``listen`` until SIGINT/SIGTERM; return the exit code.

    Args:
        paths: The logs (checked by the CLI); each browser tab follows all of them.
        listen: ``HOST:PORT``; 127.0.0.1:8000 by default.
        argv: The command line of ``serve``, turned into the ``tail`` command it serves.
        public_url: The address the browser uses, when a tunnel or proxy changes it.
    """
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UsageError("vaetui serve needs textual-serve (pip install textual-serve)") from None
    host, port = parse_listen(listen)
    check_free(host, port)
    server = Server(tail_command(argv), host=host, port=port, title="vaetui", public_url=public_url)
    try:
        server.serve()
    except OSError as exc:
        raise UsageError(listen_failure(host, port, exc)) from None
    return EXIT_OK
