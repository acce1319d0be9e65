"""A large history written fast: for tests of what happens while a big log is being read."""

from __future__ import annotations

from pathlib import Path

_LINE = (
    "step {step} epoch {epoch} loss={loss:.5f} rec_loss={rec:.6f} kl_loss={kl:.2f} "
    "kl_weight=0.0001 perception_loss=0.031 lr=0.0001 grad_norm=1.25\n"
)


def write_big_log(path: Path, megabytes: int) -> Path:
    """A healthy-looking ``key=value`` log of about ``megabytes`` MB, written in blocks."""
    target = megabytes << 20
    step, written = 0, 0
    with path.open("w") as fh:
        while written < target:
            block = "".join(
                _LINE.format(
                    step=s,
                    epoch=s // 10000,
                    loss=0.1 + 50 / (s + 500),
                    rec=0.005 + 1 / (s + 100),
                    kl=500 + (s % 97),
                )
                for s in range(step, step + 20000)
            )
            fh.write(block)
            written += len(block)
            step += 20000
    return path
