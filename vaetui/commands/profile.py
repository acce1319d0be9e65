"""``vaetui profile show`` and ``vaetui profile learn``: the thresholds in force, as TOML.

``show`` prints a profile (a built-in or a file) with a comment above each band that says
where it came from; ``learn`` reads a healthy reference run through the same core as
``check`` and prints a profile whose bands sit around that run's settled levels
(:mod:`vaetui.core.learn`), ready for ``--profile``.
"""

from __future__ import annotations

import os
import sys

from vaetui.core.learn import LearnError, learn_profile
from vaetui.core.options import RunOptions
from vaetui.core.profile import ProfileError, load_profile, profile_to_toml
from vaetui.core.run import Run
from vaetui.errors import EXIT_NO_METRICS, EXIT_OK, InputError, UsageError


def show(spec: str | None) -> int:
    """Print the profile ``spec`` names (None: the default) as TOML."""
    try:
        sys.stdout.write(profile_to_toml(load_profile(spec)))
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


def learn(path: str, options: RunOptions, name: str | None = None) -> int:
    """Print a profile learned from the reference run at ``path``; warn about its doubts."""
    from vaetui.commands.check import _read_whole

    run = Run(path, options)
    _read_whole(path, run)
    snap = run.snapshot()
    source = os.path.basename(path.rstrip("/")) or path
    stem = source.split(".")[0] or "learned"
    try:
        profile = learn_profile(snap, source, name or stem, options.profile)
    except LearnError as exc:
        raise InputError(str(exc), EXIT_NO_METRICS) from None
    doubts = [v for v in snap.criteria if v.level == "bad" and v.id not in _RELEARNED]
    for v in doubts:
        print(f"vaetui: warning: {source} is not healthy: {v.title}: {v.summary}", file=sys.stderr)
    last = "-" if snap.last_step is None else f"{snap.last_step:g}"
    sys.stdout.write(
        f"# Learned from {source}: {snap.records} records up to step {last}, "
        f"rec metric {snap.rec_metric}.\n"
        "# Edit the margins freely; each learned band says how it was derived.\n"
        + profile_to_toml(profile)
    )
    return EXIT_OK


#: Criteria whose bands ``learn`` sets from the reference (their default verdict is no doubt).
_RELEARNED = frozenset({"kl_zone", "kl_share", "rec_range", "perception", "adversarial"})
