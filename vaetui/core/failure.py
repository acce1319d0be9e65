"""What a run shows once its reader has stopped for good: no verdict it can no longer back.

A reader that died (a bug, a resource the process ran out of) leaves the last snapshot on
screen; its badges would go on saying EXCELLENT over a log nobody reads any more. This is
the one place that turns such a run's picture into ``n/a`` verdicts that say why.
"""

from __future__ import annotations

import dataclasses

from vaetui.core.snapshot import NOT_APPLICABLE, Snapshot, Verdict

#: The follower state of a reader that stopped for good.
FAILED = "failed"


def reader_failed(snapshot: Snapshot, message: str) -> Snapshot:
    """``snapshot`` with every verdict and the overall verdict ``n/a``, saying ``message``.

    The data read so far (metrics, history, events) stays, so the user still sees it.
    """
    summary = f"not judged: {message}"
    advice = "restart vaetui; if it happens again, report it with the log line that caused it"
    criteria = tuple(
        Verdict(v.id, NOT_APPLICABLE, None, summary, advice, v.thresholds)
        for v in snapshot.criteria
    )
    return dataclasses.replace(snapshot, criteria=criteria, overall=NOT_APPLICABLE)
