"""Errors a user can cause, and the exit codes they end in (SPEC: 64, 65, 66)."""

from __future__ import annotations

EXIT_OK, EXIT_WATCH, EXIT_BAD = 0, 1, 2
EXIT_USAGE, EXIT_NO_METRICS, EXIT_UNREADABLE = 64, 65, 66
#: A bug in vaetui itself (sysexits' EX_SOFTWARE): reported in one sentence, not a traceback.
EXIT_SOFTWARE = 70


class UsageError(Exception):
    """A command line that cannot be carried out (exit 64)."""


class InputError(Exception):
    """Input that cannot be read (exit 66) or holds no metrics (exit 65)."""

    def __init__(self, message: str, code: int = EXIT_UNREADABLE) -> None:
        super().__init__(message)
        self.code = code
