"""What a sample image's file name says: its training step and its role.

Trainers name their previews in a handful of ways: latent-diffusion's ``ImageLogger`` writes
``reconstructions_gs-006000_e-000003_b-000120.png``; others ``samples/step_6000.png``,
``recon_006000.png`` or ``sample_6000.png``; W&B ``media/images/reconstructions_6000_<hash>.png``.
The role comes from a word in the name (or, failing that, in the folder's name).
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath

from vaetui.core.images.folders import IMAGE_SUFFIXES, OTHER_MEDIA_SUFFIXES
from vaetui.core.images.model import INPUTS, RECONSTRUCTIONS, SAMPLES

__all__ = ["IMAGE_SUFFIXES", "OTHER_MEDIA_SUFFIXES"]  # also read from here

_ROLE_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "inputs", "input", "orig", "origs", "original", "originals", "gt", "groundtruth",
            "real", "reals", "target", "targets", "source",
        ),
        INPUTS,
    ),
    **dict.fromkeys(
        (
            "reconstructions", "reconstruction", "reconstructed", "recon", "recons", "rec",
            "recs", "xrec", "reconst", "output", "outputs", "pred", "preds", "decoded",
        ),
        RECONSTRUCTIONS,
    ),
    **dict.fromkeys(
        ("samples", "sample", "generated", "generation", "gen", "fake", "fakes", "random"),
        SAMPLES,
    ),
}  # fmt: skip

_TOKEN = re.compile(r"[a-z]+")
#: latent-diffusion's global step: ``gs-006000``.
_GS = re.compile(r"(?:^|[_\-.])gs[-_]?(\d+)", re.IGNORECASE)
#: ``step_6000``, ``global_step-6000``, ``iter6000``, ``it_6000``.
_NAMED = re.compile(
    r"(?:^|[_\-.])(?:global[_\-]?step|steps?|iters?|iterations?|it)[-_=]?(\d+)(?![a-z])",
    re.IGNORECASE,
)
#: W&B media: ``<key>_<step>_<hash>`` (the hash is hex, at least 8 characters).
_WANDB = re.compile(r"_(\d+)_[0-9a-f]{8,}$", re.IGNORECASE)
#: An epoch counter at the end is not a step: ``epoch_3``, ``ep-12``, ``e3``.
_EPOCH_END = re.compile(r"(?:^|[_\-.])(?:epoch|ep|e)[-_]?\d+$", re.IGNORECASE)
#: A plain number at the end: ``recon_006000``, ``_6000``, ``000600``.
_TRAILING = re.compile(r"(?:^|[_\-.])(\d+)$|^(\d+)$")


def step_from_name(name: str) -> float | None:
    """The training step a file name states, or None.

    Args:
        name: A file name (or path); only the last component's stem is read.
    """
    stem = os.path.splitext(os.path.basename(name))[0]
    for pattern in (_GS, _NAMED, _WANDB):
        m = pattern.search(stem)
        if m:
            return float(int(m.group(1)))
    if _EPOCH_END.search(stem):
        return None
    m = _TRAILING.search(stem)
    if m:
        return float(int(m.group(1) or m.group(2)))
    return None


def role_from_words(text: str) -> str | None:
    """The role the first role word in ``text`` names (``recon_006000`` -> reconstructions)."""
    for word in _TOKEN.findall(text.lower()):
        role = _ROLE_WORDS.get(word)
        if role is not None:
            return role
    return None


def role_of(path: str, folder_default: str | None = None) -> str | None:
    """The role of the image at ``path``: from its name, else its folder's name.

    Returns ``folder_default`` when neither names one (None: the file is not a sample image).
    """
    p = PurePath(path)
    return role_from_words(p.stem) or role_from_words(p.parent.name) or folder_default


def group_of(relative_dir: str) -> str:
    """The folder that groups a pair: a folder named for a role belongs to its parent
    (``samples/inputs`` and ``samples/reconstructions`` are one group, ``samples``)."""
    p = PurePath(relative_dir)
    if p.name and role_from_words(p.name) is not None and p.parent != p:
        parent = str(p.parent)
        return "" if parent == "." else parent
    return "" if relative_dir == "." else relative_dir
