"""Canonical metric names: every logger spells KL and reconstruction loss differently.

``canonical_name`` maps a raw key from a log (``train/KLD``, ``loss_kl``, ``Train Loss``) to the
name the rest of vaetui uses. Keys that are not one of the canonical metrics keep a cleaned
name (lower case, non-alphanumerics as ``_``) so every numeric key can still be plotted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

KL = "kl_loss"
REC = "rec_loss"
PERCEPTION = "perception_loss"
TOTAL = "total_loss"
KL_WEIGHT = "kl_weight"

#: The metrics the criteria read, in display order.
CANONICAL: tuple[str, ...] = (TOTAL, REC, KL, PERCEPTION, KL_WEIGHT)

#: The adversarial half of a VAE-GAN, in latent-diffusion's key names (generator step:
#: g_loss, d_weight, disc_factor, logvar, nll_loss; discriminator step: disc_loss, logits).
G_LOSS = "g_loss"
DISC_LOSS = "disc_loss"
D_WEIGHT = "d_weight"
DISC_FACTOR = "disc_factor"
LOGITS_REAL = "logits_real"
LOGITS_FAKE = "logits_fake"
LOGVAR = "logvar"
NLL = "nll_loss"
LR = "lr"
ADVERSARIAL: tuple[str, ...] = (
    G_LOSS,
    DISC_LOSS,
    D_WEIGHT,
    DISC_FACTOR,
    LOGITS_REAL,
    LOGITS_FAKE,
    LOGVAR,
    NLL,
)


def metric_order(names: Iterable[str]) -> list[str]:
    """The display order of metrics everywhere (JSON, panes, plot, palette): the canonical
    metrics in their fixed order, then every other name alphabetically."""
    present = set(names)
    return [n for n in CANONICAL if n in present] + sorted(present.difference(CANONICAL))


_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        (
            "kl_loss",
            "kl",
            "kld",
            "kl_div",
            "kl_divergence",
            "loss_kl",
            "kl_loss_raw",
            "latent_loss",
        ),
        KL,
    ),
    **dict.fromkeys(
        (
            "rec_loss",
            "recon_loss",
            "reconstruction_loss",
            "rec",
            "recon",
            "mse",
            "mse_loss",
            "l1_loss",
            "l2_loss",
            "reconstruction",
            "rec_mse",
            "recon_mse",
        ),
        REC,
    ),
    **dict.fromkeys(
        (
            "perception_loss",
            "p_loss",
            "perceptual_loss",
            "lpips",
            "lpips_loss",
            "percep_loss",
            "perc",
            "perc_loss",
            "perceptual",
        ),
        PERCEPTION,
    ),
    **dict.fromkeys(("total_loss", "loss", "vae_loss", "total", "elbo_loss"), TOTAL),
    **dict.fromkeys(("kl_weight", "beta", "kl_beta", "kl_scale", "kl_coef", "klw"), KL_WEIGHT),
    **dict.fromkeys(("disc_loss", "discloss"), DISC_LOSS),
}

#: Names kept as they are, but found behind a ``train/`` prefix too (``train/d_weight``).
_KEPT_NAMES: frozenset[str] = frozenset(ADVERSARIAL) | {LR, "learning_rate"}

#: Aliases that only apply when the record does not already carry the canonical key.
_WEAK_ALIASES: dict[str, str] = {
    "nll_loss": REC,
    "nll": REC,
    "train_loss": TOTAL,
    "batch_loss": TOTAL,
}

#: Keys that name the step counter or the epoch, never a metric.
STEP_KEYS: frozenset[str] = frozenset(
    {
        "step",
        "steps",
        "iter",
        "iters",
        "iteration",
        "iterations",
        "it",
        "global_step",
        "trainer_global_step",
        "batch",
        "batch_idx",
    }
)
EPOCH_KEYS: frozenset[str] = frozenset({"epoch", "epochs", "ep"})

#: Prefixes that mark evaluation metrics: kept apart from the training series.
_EVAL_PREFIXES = ("val", "valid", "validation", "test", "eval", "dev")

#: Rec-metric types named by the key a log used.
_REC_TYPE_BY_KEY = {
    "mse": "mse",
    "mse_loss": "mse",
    "l2_loss": "mse",
    "rec_mse": "mse",
    "recon_mse": "mse",
    "l1_loss": "l1",
    "lpips": "lpips",
    "lpips_loss": "lpips",
}

_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=8192)
def clean_key(raw: str) -> str:
    """Lower-case a key and turn every run of non-alphanumerics into one ``_``."""
    return _NON_WORD.sub("_", raw.strip().lower()).strip("_")


def is_eval_key(cleaned: str) -> bool:
    """True for validation/test metrics (``val_loss``, ``test/kl``, ``eval_rec``)."""
    head = cleaned.split("_", 1)[0]
    return head in _EVAL_PREFIXES


@lru_cache(maxsize=8192)
def canonical_name(raw: str) -> tuple[str, bool]:
    """Map a raw key to ``(name, weak)``.

    ``weak`` is True when the mapping only holds if the record has no stronger key for the
    same canonical metric (``nll_loss`` is the rec loss only when no ``rec_loss`` is logged).
    """
    key = clean_key(raw)
    if key.endswith("_step") and len(key) > 5:
        key = key[:-5]  # Lightning's per-step twin of a metric
    if is_eval_key(key):
        return key, False
    if key in _WEAK_ALIASES:
        return _WEAK_ALIASES[key], True
    for prefix in ("train_", "training_"):
        if key.startswith(prefix) and len(key) > len(prefix):
            rest = key[len(prefix) :]
            if rest in _ALIASES or rest in _WEAK_ALIASES or rest in _KEPT_NAMES:
                key = rest
                break
    if key in _ALIASES:
        return _ALIASES[key], False
    if key.startswith("loss_") and key[5:] in _ALIASES:
        return _ALIASES[key[5:]], False
    return key, False


def rec_type_from_key(raw: str) -> str | None:
    """The rec-metric type a key name implies (``mse``, ``l1``, ``lpips``), if any."""
    key = clean_key(raw)
    for prefix in ("train_", "loss_"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return _REC_TYPE_BY_KEY.get(key)


def canonicalize(pairs: dict[str, float]) -> tuple[dict[str, float], str | None]:
    """Rename a record's raw keys to canonical names.

    Returns the renamed values and the rec-metric type implied by the keys, if any.
    A strong alias wins over a weak one; a later duplicate overwrites an earlier one.
    """
    out: dict[str, float] = {}
    weak: dict[str, tuple[str, float]] = {}
    rec_type: str | None = None
    for raw, value in pairs.items():
        name, is_weak = canonical_name(raw)
        if name == REC and rec_type is None:
            rec_type = rec_type_from_key(raw)
        if is_weak:
            weak[name] = (raw, value)
        else:
            out[name] = value
    for name, (raw, value) in weak.items():
        if name in out:
            out[clean_key(raw)] = value  # the stronger key won; keep this one by its own name
        else:
            out[name] = value
    return out, rec_type


def canonical_columns(names: tuple[str, ...]) -> tuple[list[tuple[int, str]], str | None]:
    """Column-wise ``canonicalize``: ``(column, canonical name)`` pairs for a batch.

    The same rules as for one record: a strong alias wins over a weak one, a later
    duplicate over an earlier one.
    """
    strong: dict[str, int] = {}
    weak: dict[str, int] = {}
    rec_type: str | None = None
    for col, raw in enumerate(names):
        name, is_weak = canonical_name(raw)
        if name == REC and rec_type is None:
            rec_type = rec_type_from_key(raw)
        (weak if is_weak else strong)[name] = col
    for name, col in weak.items():
        if name in strong:
            strong[clean_key(names[col])] = col
        else:
            strong[name] = col
    return [(col, name) for name, col in strong.items()], rec_type
