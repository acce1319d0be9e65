"""Free-form text logs: ``key=value`` prints, ``logging`` lines, tqdm bars, mmengine, Keras.

One parser covers the text families because they share one shape: somewhere on the line a
step counter, and ``name: value`` / ``name=value`` pairs. The rules are general on purpose:

* the step comes from, in order, a tqdm bar's ``n/total``, an mmengine ``Epoch(train)
  [e][i/N]``, a labelled counter (``step``, ``iter``, ``Batch`` ...), a ``[n/N]`` counter, a
  leading ``n/N``, else the epoch; a per-epoch counter is combined with the epoch
  (``Epoch 3 ... Batch 10/1314`` is step ``2*1314 + 10`` for 1-based epochs);
* a line with pairs but no counter belongs to the current ``Epoch N`` block when one was
  announced; otherwise it is a record only if it carries a loss the criteria read;
* validation / test lines keep their metrics apart under a ``val_`` / ``test_`` prefix.
"""

from __future__ import annotations

import re

from vaetui.formats.base import NUMBER, Record, iter_segments, to_float
from vaetui.lines import TextBlock
from vaetui.metrics import CANONICAL, EPOCH_KEYS, STEP_KEYS, canonical_name

_KEY = r"(?<![\w./-])['\"]?((?:[A-Za-z][A-Za-z]* )?[Ll]oss\b|[A-Za-z_][\w./-]*)['\"]?"
# name=value or name: value; a value may carry a unit (20.2s, 91.7%, 15533M) but must not
# run into another number (eta: 0:14:11 is not a pair).
_PAIR = re.compile(
    _KEY + rf"\s*[=:]\s*(?:tensor\(\s*)?['\"]?({NUMBER})['\"]?(?:[A-Za-z%]{{1,3}})?(?![\w.:/])"
)
# "Ret_loss 8.237", "Loss 6.80", "train 3.16 test 2.38": space-separated, only for losses.
_SPACE_PAIR = re.compile(rf"(?<![\w./-])([A-Za-z_]*[Ll]oss|train|test|val)\s+({NUMBER})(?![\w.:/])")

_TQDM = re.compile(r"(\d{1,3})%\|[^|]*\|\s*(\d+)/(\d+|\?)\s*\[")
_MMENGINE = re.compile(
    r"\b(Epoch|Iter)\((train|val|test)\)\s*\[\s*(\d+)(?:\s*/\s*\d+)?\s*\]"
    r"(?:\s*\[\s*(\d+)\s*/\s*(\d+)\s*\])?"
)
_LABELLED = re.compile(
    r"\b(global[ _]step|step|iteration|iters?|it|batch|batch_idx)\b\s*[:=#]?\s*\[?\s*(\d+)"
    r"(?:\s*/\s*(\d+))?",
    re.IGNORECASE,
)
_EPOCH = re.compile(r"\b(?:epoch|ep)\b\s*[:=#]?\s*\[?\s*(\d+)(?:\s*/\s*(\d+))?", re.IGNORECASE)
_BRACKET = re.compile(r"\[\s*(\d+)\s*/\s*(\d+)\s*(?:\(\s*\d+%\))?\s*\]")
_LEADING = re.compile(r"^\s*(\d+)\s*/\s*(\d+)(?=\s)")
_EPOCH_HEADER = re.compile(r"^\W*epoch\s*[:#]?\s*\[?\s*(\d+)(?:\s*/\s*(\d+))?\s*\]?\W*$", re.I)
_SECTION = re.compile(r"^\W*(training|train|validation|valid|val|test|testing|eval)\W*$", re.I)
_EVAL_LINE = re.compile(r"^\W*(?:validation|valid|val|test|eval)\b|\b(?:Test|Val) Epoch\b", re.I)
_RANK = re.compile(r"^\s*\[(?:rank|RANK)\s*(\d+)\]\s*:?\s*")
_CONFIG_KEYS = {
    "latent_dim": "latent_dim",
    "latent": "latent_dim",
    "z_dim": "latent_dim",
    "z_channels": "latent_dim",
    "embed_dim": "latent_dim",
    "latent_size": "latent_dim",
    "latent_channels": "latent_dim",
}
_IGNORED_KEYS = {"v_num", "eta", "time", "data_time", "date"}

_PER_EPOCH_LABELS = {"iter", "iters", "it", "iteration", "batch", "batch_idx"}
#: Labels too common in config banners to be a step without an ``n/total`` form.
_NEEDS_TOTAL = {"batch", "batch_idx", "it"}


class TextParser:
    """Parser for free-form text lines (see the module docstring for the rules)."""

    name = "kv"

    def __init__(self, rank: int | None = None) -> None:
        self._rank = rank
        self.reset()

    def reset(self) -> None:
        self._epoch_base: int | None = None
        self._context_epoch: int | None = None
        self._context_total: int | None = None
        self._section_eval: str | None = None
        self._last_step: float | None = None
        self._last_from_counter = False

    def parse(self, block: TextBlock) -> list[Record]:
        out: list[Record] = []
        for line, seg in iter_segments(block):
            rec = self.parse_segment(seg, line)
            if rec is not None:
                out.append(rec)
        return out

    def parse_segment(self, seg: str, line: int) -> Record | None:
        """Parse one segment (text between line terminators)."""
        if "[rank" in seg or "[RANK" in seg:
            m = _RANK.match(seg)
            if m:
                if int(m.group(1)) != (self._rank or 0):
                    return None
                seg = seg[m.end() :]
        header = _EPOCH_HEADER.match(seg)
        if header:
            self._set_context_epoch(int(header.group(1)), header.group(2))
            self._section_eval = None
            return None
        section = _SECTION.match(seg)
        if section:
            word = section.group(1).lower()
            self._section_eval = None if word.startswith("train") else _eval_prefix(word)
            return None

        tqdm = _TQDM.search(seg)
        pair_text = seg[tqdm.end() :] if tqdm else seg
        pairs = self._pairs(pair_text)
        if tqdm is not None and tqdm.group(2) == "0":
            return None  # a bar at 0/N has done no step: its postfix is left over
        if not pairs:
            if tqdm is None:
                self._maybe_keras_epoch(seg)
            return None
        eval_prefix = self._section_eval or _line_eval_prefix(seg)
        step, epoch, from_counter = self._step(seg, tqdm)
        config = {_CONFIG_KEYS[k.lower()]: v for k, v in pairs.items() if k.lower() in _CONFIG_KEYS}
        values = {k: v for k, v in pairs.items() if not _is_counter_key(k)}
        if eval_prefix:
            values = {_prefixed(eval_prefix, k): v for k, v in values.items()}
        if not values:
            return None
        if step is None:
            if self._context_epoch is not None:
                step = self._last_step if self._last_from_counter else self._context_epoch
                epoch = self._context_epoch
            elif not _has_loss(values) or len(values) < 2:
                # A banner or config line: remember its settings, make no record.
                return Record(None, line, {}, None, {**pairs, **config})
        else:
            self._last_from_counter = from_counter
        if step is not None:
            self._last_step = step
        return Record(step, line, values, epoch, config)

    # -- pieces ------------------------------------------------------------------------------

    def _pairs(self, text: str) -> dict[str, float]:
        pairs: dict[str, float] = {}
        for key, value in _PAIR.findall(text):
            if key not in _IGNORED_KEYS:
                pairs[key] = to_float(value)
        if "oss " in text or "train " in text or "test " in text:
            for key, value in _SPACE_PAIR.findall(text):
                pairs.setdefault(key, to_float(value))
        return pairs

    def _step(self, seg: str, tqdm: re.Match[str] | None) -> tuple[float | None, int | None, bool]:
        """Find ``(step, epoch, from_counter)`` on a segment."""
        epoch_m = _EPOCH.search(seg)
        epoch = int(epoch_m.group(1)) if epoch_m else None
        epoch_total = epoch_m.group(2) if epoch_m else None
        if epoch is not None:
            self._note_epoch(epoch, epoch_total)
        elif self._context_epoch is not None:
            epoch = self._context_epoch
        if tqdm is not None:
            n, total = int(tqdm.group(2)), tqdm.group(3)
            head = seg[: tqdm.start()]
            head_epoch = _EPOCH.search(head)
            if head_epoch and total.isdigit():
                return self._combined(int(head_epoch.group(1)), n, int(total)), epoch, True
            return float(n), epoch, True
        mm = _MMENGINE.search(seg)
        if mm:
            if mm.group(1) == "Iter" or mm.group(4) is None:
                return float(mm.group(3)), epoch, True
            e, i, total = int(mm.group(3)), int(mm.group(4)), int(mm.group(5))
            self._epoch_base = 1 if self._epoch_base is None else self._epoch_base
            return float((e - self._epoch_base) * total + i), e, True
        masked = _mask(seg, epoch_m)
        lab = _LABELLED.search(masked)
        if lab:
            label = lab.group(1).lower()
            n, total = int(lab.group(2)), lab.group(3)
            if label in _NEEDS_TOTAL and not total:
                lab = None
        if lab:
            label = lab.group(1).lower()
            n, total = int(lab.group(2)), lab.group(3)
            if label in _PER_EPOCH_LABELS and total and epoch is not None:
                return self._combined(epoch, n, int(total)), epoch, True
            return float(n), epoch, True
        br = _BRACKET.search(masked) or _LEADING.search(masked)
        if br:
            n, total = int(br.group(1)), int(br.group(2))
            if epoch is not None:
                return self._combined(epoch, n, total), epoch, True
            return float(n), epoch, True
        if epoch_m is not None:
            return float(epoch), epoch, True
        return None, epoch, False

    def _combined(self, epoch: int, n: int, total: int) -> float:
        base = self._epoch_base if self._epoch_base is not None else (0 if epoch == 0 else 1)
        if self._epoch_base is None:
            self._epoch_base = base
        return float(max(epoch - base, 0) * total + n)

    def _note_epoch(self, epoch: int, total: str | None) -> None:
        if self._epoch_base is None:
            self._epoch_base = 0 if epoch == 0 else 1

    def _set_context_epoch(self, epoch: int, total: str | None) -> None:
        self._note_epoch(epoch, total)
        self._context_epoch = epoch
        self._context_total = int(total) if total else None
        self._last_from_counter = False

    def _maybe_keras_epoch(self, seg: str) -> None:
        m = _EPOCH.match(seg.strip())
        if m and m.end() >= len(seg.strip()) - 1:
            self._set_context_epoch(int(m.group(1)), m.group(2))


def _mask(seg: str, m: re.Match[str] | None) -> str:
    """Blank out the epoch match so its ``[e/E]`` is not read as the step counter."""
    if m is None:
        return seg
    return seg[: m.start()] + " " * (m.end() - m.start()) + seg[m.end() :]


def _is_counter_key(key: str) -> bool:
    low = key.lower().replace(" ", "_")
    return low in STEP_KEYS or low in EPOCH_KEYS or low in _CONFIG_KEYS


def _has_loss(values: dict[str, float]) -> bool:
    for key in values:
        name, _weak = canonical_name(key)
        if name in CANONICAL[:4]:
            return True
    return False


def _eval_prefix(word: str) -> str:
    word = word.lower()
    return "test" if word.startswith("test") else "eval" if word == "eval" else "val"


def _line_eval_prefix(seg: str) -> str | None:
    if "(val)" in seg or "(test)" in seg:
        return "test" if "(test)" in seg else "val"
    m = _EVAL_LINE.search(seg)
    if m is None:
        return None
    return _eval_prefix(m.group(0).strip(" -:|[").split()[0])


def _prefixed(prefix: str, key: str) -> str:
    low = key.lower()
    if low.startswith(("val", "test", "eval")):
        return key
    return f"{prefix}_{key}"
