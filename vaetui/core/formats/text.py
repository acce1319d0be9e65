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

from vaetui.core.formats import fastkv
from vaetui.core.formats.base import NUMBER, Record, iter_segments, to_float
from vaetui.core.formats.fastkv import Batch, FastPath, Shape, token_index, token_text
from vaetui.core.formats.fasttqdm import split_refreshes
from vaetui.core.lines import TextBlock
from vaetui.core.metrics import CANONICAL, EPOCH_KEYS, STEP_KEYS, canonical_name

_KEY = r"(?<![\w./:-])['\"]?((?:[A-Za-z][A-Za-z]* )?[Ll]oss\b|[A-Za-z_][\w./-]*)['\"]?"
# name=value or name: value; a value may carry a unit (20.2s, 91.7%, 15533M) but must not
# run into another number (eta: 0:14:11 is not a pair).
# A value may also run straight into a capitalised message ("loss: nanBatch 5: Invalid loss",
# as Keras' TerminateOnNaN prints it glued to the bar).
_PAIR = re.compile(
    _KEY + rf"\s*[=:]\s*(?:tensor\(\s*)?['\"]?({NUMBER})['\"]?"
    r"(?:(?:[A-Za-z%]{1,3})?(?![\w.:/])|(?=[A-Z][a-z]))"
)
# "Ret_loss 8.237", "Loss 6.80", "train 3.16 test 2.38": space-separated, only for losses.
_SPACE_PAIR = re.compile(rf"(?<![\w./-])([A-Za-z_]*[Ll]oss|train|test|val)\s+({NUMBER})(?![\w.:/])")

#: Characters a line's shape does not see (see ``fastkv``): keys holding them are counted.
_SHAPE_BLIND = re.compile(r"[0-9.+-]")
_TENSOR = re.compile(rf"tensor\(\s*({NUMBER})[^)]*\)")
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
        self._fast = FastPath(self.learn_shape)
        self._fast_bars = FastPath(self.learn_bar_shape)
        self.reset()

    def reset(self) -> None:
        self._epoch_base: int | None = None
        self._context_epoch: int | None = None
        self._section_eval: str | None = None
        self._last_step: float | None = None
        # Counter mode: does n count within an epoch (resets when the epoch moves on)?
        self._per_epoch = False
        self._last_counter: tuple[int, int] | None = None  # (epoch, n)
        self._summary_step: float | None = None

    def parse(self, block: TextBlock) -> list[Record | Batch]:
        pieces = self._fast.split(block)
        bars = pieces is None and self._bars_batchable(block)
        if bars:
            pieces = split_refreshes(self._fast_bars, block)
        if pieces is None:
            return self._parse_slowly(block)
        out: list[Record | Batch] = []
        for piece in pieces:
            if isinstance(piece, Batch):
                out.append(piece)
                self._after_batch(piece, bars)
            elif bars:
                for part in _unglue(piece[1]):
                    rec = self.parse_segment(part, piece[0])
                    if rec is not None:
                        out.append(rec)
            else:
                rec = self.parse_segment(piece[1], piece[0])
                if rec is not None:
                    out.append(rec)
        return out

    def _parse_slowly(self, block: TextBlock) -> list[Record | Batch]:
        out: list[Record | Batch] = []
        for line, seg in iter_segments(block):
            for part in _unglue(seg):
                rec = self.parse_segment(part, line)
                if rec is not None:
                    out.append(rec)
        return out

    def _bars_batchable(self, block: TextBlock) -> bool:
        """tqdm refreshes may be batched: bars present, no epoch or section context in force
        (those change how a bar's ``n/total`` becomes a step)."""
        if self._context_epoch is not None or self._section_eval is not None:
            return False
        if self._summary_step is not None or self._per_epoch:
            return False
        text = block.text
        return len(text) >= fastkv.MIN_BLOCK_BYTES and "%|" in text and "\r" in text

    def learn_bar_shape(self, line: str) -> Shape | None:
        """Columns of a tqdm refresh (glyphs cut out) whose step is its ``n``, or None.

        Only bars without an epoch, past ``0/N``, with nothing after their ``]``; checked
        against the per-line parser on the same text.
        """
        bar = _TQDM.search(line)
        if bar is None or bar.group(2) == "0" or "[rank" in line or _line_eval_prefix(line):
            return None
        if _EPOCH.search(line) or _MMENGINE.search(line) or not line.endswith("]"):
            return None
        rec = TextParser(rank=self._rank).parse_segment(line, 1)
        if rec is None or rec.step != float(bar.group(2)) or rec.continues or not rec.values:
            return None
        step_col = token_index(line, bar.start(2))
        columns: dict[str, int] = {}
        exact: dict[bytes, int] = {}
        start = bar.end()
        for m in _PAIR.finditer(_postfix(line, bar)):
            key = m.group(1)
            if key in _IGNORED_KEYS or _is_counter_key(key):
                continue
            col = token_index(line, start + m.start(2))
            if col is None or token_text(line, col) != m.group(2):
                return None
            columns[key] = col
            if _SHAPE_BLIND.search(key):
                text = line[max(start + m.start() - 1, 0) : start + m.start(2)]
                exact[text.encode("utf-8")] = line.count(text)
        got = {k: float(token_text(line, c)) for k, c in columns.items()}
        if step_col is None or got.keys() != rec.values.keys():
            return None
        if any(not _same(got[k], v) for k, v in rec.values.items()):
            return None
        return Shape(step_col, None, tuple(columns.values()), tuple(columns), tuple(exact.items()))

    def _after_batch(self, batch: Batch, bars: bool = False) -> None:
        """Bring the per-line state up to date after a batch of same-shape lines."""
        self._last_step = float(batch.steps[-1])
        if bars:
            self._last_counter = None  # a bar's n/total without an epoch
        self._section_eval = None
        self._summary_step = None
        if batch.epochs is not None:
            self._note_epoch(int(batch.epochs[0]))

    def learn_shape(self, line: str) -> Shape | None:
        """Columns of a line whose step is a plain labelled counter, or None.

        The result is checked against the per-line parser on the same line, so a batch
        parsed with it gives the records the per-line parser would.
        """
        if "[rank" in line or _TQDM.search(line) or _line_eval_prefix(line):
            return None
        rec = TextParser(rank=self._rank).parse_segment(line, 1)
        if rec is None or rec.step is None or rec.continues or not rec.values:
            return None
        epoch_m = _EPOCH.search(line)
        lab = _LABELLED.search(_mask(line, epoch_m))
        if lab is None or float(lab.group(2)) != rec.step or _MMENGINE.search(line):
            return None
        if lab.group(1).lower() in _PER_EPOCH_LABELS and lab.group(3):
            return None
        step_col = token_index(line, lab.start(2))
        epoch_col = token_index(line, epoch_m.start(1)) if epoch_m else None
        columns: dict[str, int] = {}
        exact: dict[bytes, int] = {}
        key_tokens: list[tuple[int, bytes]] = []
        for m in _PAIR.finditer(line):
            key = m.group(1)
            if key in _IGNORED_KEYS or _is_counter_key(key):
                continue
            col = token_index(line, m.start(2))
            if col is None or token_text(line, col) != m.group(2):
                return None
            columns[key] = col
            if _SHAPE_BLIND.search(key):
                key_col = token_index(line, m.start(1))
                if key_col is not None and token_text(line, key_col) == key:
                    key_tokens.append((key_col, key.encode("utf-8")))
                    continue
                text = line[max(m.start() - 1, 0) : m.start(2)]
                exact[text.encode("utf-8")] = line.count(text)
        got = {k: float(token_text(line, c)) for k, c in columns.items()}
        if step_col is None or got.keys() != rec.values.keys():
            return None
        if any(not _same(got[k], v) for k, v in rec.values.items()):
            return None
        return Shape(
            step_col,
            epoch_col,
            tuple(columns.values()),
            tuple(columns),
            tuple(exact.items()),
            key_tokens=tuple(key_tokens),
        )

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
            self._set_context_epoch(int(header.group(1)))
            return None
        section = _SECTION.match(seg)
        if section:
            word = section.group(1).lower()
            self._section_eval = None if word.startswith("train") else _eval_prefix(word)
            return None

        if "tensor(" in seg:
            seg = _TENSOR.sub(r"\1", seg)  # tensor(0.01, device='cuda:0') -> 0.01
        tqdm = _TQDM.search(seg)
        pairs = self._pairs(_postfix(seg, tqdm) if tqdm else seg)
        if not pairs:
            if tqdm is None:
                self._maybe_keras_epoch(seg)
            return None
        values = {k: v for k, v in pairs.items() if not _is_counter_key(k)}
        if not values:
            return None
        continues = False
        if tqdm is not None and tqdm.group(2) == "0":
            # A bar at 0/N has done no step yet: its postfix belongs to the newest record.
            step, epoch, continues = self._last_step, self._context_epoch, True
        else:
            step, epoch = self._step(seg, tqdm)
            continues = step is not None and step == self._summary_step
        if step is not None:
            self._section_eval = None  # a line with its own counter ends a section
        eval_prefix = self._section_eval or _line_eval_prefix(seg)
        if eval_prefix:
            values = {_prefixed(eval_prefix, k): v for k, v in values.items()}
        if step is None:
            if self._context_epoch is not None and _block_line(seg, values):
                step = max(float(self._context_epoch), self._last_step or 0.0)
                epoch = self._context_epoch
                continues = True
            elif not _has_loss(values) or len(values) < 2:
                # A banner or config line: remember its settings, make no record.
                config = {_CONFIG_KEYS.get(k.lower(), k): v for k, v in pairs.items()}
                return Record(None, line, {}, None, config)
        if step is not None:
            self._last_step = step
        self._summary_step = None
        return Record(step, line, values, epoch, continues=continues)

    # -- pieces ------------------------------------------------------------------------------

    def _pairs(self, text: str) -> dict[str, float]:
        pairs: dict[str, float] = {}
        for key, value in _PAIR.findall(text):
            if key not in _IGNORED_KEYS:
                pairs[key] = to_float(value)
        if "oss " in text or "train " in text or "test " in text or "val " in text:
            for key, value in _SPACE_PAIR.findall(text):
                key = f"{key}_loss" if key in ("train", "test", "val") else key
                pairs.setdefault(key, to_float(value))
        return pairs

    def _step(self, seg: str, tqdm: re.Match[str] | None) -> tuple[float | None, int | None]:
        """Find ``(step, epoch)`` on a segment; step None when there is no counter."""
        epoch_m = _EPOCH.search(seg)
        epoch = int(epoch_m.group(1)) if epoch_m else None
        if epoch is not None:
            self._note_epoch(epoch)
        elif self._context_epoch is not None:
            epoch = self._context_epoch
        if tqdm is not None:
            n, total = int(tqdm.group(2)), tqdm.group(3)
            return self._counter(epoch, n, int(total) if total.isdigit() else None), epoch
        mm = _MMENGINE.search(seg)
        if mm:
            if mm.group(1) == "Iter" or mm.group(4) is None:
                return float(mm.group(3)), epoch
            e, i, total = int(mm.group(3)), int(mm.group(4)), int(mm.group(5))
            self._note_epoch(e)
            self._per_epoch = True
            return self._combined(e, i, total), e
        masked = _mask(seg, epoch_m)
        lab = _LABELLED.search(masked)
        if lab and lab.group(1).lower() in _NEEDS_TOTAL and not lab.group(3):
            lab = None
        if lab:
            n, total = int(lab.group(2)), lab.group(3)
            if lab.group(1).lower() in _PER_EPOCH_LABELS and total:
                return self._counter(epoch, n, int(total)), epoch
            return float(n), epoch
        br = _BRACKET.search(masked) or _LEADING.search(masked)
        if br:
            return self._counter(epoch, int(br.group(1)), int(br.group(2))), epoch
        if epoch_m is not None:
            if self._last_counter is not None and self._last_step is not None:
                self._summary_step = self._last_step  # an epoch summary after n/N counters
                return self._last_step, epoch
            return None if epoch is None else float(epoch), epoch
        return None, epoch

    def _counter(self, epoch: int | None, n: int, total: int | None) -> float:
        """Step from an ``n/total`` counter, combined with the epoch when n is per epoch.

        A counter is per epoch once the epoch moves on while n does not grow (Lightning,
        Keras, ``Batch i/N``); a counter that keeps growing across epochs is global.
        """
        if epoch is None or total is None:
            self._last_counter = None
            return float(n)
        last = self._last_counter
        if last is not None and epoch > last[0] and n <= last[1]:
            self._per_epoch = True
        self._last_counter = (epoch, n)
        if not self._per_epoch:
            return float(n)
        return self._combined(epoch, n, total)

    def _combined(self, epoch: int, n: int, total: int) -> float:
        base = self._epoch_base if self._epoch_base is not None else 0
        return float(max(epoch - base, 0) * total + n)

    def _note_epoch(self, epoch: int) -> None:
        if self._epoch_base is None:
            self._epoch_base = 0 if epoch == 0 else 1

    def _set_context_epoch(self, epoch: int) -> None:
        self._note_epoch(epoch)
        self._context_epoch = epoch
        self._section_eval = None

    def _maybe_keras_epoch(self, seg: str) -> None:
        m = _EPOCH.match(seg.strip())
        if m and m.end() >= len(seg.strip()) - 1:
            self._set_context_epoch(int(m.group(1)))


def _unglue(seg: str) -> tuple[str, ...]:
    """Split text printed straight after a progress bar's ``]`` (a killed bar followed by
    the next process's banner) from the bar, so each is read on its own."""
    if "]" not in seg or "|" not in seg:
        return (seg,)
    bar = _TQDM.search(seg)
    end = seg.find("]", bar.end()) if bar else -1
    if end < 0 or not seg[end + 1 :].strip():
        return (seg,)
    return seg[: end + 1], seg[end + 1 :]


def _postfix(seg: str, bar: re.Match[str]) -> str:
    """The text inside a progress bar's brackets: what follows ``]`` is not its postfix."""
    end = seg.find("]", bar.end())
    return seg[bar.end() :] if end < 0 else seg[bar.end() : end]


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)


def _block_line(seg: str, values: dict[str, float]) -> bool:
    """A step-less line inside an ``Epoch N`` block that holds the block's metrics."""
    if len(values) >= 2:
        return True
    m = _PAIR.search(seg)
    return m is not None and not seg[: m.start()].strip(" \t|-")


def _mask(seg: str, m: re.Match[str] | None) -> str:
    """Blank out the epoch match so its ``[e/E]`` is not read as the step counter."""
    if m is None:
        return seg
    return seg[: m.start()] + " " * (m.end() - m.start()) + seg[m.end() :]


def _is_counter_key(key: str) -> bool:
    low = key.lower().replace(" ", "_")
    return low in STEP_KEYS or low in EPOCH_KEYS


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
