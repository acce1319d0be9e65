"""Free-form text logs: ``key=value`` prints, ``logging`` lines, tqdm bars, mmengine, Keras.

One parser covers the text families because they share one shape: somewhere on the line a
step counter, and ``name: value`` / ``name=value`` pairs. The rules are general on purpose:

* the step comes from, in order, a tqdm bar's ``n/total``, an mmengine ``Epoch(train)
  [e][i/N]``, a labelled counter (``step``, ``iter``, ``Batch`` ...), a ``[n/N]`` counter, a
  leading ``n/N``, else the epoch; a per-epoch counter is combined with the epoch
  (``Epoch 3 ... Batch 10/1314`` is step ``2*1314 + 10`` for 1-based epochs);
* a line with pairs but no counter belongs to the current ``Epoch N`` block when one was
  announced; otherwise it is a record only if it carries a loss the criteria read;
* validation / test lines keep their metrics apart under a ``val_`` / ``test_`` prefix, and
  their own batch counters do not move the training step;
* a JSON object after a text prefix is read as JSON (:mod:`vaetui.core.formats.jsonrec`);
* a record may span lines: after a line with a step (a progress frame, a record), indented
  lines holding only pairs continue it (Rich / Lightning bars wrapped over lines);
* a per-epoch ``Batch n/N`` counter with no epoch printed that starts again at 0 starts the
  next epoch, unless a banner line came in between (then it is a rerun);
* a profile's own line formats (``[[formats]]``) are tried first on every line.

Pairs come from the general grammar of :mod:`vaetui.core.formats.grammar`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from vaetui.core.formats import fastkv
from vaetui.core.formats.base import NUMBER, Record, iter_segments
from vaetui.core.formats.columns import Reader
from vaetui.core.formats.custom import LineFormat, match_format
from vaetui.core.formats.fastkv import (
    POLARS_AFTER_BYTES,
    Batch,
    FastPath,
    Shape,
    token_index,
    token_text,
)
from vaetui.core.formats.fasttqdm import split_refreshes
from vaetui.core.formats.grammar import PAIR, find_pairs, iter_pairs, only_pairs
from vaetui.core.formats.jsonrec import loads_object, record_from_mapping
from vaetui.core.lines import TextBlock
from vaetui.core.metrics import (
    CANONICAL,
    EPOCH_KEYS,
    STEP_KEYS,
    canonical_name,
    clean_key,
    is_eval_key,
)

#: Characters a line's shape does not see (see ``fastkv``): keys holding them are counted.
_SHAPE_BLIND = re.compile(r"[0-9.+-]")
_TENSOR = re.compile(rf"tensor\(\s*({NUMBER})[^)]*\)")
_TQDM = re.compile(r"(\d{1,3})%\|[^|]*\|\s*(\d+)/(\d+|\?)\s*\[")
#: A Rich progress bar (Lightning's RichProgressBar): a run of bar glyphs, then ``n/N``.
_RICH = re.compile(r"[━╸╺╾╼─]{3,}\s*(\d+)/(\d+)\b")
_MMENGINE = re.compile(
    r"\b(Epoch|Iter)\((train|val|test)\)\s*\[\s*(\d+)(?:\s*/\s*\d+)?\s*\]"
    r"(?:\s*\[\s*(\d+)\s*/\s*(\d+)\s*\])?"
)
_LABELLED = re.compile(
    r"\b(global[ _]step|step|num_updates|iteration|iters?|it|batch|batch_idx)\b['\"]?\s*[:=#]?"
    r"\s*\[?\s*(\d+)"
    r"(?:\s*/\s*(\d+))?",
    re.IGNORECASE,
)
_EPOCH = re.compile(
    r"\b(?:epoch|ep)\b['\"]?\s*[:=#]?\s*\[?\s*(\d+)(?:\s*/\s*(\d+))?", re.IGNORECASE
)
#: A line that says training is over: ``training finished: 2000 steps``, ``Training completed.``
#: (Hugging Face), ``Trainer.fit stopped: max_epochs=10 reached`` (Lightning), ``Finished
#: training``. Only the words side by side: ``training epoch 3 done`` is not the end.
_TRAINING_ENDS = re.compile(
    r"\b(?:training|train)\s+(?:is\s+|has\s+)?(?:finished|complete|completed|done|ended|over)\b"
    r"|\b(?:finished|done|completed)\s+training\b"
    r"|\bfit`?\s+stopped\b|\bmax_(?:epochs|steps)=\d+`?\s+reached\b",
    re.IGNORECASE,
)
#: A counter right after the epoch (fairseq's ``epoch 001:    100 / 1563``), read from there.
_AFTER_EPOCH = re.compile(r"\s*[:|,\]-]?\s*(\d+)\s*/\s*(\d+)(?=\s)")
_BRACKET = re.compile(r"\[\s*(\d+)\s*/\s*(\d+)\s*(?:\(\s*\d+%\))?\s*\]")
_LEADING = re.compile(r"^\s*(\d+)\s*/\s*(\d+)(?=\s)")
_EPOCH_HEADER = re.compile(r"^\W*epoch\s*[:#]?\s*\[?\s*(\d+)(?:\s*/\s*(\d+))?\s*\]?\W*$", re.I)
_SECTION = re.compile(
    r"^\W*(training|train|validation|valid|val|test|testing|eval|evaluation)"
    r"(?:\s+(?:metrics|results|losses|loss|set|phase|stats|summary))?\W*$",
    re.I,
)
_EVAL_START = re.compile(r"\W*(?:validation|valid|val|test|eval)\b", re.I)
_EVAL_EPOCH = re.compile(r"\b(?:Test|Val) Epoch\b", re.I)
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
_IGNORED_KEYS = frozenset({"v_num", "eta", "time", "data_time", "date"})
#: A JSON object printed after a text prefix.
_JSON_TAIL = re.compile(r"\{.*\}\s*$")

_PER_EPOCH_LABELS = {"iter", "iters", "it", "iteration", "batch", "batch_idx"}
#: Labels too common in config banners to be a step without an ``n/total`` form.
_NEEDS_TOTAL = {"batch", "batch_idx", "it"}


class TextParser:
    """Parser for free-form text lines (see the module docstring for the rules)."""

    name = "kv"

    def __init__(
        self,
        rank: int | None = None,
        formats: tuple[LineFormat, ...] = (),
        forced: bool = False,
        number_reader: Reader = "numpy",
    ) -> None:
        """``number_reader`` reads the numbers of lines of one shape (see ``columns``)."""
        self._rank = rank
        self._formats = formats
        #: Only the profile's formats read lines (``--format NAME``).
        self._forced = forced and bool(formats)
        self._fast = self._fast_path(self.learn_shape, number_reader)
        self._fast_bars = self._fast_path(self.learn_bar_shape, number_reader)
        self.reset()

    @staticmethod
    def _fast_path(learn: Callable[[str], Shape | None], number_reader: Reader) -> FastPath:
        """A fast path reading numbers with ``number_reader``, but wide lines and the first
        megabytes with numpy (see ``fastkv.WIDE_COLUMNS`` and ``POLARS_AFTER_BYTES``)."""
        return FastPath(
            learn, reader=number_reader, wide_reader="numpy", polars_after=POLARS_AFTER_BYTES
        )

    @property
    def has_formats(self) -> bool:
        """True when a profile's own line formats are in force."""
        return bool(self._formats)

    def reset(self) -> None:
        self._epoch_base: int | None = None
        self._context_epoch: int | None = None
        self._section_eval: str | None = None
        self._last_step: float | None = None
        # Counter mode: does n count within an epoch (resets when the epoch moves on)?
        self._per_epoch = False
        self._last_counter: tuple[int, int] | None = None  # (epoch, n)
        self._summary_step: float | None = None
        # A per-epoch counter printed without its epoch: (n, total) of the last one, and how
        # the step its first count stands for (the batches of the epochs gone by).
        #: The last bare ``n/N`` counter: (n, N, the rise from the counter before it).
        self._bare_counter: tuple[int, int, int] | None = None
        self._bare_offset = 0
        self._banner_since = False
        # The step a following indented pairs-only line continues (a wrapped record),
        # and whether the line that opened it carried no metrics of its own (a bar frame).
        self._open_step: float | None = None
        self._open_frame = False
        # Whether the newest step came from an ``Epoch N`` block (not from a counter), and
        # whether an ``Epoch N`` header has just been read (its block is a new record).
        self._step_from_block = False
        self._fresh_block = False

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

    def _after_batch(self, batch: Batch, bars: bool = False) -> None:
        """Bring the per-line state up to date after a batch of same-shape lines."""
        self._last_step = float(batch.steps[-1])
        self._section_eval = None
        self._summary_step = None
        self._open_step = None
        self._step_from_block = False
        if bars:  # as a bar's record leaves it: its n/total had no epoch
            self._last_counter = None
            self._open_step, self._open_frame = self._last_step, False
        if batch.epochs is not None:
            self._note_epoch(int(batch.epochs[0]))

    def _bars_batchable(self, block: TextBlock) -> bool:
        """tqdm refreshes may be batched: bars present, no epoch, section or summary context
        in force (those change how a bar's ``n/total`` becomes a step)."""
        if self._formats or self._context_epoch is not None or self._section_eval is not None:
            return False
        if self._summary_step is not None or self._per_epoch:
            return False
        if block.raw is None:
            text = block.text
            return len(text) >= fastkv.MIN_BLOCK_BYTES and "%|" in text and "\r" in text
        raw = block.raw  # UTF-8 that decodes to the text: the same answer, nothing decoded
        if b"%|" not in raw or b"\r" not in raw or len(raw) < fastkv.MIN_BLOCK_BYTES:
            return False
        # A character is at most 4 bytes: only a small block needs its characters counted.
        if len(raw) >= 4 * fastkv.MIN_BLOCK_BYTES or raw.isascii():
            return True
        return _characters(raw) >= fastkv.MIN_BLOCK_BYTES

    def learn_bar_shape(self, line: str) -> Shape | None:
        """Columns of a tqdm refresh (glyphs cut out) whose step is its ``n``, or None.

        Only bars without an epoch, past ``0/N``, with nothing after their ``]``; checked
        against the per-line parser on the same text.
        """
        bar = _TQDM.search(line)
        if bar is None or bar.group(bar.re.groups - 1) == "0" or "[rank" in line:
            return None
        if _line_eval_prefix(line) or line[:1].isspace() or not line.endswith("]"):
            return None
        if _EPOCH.search(line) or _MMENGINE.search(line):
            return None
        rec = TextParser(rank=self._rank).parse_segment(line, 1)
        n = float(bar.group(bar.re.groups - 1))
        if rec is None or rec.step != n or rec.continues or not rec.values:
            return None
        step_col = token_index(line, bar.start(bar.re.groups - 1))
        columns: dict[str, int] = {}
        exact: dict[bytes, int] = {}
        start = bar.end()
        for pair in iter_pairs(_postfix(line, bar), _IGNORED_KEYS):
            if is_counter_key(pair.name):
                continue
            col = token_index(line, start + pair.start)
            if col is None or token_text(line, col) != pair.text:
                return None
            columns[pair.name] = col
            if _SHAPE_BLIND.search(pair.name):
                text = line[max(start + pair.name_start - 1, 0) : start + pair.start]
                exact[text.encode("utf-8")] = line.count(text)
        got = {k: float(token_text(line, c)) for k, c in columns.items()}
        if step_col is None or got.keys() != rec.values.keys():
            return None
        if any(not _same(got[k], v) for k, v in rec.values.items()):
            return None
        return Shape(step_col, None, tuple(columns.values()), tuple(columns), tuple(exact.items()))

    def learn_shape(self, line: str) -> Shape | None:
        """Columns of a line whose step is a plain labelled counter, or None.

        The result is checked against the per-line parser on the same line, so a batch
        parsed with it gives the records the per-line parser would.
        """
        if "[rank" in line or _TQDM.search(line) or _line_eval_prefix(line) or line[:1].isspace():
            return None
        rec = TextParser(rank=self._rank, formats=self._formats).parse_segment(line, 1)
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
        for pair in iter_pairs(line, _IGNORED_KEYS):
            if is_counter_key(pair.name):
                continue
            col = token_index(line, pair.start)
            if col is None or token_text(line, col) != pair.text:
                return None
            columns[pair.name] = col
            if _SHAPE_BLIND.search(pair.name):
                key_col = token_index(line, pair.name_start)
                if key_col is not None and token_text(line, key_col) == pair.name:
                    key_tokens.append((key_col, pair.name.encode("utf-8")))
                    continue
                text = line[max(pair.name_start - 1, 0) : pair.start]
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
        """Parse one segment (text between line terminators); a line that makes no record
        but says training is over (``training finished``) gives an ``ends`` record."""
        rec = self._parse_segment(seg, line)
        if (rec is None or not rec.values) and _TRAINING_ENDS.search(seg):
            return Record(None, line, {}, None, rec.config if rec else {}, ends=True)
        return rec

    def _parse_segment(self, seg: str, line: int) -> Record | None:
        if "[rank" in seg or "[RANK" in seg:
            m = _RANK.match(seg)
            if m:
                if int(m.group(1)) != (self._rank or 0):
                    return None
                seg = seg[m.end() :]
        if self._formats:
            rec = self._custom(seg, line)
            if rec is not None or self._forced:
                return rec
        open_step, open_frame = self._open_step, self._open_frame
        self._open_step = None
        header = _EPOCH_HEADER.match(seg)
        if header:
            self._set_context_epoch(int(header.group(1)))
            return None
        section = _SECTION.match(seg)
        if section:
            word = section.group(1).lower()
            self._section_eval = None if word.startswith("train") else _eval_prefix(word)
            return None
        if "{" in seg and seg.rstrip().endswith("}"):
            found, rec = self._json(seg, line)
            if found:
                return rec
        if "tensor(" in seg:
            seg = _TENSOR.sub(r"\1", seg)  # tensor(0.01, device='cuda:0') -> 0.01
        if (
            open_step is not None
            and (seg[:1].isspace() or open_frame)
            and only_pairs(seg)
            and not any(is_counter_key(k) for k in self._pairs(seg))
        ):
            return self._continuation(seg, line, open_step)
        return self._pairs_record(seg, line)

    def _pairs_record(self, seg: str, line: int) -> Record | None:
        """A line read by the pair grammar: its step, its split, its metrics."""
        tqdm = _TQDM.search(seg)
        rich = None if tqdm else _RICH.search(seg)
        pairs = self._pairs(_postfix(seg, tqdm) if tqdm else seg)
        values = {k: v for k, v in pairs.items() if not is_counter_key(k)}
        if not values:
            if tqdm is None and rich is None:
                self._maybe_keras_epoch(seg)
            if rich is not None and not _line_eval_prefix(seg):
                # A bar frame whose metrics wrap onto the next lines: they continue it.
                step, _epoch = self._step(seg, rich)
                self._open_step, self._open_frame = step, step is not None
                if step is not None:
                    self._last_step = step
            return None
        line_eval = _line_eval_prefix(seg)
        eval_prefix = self._section_eval or line_eval
        continues = False
        if tqdm is not None and tqdm.group(2) == "0":
            # A bar at 0/N has done no step yet: its postfix belongs to the newest record.
            step, epoch, continues = self._last_step, self._context_epoch, True
        elif eval_prefix and self._last_step is not None:
            # An evaluation line counts its own batches: they do not move the training step.
            saved = self._counter_state()
            own_step, epoch = self._step(seg, tqdm or rich)
            self._restore(saved)
            if own_step is not None:
                step, continues = self._last_step, True
            else:
                step = None
        else:
            step, epoch = self._step(seg, tqdm or rich)
            continues = step is not None and step == self._summary_step
        if step is not None and not continues:
            self._section_eval = None  # a line with its own counter ends a section
            eval_prefix = line_eval
        if eval_prefix:
            values = {_prefixed(eval_prefix, k): v for k, v in values.items()}
        if step is None:
            if self._context_epoch is not None and _block_line(seg, values):
                step, continues = self._block_step()
                epoch = self._context_epoch
            elif self._last_step is not None and all(is_eval_key(clean_key(k)) for k in values):
                # A step-less evaluation summary (``====> Test set loss: 296.3``): it
                # belongs to the step it follows.
                step, continues = self._last_step, True
            elif not has_loss(values) or len(values) < 2:
                # A banner or config line: remember its settings, make no record.
                config = {_CONFIG_KEYS.get(k.lower(), k): v for k, v in pairs.items()}
                self._banner_since = self._banner_since or bool(config)
                return Record(None, line, {}, None, config)
        else:
            self._step_from_block = False
        if step is not None:
            self._last_step = step
            self._open_step, self._open_frame = step, False
        self._summary_step = None
        return Record(step, line, values, epoch, continues=continues)

    def _continuation(self, seg: str, line: int, step: float) -> Record:
        """An indented pairs-only line after a line with a step: more of the same record."""
        values = {k: v for k, v in self._pairs(seg).items() if not is_counter_key(k)}
        if self._section_eval:
            values = {_prefixed(self._section_eval, k): v for k, v in values.items()}
        self._open_step, self._open_frame = step, self._open_frame
        return Record(step, line, values, self._context_epoch, continues=True)

    def _block_step(self) -> tuple[float, bool]:
        """Step of a step-less line in an ``Epoch N`` block, and whether it continues.

        The block sums up the steps counted before it (it takes the newest step), or, in a
        log of blocks only, is the epoch's own record; the first line after a header starts
        that record.
        """
        assert self._context_epoch is not None
        epoch_step = float(self._context_epoch)
        step = epoch_step if self._last_step is None else max(epoch_step, self._last_step)
        fresh = self._fresh_block and step == epoch_step
        self._fresh_block = False
        self._step_from_block = True
        return step, not fresh

    def _json(self, seg: str, line: int) -> tuple[bool, Record | None]:
        """A JSON (or Python dict) object after a text prefix: ``(found, record)``."""
        start = seg.find("{")
        for _attempt in range(3):
            if start < 0:
                break
            obj = loads_object(seg[start:].strip())
            if obj is None and "'" in seg:
                obj = _literal(seg[start:].strip())
            if isinstance(obj, dict):
                rec = record_from_mapping(obj, line)
                if rec is not None and rec.step is not None and rec.values:
                    self._last_step = rec.step
                    self._step_from_block = False
                return True, rec
            start = seg.find("{", start + 1)
        return False, None

    def _custom(self, seg: str, line: int) -> Record | None:
        for fmt in self._formats:
            rec = match_format(fmt, seg, line)
            if rec is not None:
                if rec.step is not None:
                    self._last_step = rec.step
                return rec
        return None

    # -- pieces ------------------------------------------------------------------------------

    def _pairs(self, text: str) -> dict[str, float]:
        return find_pairs(text, _IGNORED_KEYS)

    def _counter_state(self) -> tuple:
        return (self._per_epoch, self._last_counter, self._bare_counter, self._bare_offset)

    def _restore(self, state: tuple) -> None:
        self._per_epoch, self._last_counter, self._bare_counter, self._bare_offset = state

    def _step(self, seg: str, bar: re.Match[str] | None) -> tuple[float | None, int | None]:
        """Find ``(step, epoch)`` on a segment; step None when there is no counter."""
        epoch_m = _EPOCH.search(seg)
        epoch = int(epoch_m.group(1)) if epoch_m else None
        if epoch is not None:
            self._note_epoch(epoch)
        elif self._context_epoch is not None:
            epoch = self._context_epoch
        if bar is not None:
            n, total = int(bar.group(bar.re.groups - 1)), bar.group(bar.re.groups)
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
                if epoch is None:
                    return self._bare(n, int(total)), epoch
                return self._counter(epoch, n, int(total)), epoch
            if total and epoch is not None:
                # ``Epoch [2/10], Step [10/300]``: a step counted per epoch once it starts
                # over (goes lower) as the epoch moves on; a global one keeps its numbers,
                # also when the new epoch's first line repeats the last step.
                return self._counter(epoch, n, int(total), restarts_only=True), epoch
            return float(n), epoch
        br = _BRACKET.search(masked) or _LEADING.search(masked)
        if br is None and epoch_m is not None:
            br = _AFTER_EPOCH.match(seg, epoch_m.end())
        if br:
            return self._counter(epoch, int(br.group(1)), int(br.group(2))), epoch
        if epoch_m is not None:
            counted = self._last_counter is not None or self._bare_counter is not None
            if counted and self._last_step is not None:
                self._summary_step = self._last_step  # an epoch summary after n/N counters
                return self._last_step, epoch
            return None if epoch is None else float(epoch), epoch
        return None, epoch

    def _bare(self, n: int, total: int) -> float:
        """Step of a per-epoch ``Batch n/N`` counter printed without its epoch: when n starts
        over (same N, no banner in between) after reaching its end, the next epoch has begun,
        and its steps follow the last one (``N`` may be the last index or the count: whichever
        is larger). A count that starts over short of its end (more than one logging interval
        from N) is a rerun: its steps start over too."""
        last = self._bare_counter
        gap = 1
        if last is not None and total == last[1]:
            if n < last[0]:
                ended = last[0] + max(last[2], 1) >= total
                if self._banner_since or not ended:
                    self._bare_offset = 0  # the count again, from a rerun
                else:
                    self._bare_offset += max(total, last[0] + 1)
            else:
                gap = n - last[0] if n > last[0] else last[2]
        self._bare_counter = (n, total, gap)
        self._banner_since = False
        return float(self._bare_offset + n)

    def _counter(
        self, epoch: int | None, n: int, total: int | None, restarts_only: bool = False
    ) -> float:
        """Step from an ``n/total`` counter, combined with the epoch when n is per epoch.

        A counter is per epoch once the epoch moves on while n does not grow (Lightning,
        Keras, ``Batch i/N``), or with ``restarts_only`` while n goes lower; a counter that
        keeps growing across epochs is global.
        """
        if epoch is None or total is None:
            self._last_counter = None
            return float(n)
        last = self._last_counter
        if (
            last is not None
            and epoch > last[0]
            and (n < last[1] or (n == last[1] and not restarts_only))
        ):
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
        rerun = self._context_epoch is not None and epoch <= self._context_epoch
        if rerun and self._step_from_block:
            self._last_step = None  # epoch blocks that start over: a rerun
        self._context_epoch = epoch
        self._section_eval = None
        self._fresh_block = True

    def _maybe_keras_epoch(self, seg: str) -> None:
        m = _EPOCH.match(seg.strip())
        if m and m.end() >= len(seg.strip()) - 1:
            self._set_context_epoch(int(m.group(1)))


def _literal(text: str) -> object:
    """A Python ``dict`` printed with ``print(metrics)``, or None."""
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


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


def _characters(raw: bytes) -> int:
    """How many characters the valid UTF-8 ``raw`` decodes to (bytes but continuation bytes)."""
    codes = np.frombuffer(raw, dtype=np.uint8)
    return len(raw) - int(np.count_nonzero((codes & 0xC0) == 0x80))


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
    m = PAIR.search(seg)
    return m is not None and not seg[: m.start()].strip(" \t|-")


def _mask(seg: str, m: re.Match[str] | None) -> str:
    """Blank out the epoch match so its ``[e/E]`` is not read as the step counter."""
    if m is None:
        return seg
    return seg[: m.start()] + " " * (m.end() - m.start()) + seg[m.end() :]


#: Words that may qualify a counter's name (``Train Epoch``, ``global step``).
_COUNTER_QUALIFIERS = frozenset(
    {"train", "training", "test", "testing", "val", "valid", "validation", "eval", "global", "cur"}
)


@lru_cache(maxsize=4096)
def is_counter_key(key: str) -> bool:
    """``step``, ``Train Epoch``, ``Starting training from iteration``: a counter, not a metric
    (a phrase in words that ends in a counter word names the counter)."""
    low = clean_key(key)
    if low in STEP_KEYS or low in EPOCH_KEYS:
        return True
    *qualifiers, last = low.split("_")
    if last not in STEP_KEYS and last not in EPOCH_KEYS:
        return False
    return " " in key or _COUNTER_QUALIFIERS.issuperset(qualifiers)


def has_loss(values: dict[str, float]) -> bool:
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
    m = _EVAL_START.match(seg)
    if m is None and "Epoch" in seg:
        m = _EVAL_EPOCH.search(seg)
    if m is None:
        return None
    return _eval_prefix(m.group(0).strip(" -:|[").split()[0])


def _prefixed(prefix: str, key: str) -> str:
    low = key.lower()
    if low.startswith(("val", "test", "eval")):
        return key
    return f"{prefix}_{key}"
