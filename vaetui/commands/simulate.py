"""``vaetui simulate``: write a realistic VAE training log (and, optionally, sample images)."""

from __future__ import annotations

import sys

from vaetui.errors import EXIT_OK, InputError


def simulate(
    out: str,
    scenario: str,
    steps: int,
    fmt: str,
    rate: float | None,
    seed: int,
    images: bool,
) -> int:
    """Write the log to ``out`` (live at ``rate`` lines/s when given); exit code 0.

    Raises:
        InputError: ``out`` cannot be written.
    """
    from vaetui.simulate import write_log

    try:
        n = write_log(
            out, scenario=scenario, steps=steps, fmt=fmt, rate=rate, seed=seed, images=images
        )
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {n} lines to {out}", file=sys.stderr)
    return EXIT_OK
