"""Canonical metric names: every logger spells KL and reconstruction loss differently.

``canonical_name`` maps a raw key from a log (``train/KLD``, ``loss_kl``, ``Train Loss``) to the
name the rest of vaetui uses. Keys that are not one of the canonical metrics keep a cleaned
name (lower case, non-alphanumerics as ``_``) so every numeric key can still be plotted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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
            "kld_loss",
            "kl_div_loss",
            "kl_term",
            "kld_term",
            "loss_kld",
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
            "reconstruct_loss",
            "recons_loss",
            "recons",
            "recon_error",
            "reconstruction_error",
            "rec_err",
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
    **dict.fromkeys(
        ("total_loss", "loss", "vae_loss", "total", "elbo_loss", "neg_elbo", "nelbo"), TOTAL
    ),
    **dict.fromkeys(
        ("kl_weight", "beta", "kl_beta", "kl_scale", "kl_coef", "klw", "kld_weight"), KL_WEIGHT
    ),
    **dict.fromkeys(("disc_loss", "discloss"), DISC_LOSS),
}

#: The other ways trainers abbreviate the two losses (``Reconst Loss``, ``kld_term``): a word
#: of the family, then at most a ``loss``/``error``/``term`` word. Tried after the aliases.
_LOSS_WORDS = r"(?:_(?:loss|losses|err|error|term|cost))?"
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"(?:rec|recon|recons|reconst|reconstr|reconstruct|reconstructed|"
            r"reconstruction|reconstructions)" + _LOSS_WORDS
        ),
        REC,
    ),
    (re.compile(r"(?:kl|kld|kl_div|kl_divergence|kullback_leibler)" + _LOSS_WORDS), KL),
)

#: Names kept as they are, but found behind a ``train/`` prefix too (``train/d_weight``).
_KEPT_NAMES: frozenset[str] = frozenset(ADVERSARIAL) | {LR, "learning_rate"}

#: Aliases that only apply when the record does not already carry the canonical key.
_WEAK_ALIASES: dict[str, str] = {
    "nll_loss": REC,
    "nll": REC,
    "bce": REC,
    "bce_loss": REC,
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
        "num_updates",
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

#: Anything but a letter or digit, in any script: ``Потеря`` and ``训练损失`` stay names.
_NON_WORD = re.compile(r"[\W_]+")
#: Words that say "the training series" and can be dropped to find an alias
#: (``Total Training Loss`` is the total loss, ``train_kl`` the KL).
_TRAIN_WORDS = frozenset({"train", "training"})
#: Words of the containers a logger nests its settings in (``hparams/kl_weight``,
#: ``config.beta``): the setting keeps its own name.
_SETTINGS_WORDS = frozenset(
    {"hparams", "hparam", "hyperparameters", "config", "cfg", "args", "params", "opt", "schedule"}
)


@lru_cache(maxsize=8192)
def clean_key(raw: str) -> str:
    """Lower-case a key and turn every run of non-alphanumerics into one ``_``.

    Letters and digits of every script are kept, so names in other languages stay apart;
    a key with no letter or digit at all becomes ``value``.
    """
    return _NON_WORD.sub("_", raw.strip().lower()).strip("_") or "value"


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
    candidates = _candidates(key)
    for candidate in candidates:
        if candidate in _WEAK_ALIASES:
            return _WEAK_ALIASES[candidate], True
        if candidate in _ALIASES:
            return _ALIASES[candidate], False
        if candidate in _KEPT_NAMES:
            return candidate, False
    for candidate in candidates:
        for spelling, name in _SPELLINGS:
            if spelling.fullmatch(candidate):
                return name, False
    return key, False


def _own_name(raw: str) -> str:
    """The name a key keeps when another key wins its metric (``train/nll_loss`` beside
    ``train/rec_loss`` stays ``nll_loss``)."""
    key = clean_key(raw)
    return next((c for c in _candidates(key) if c in _KEPT_NAMES), key)


def _candidates(key: str) -> list[str]:
    """The key, then the key without its "train" words (or its settings container), then
    without a ``loss_`` prefix."""
    out = [key]
    words = key.split("_")
    if words[0] in _SETTINGS_WORDS and len(words) > 1:
        out.append("_".join(words[1:]))
    if _TRAIN_WORDS.intersection(words) and len(words) > 1:
        rest = "_".join(w for w in words if w not in _TRAIN_WORDS)
        if rest:
            out.append(rest)
    for k in list(out):
        if k.startswith("loss_") and len(k) > 5:
            out.append(k[5:])
    return out


def rec_type_from_key(raw: str) -> str | None:
    """The rec-metric type a key name implies (``mse``, ``l1``, ``lpips``), if any."""
    key = clean_key(raw)
    for prefix in ("train_", "loss_"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
    return _REC_TYPE_BY_KEY.get(key)


@dataclass(frozen=True)
class NameMap:
    """How the raw keys of one record become metric names (see ``resolve_names``)."""

    #: ``(index of the raw key, metric name)`` for every raw key, in the record's order.
    columns: tuple[tuple[int, str], ...]
    #: ``canonical metric -> raw key`` that feeds it, for the canonical metrics present.
    sources: tuple[tuple[str, str], ...]
    #: The rec-metric type the rec key's name implies (``mse``, ``l1``...), if any.
    rec_type: str | None


def _rank(raw: str, name: str, weak: bool) -> int:
    """How strongly ``raw`` claims ``name``: 0 verbatim, 1 same once cleaned, 2 an alias,
    3 a weak alias (``nll_loss`` for the rec loss)."""
    if weak:
        return 3
    if raw == name:
        return 0
    return 1 if clean_key(raw) == name else 2


@lru_cache(maxsize=4096)
def resolve_names(names: tuple[str, ...]) -> NameMap:
    """Give every raw key of a record its own metric name; no key overwrites another.

    Keys that claim the same name are ranked: the canonical name written out beats the same
    name once cleaned (``KL Loss``), which beats an alias (``kl``), which beats a weak alias;
    ties go to the first key. Each loser is kept under its own cleaned name (with ``_2``,
    ``_3``... if that is taken too), so ``kl_loss=400 kl=0.031`` keeps both values and judges
    ``kl_loss``.
    """
    claims: dict[str, list[tuple[int, int]]] = {}
    for col, raw in enumerate(names):
        name, weak = canonical_name(raw)
        claims.setdefault(name, []).append((_rank(raw, name, weak), col))
    final: dict[int, str] = {}
    for name, ranked in claims.items():
        final[min(ranked)[1]] = name
    taken = set(final.values())
    for ranked in claims.values():
        winner = min(ranked)[1]
        for _rank_value, col in sorted(ranked):
            if col == winner:
                continue
            base = _own_name(names[col])
            alt, n = base, 2
            while alt in taken:
                alt, n = f"{base}_{n}", n + 1
            final[col] = alt
            taken.add(alt)
    columns = tuple(sorted(final.items()))
    sources = tuple((name, names[col]) for col, name in columns if name in CANONICAL)
    rec_col = next((col for col, name in columns if name == REC), None)
    rec_type = rec_type_from_key(names[rec_col]) if rec_col is not None else None
    return NameMap(columns, sources, rec_type)


def canonicalize(pairs: dict[str, float]) -> tuple[dict[str, float], str | None]:
    """Rename a record's raw keys to metric names (``resolve_names``'s rules).

    Returns the renamed values and the rec-metric type implied by the keys, if any.
    """
    raw = tuple(pairs)
    names = resolve_names(raw)
    values = list(pairs.values())
    return {name: values[col] for col, name in names.columns}, names.rec_type


def canonical_columns(names: tuple[str, ...]) -> tuple[list[tuple[int, str]], str | None]:
    """Column-wise ``canonicalize``: ``(column, metric name)`` pairs for a batch."""
    resolved = resolve_names(tuple(names))
    return list(resolved.columns), resolved.rec_type
