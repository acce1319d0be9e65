"""`vaetui check --json` against a hand-counted truth table for every shared real log.

Every file in ``shared/logs/public/samples`` and every log in ``shared/logs/generated`` has a
row here. The numbers were counted WITHOUT vaetui: with ``grep -c`` / ``awk`` / a few lines of
purpose-written Python regex over that one file, or by eye; for the generated logs from
``manifest.json`` (the trainer's own ground truth) plus a ``grep`` for the first step. Each row
says how it was counted.

What the columns mean (a careful user's reading, the same for every file):

* ``records``: training data points, one per (segment, step). An evaluation line or an
  epoch summary that belongs to a step already logged adds none; a restarted run that logs
  step 0 again after a run that ended at step 0 adds one (it is a new run's data point).
* ``steps``: ``(first_step, last_step)`` in the tool's own numbering: the step the log
  prints, or for a per-epoch counter ``(epoch - base) * total + n`` (base = the first epoch
  number, 0 or 1). Where the reading is ambiguous several alternatives are allowed.
* ``segments``: 1 + the number of times the step goes back (restart or resume) or the same
  step is logged again with different values by a new run. A silent jump *forward* at a
  trim cut is not a segment.
* ``nan``: the first step at which a training loss is NaN/inf, else None. NaN in evaluation
  tables (detectron2 APs) or in step-less lines is not a training NaN.
* ``metrics``: canonical names that must be present (and, where stated, must not be).
* ``restarts``: the line of each ``restart`` event, where the file makes it unambiguous.

Where vaetui disagrees with the careful reading, the case is marked ``xfail(strict=True)``
with the exact discrepancy instead of weakening the row (see ``XFAIL``).
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.support.paths import GENERATED, SHARED_LOGS
from vaetui.cli import main

SHARED = SHARED_LOGS
SAMPLES = SHARED / "public" / "samples"

#: Files in ``generated/`` that describe the logs rather than being logs.
GENERATED_DOCS = {"MANIFEST.md", "README.md", "manifest.json"}

#: Step/epoch counters: never a metric, whatever the format.
COUNTERS = frozenset({"epoch", "epochs", "step", "iter", "iters", "iteration", "global_step"})


class Between(NamedTuple):
    """An inclusive range, for numbers a careful reading cannot pin down exactly."""

    lo: float
    hi: float


Exp = int | None | frozenset | Between


def _ok(exp: Exp, got: Any) -> bool:
    if isinstance(exp, Between):
        return got is not None and exp.lo <= got <= exp.hi
    if isinstance(exp, frozenset):
        return got in exp
    return got == exp


def any_of(*values: Any) -> frozenset:
    return frozenset(values)


@dataclass(frozen=True)
class Truth:
    records: Exp
    steps: tuple[tuple[Exp, Exp], ...]  # alternatives for (first_step, last_step)
    segments: Exp
    nan: Exp
    present: frozenset[str]
    absent: frozenset[str] = frozenset()
    exact: frozenset[str] | None = None  # the whole metric set, when the logger's keys are known
    optional: frozenset[str] = frozenset()  # allowed on top of ``exact``
    eval_kept_apart: bool = False  # some val_/valid_/test_ metric must exist
    # restart event lines: one set of acceptable lines per restart, in order; None = unchecked
    restarts: tuple[frozenset[int], ...] | None = None
    optional_restarts: frozenset[int] = field(default_factory=frozenset)


def T(*names: str) -> frozenset[str]:
    return frozenset(names)


LOSS3 = T("total_loss", "rec_loss", "kl_loss")

# ------------------------------------------------------------------------------------------
# Public samples (FORMATS.md / SOURCES.md describe each one)
# ------------------------------------------------------------------------------------------
#: nicky: first report line of every run after the first (Python regex over the report lines,
#: a new run wherever the epoch does not increase).
_NICKY_RUN_STARTS = (
    *(232, 405, 415, 635, 643, 651, 901, 909, 936, 1013, 1129),
    *(1446, 1457, 1466, 1570, 1580, 1592, 1602, 1941, 2414, 2564),
)

PUBLIC: dict[str, Truth] = {
    # awk -F, 'NR>1 && $1!=""' -> 3297 per-batch rows (loss,MSE,KLD); awk 'NR>1 && $1=="" &&
    # $6!=""' -> 17 per-epoch rows carrying only avg_val_loss; 67 rows with only `epoch` carry no
    # metric. No step column, so the step is a row index: whether the 17 val rows are their own
    # rows (3314) or attach to the preceding batch (3297) is a judgement call; the trim cut is
    # invisible without a step column, so one segment. last step: any row-index numbering of
    # the 3381 data rows. grep -ci nan -> 0.
    "anican-pytorchvae-lightning-metrics.csv": Truth(
        records=any_of(3297, 3314),
        steps=((any_of(0, 1), Between(3296, 3381)),),
        segments=1,
        nan=None,
        present=LOSS3,
        absent=T("created_at"),
        restarts=(),
    ),
    # grep -cE '^[0-9]+/[0-9]+ \(epoch [0-9]+\)' -> 839 (1950/191900 .. 43850/191900; awk: n
    # strictly increasing, so the n/N counter is global, not per epoch). The 4 "Model
    # checkpointed ... Average for epoch , loss: x" lines have no step: not records.
    "bayou-fs-kl-growth.log": Truth(
        records=839,
        steps=((1950, 43850),),
        segments=1,
        nan=None,
        present=T("total_loss", "kl_loss", "gen_loss", "ret_loss", "fs_loss"),
        restarts=(),
    ),
    # same regex -> 2429 (1920 .. 21655); awk: the only non-+5 jump is 8040 -> 15640 at the trim
    # cut (forward, not a segment). `Ret_loss 8.237` has no colon and must still be read.
    "bayou-kl-explosion.log": Truth(
        records=2429,
        steps=((1920, 21655),),
        segments=1,
        nan=None,
        present=T("total_loss", "kl_loss", "gen_loss", "ret_loss", "fs_loss"),
        restarts=(),
    ),
    # grep -c 'epoch [0-9]*:' -> 250; grep -n 'epoch 0:' -> lines 21, 72, 125, 175, i.e. four
    # runs of 50+50+50+100 epochs (SDAE layer 1, layer 2, VAE pretrain, VAE) -> 4 segments,
    # steps 0..99. `batch loss` is the total: at line 125 gen_loss 49.19038 + latent_loss
    # 2.26348 = 51.45387 = batch loss (FORMATS.md lists "batch loss" under total_loss).
    # grep -cwi nan -> 0.
    "bdcmf-tf-vae-latent-loss.log": Truth(
        records=250,
        steps=((0, 99),),
        segments=4,
        nan=None,
        present=T("total_loss", "kl_loss", "gen_loss"),
        eval_kept_apart=True,  # valid_loss=...
        restarts=(any_of(72), any_of(125), any_of(175)),
    ),
    # grep -c '^(epoch: ' -> 979; all epoch 1, `iters` 100..10000 (lines 2-101), then the
    # "==== Training Loss (Mon Mar 11 10:04:55 2019) ====" header at line 102 and iters 100 again
    # at line 103 up to 87900 at line 981 -> 2 segments; the restart may be placed on the header
    # (102) or on the first record (103).
    "bicyclegan-vaegan-loss-log.txt": Truth(
        records=979,
        steps=((100, 87900),),
        segments=2,
        nan=None,
        present=T("kl_loss", "g_gan", "g_l1", "z_l1", "d"),
        restarts=(any_of(102, 103),),
    ),
    # json.load -> a list of 1000 dicts, all with iteration/epoch/loss_gen/loss_dis/
    # elapsed_time; iteration 100..100000 strictly increasing; no non-finite value.
    "chainer-dcgan32-logreport.json": Truth(
        records=1000,
        steps=((100, 100000),),
        segments=1,
        nan=None,
        present=T("loss_gen", "loss_dis"),
        restarts=(),
    ),
    # grep -c 'd2.utils.events' -> 271 (all with ' iter: '); iter 19 .. 1999 (line 1517), the
    # trim cut after line 1833 hides the start of a second run, which reappears at iter 599
    # (line 1834) and runs to 3999 -> step goes back -> 2 segments. The `nan` in lines
    # 1539-1556 / 2027-2036 are COCO AP tables and copypaste lines: not training NaNs.
    # The second process starts at line 1557 ("Rank of current process"); its config dump
    # states the latent size at line 1607 (grep -n 'EMBED_DIM' -> 51, 503, 662, 1607), so the
    # restart is placed at that banner line or, without one, at the first record (1834).
    "d2-mask2former-log.txt": Truth(
        records=271,
        steps=((19, 3999),),
        segments=2,
        nan=None,
        present=T("total_loss", "loss_ce", "loss_mask", "loss_dice"),
        restarts=(any_of(1607, 1834),),
    ),
    # json.loads per line: 223 rows, 221 with total_loss (iteration 19..1999, then 19..3999
    # after line 102 -> 2 segments) and 2 evaluation rows (lines 101 and 223, iteration 2000
    # and 4000, bbox/segm APs with bare NaN for APs). Whether an eval row at iteration 2000 is
    # its own data point is a judgement call: (221, last 3999) or (223, last 4000). The NaN
    # APs are not a training NaN.
    "d2-mask2former-metrics.json": Truth(
        records=any_of(221, 223),
        steps=((19, 3999), (19, 4000)),
        segments=2,
        nan=None,
        present=T("total_loss", "loss_ce", "loss_mask", "loss_dice"),
        restarts=(any_of(102),),
    ),
    # json.load -> log_history of 431 entries: 430 with loss/grad_norm/learning_rate/step
    # (500 .. 215000, increasing) and a final summary (step 215337, train_loss, train_runtime,
    # ...) that is a run summary, not a training step (FORMATS.md F8 hazard).
    "hf-t5-trainer-state.json": Truth(
        records=430,
        steps=((500, 215000),),
        segments=1,
        nan=None,
        present=T("total_loss", "grad_norm", "learning_rate"),
        absent=T("train_runtime", "train_samples_per_second"),
        restarts=(),
    ),
    # grep -c 'Epoch: ' -> 13 (epochs 2, 4, 6, 8, 10, 40, 80, ..., 320) by eye.
    "iridash-growth-vae-logging.log": Truth(
        records=13,
        steps=((2, 320),),
        segments=1,
        nan=None,
        present=T("total_loss"),
        eval_kept_apart=True,  # Test Loss
        restarts=(),
    ),
    # grep -cE '^Epoch [0-9]+/[0-9]+$' -> 30 and grep -cE '^[0-9]+/[0-9]+ \[' -> 30 (all
    # 547/547). Step = epoch (1..30) or, with the per-epoch counter combined, epoch*547
    # (547..16410); both readings are allowed, a mix is not.
    "kerasio-vae-fit-keras2.log": Truth(
        records=30,
        steps=((1, 30), (547, 16410)),
        segments=1,
        nan=None,
        present=LOSS3,
        restarts=(),
    ),
    # by eye: header + 15 CRLF rows, step 49..749 by 50.
    "kmhyun-ae-lightning-metrics-crlf.csv": Truth(
        records=15,
        steps=((49, 749),),
        segments=1,
        nan=None,
        present=T("total_loss"),
        restarts=(),
    ),
    # Python regex over the file: 1686 dcgan lines `epoch: [e/30] iter: [i/196]` (lines 1-1686,
    # runs start at lines 1, 2, 3, 4, 5, 22: the first four die at (0, 0)) and 1492 VAE
    # `Train Epoch: e [n/60000]` lines from another script appended to the same file (runs start
    # at 1687 (epoch 52, mid-run after the trim cut), 3410, 3511, 3512, 3513). 1686 + 1492 = 3178
    # training data points: a run that starts at step 0 right after a run that died at step 0
    # is still a new run with its own point. 273 `Test Epoch` lines, 39 `====> Epoch: N Average
    # loss` and 39 `====> Test set loss` lines attach to the step they follow. Steps: per-epoch
    # counters, base 0: first (0, 0) -> 0; last `Train Epoch: 1 [8000/60000]` -> 68000.
    # Segments: 6 dcgan runs + 4 VAE restarts = 10; the switch to the VAE script at line 1687
    # goes forward in step, so 11 is accepted only if it is placed there.
    "larkkin-dcgan-restarts.log": Truth(
        records=3178,
        steps=((0, 68000),),
        segments=any_of(10, 11),
        nan=None,
        present=T("loss_d", "loss_g", "total_loss"),
        eval_kept_apart=True,  # Test Epoch ... Loss
        restarts=tuple(any_of(n) for n in (2, 3, 4, 5, 22, 3410, 3511, 3512, 3513)),
        optional_restarts=any_of(1687),
    ),
    # Python regex: 720 `Train Epoch: e [n/60000]` lines, epochs 0..29 x 24 batches (n 0..58880),
    # never going back; 120 `Test Epoch` + 30 `Average loss` + 30 `Test set loss` lines attach
    # to the step they follow (an eval pass counting its own batches is not a restart).
    # Per-epoch counter, base 0: last = 29*60000 + 58880 = 1798880.
    "larkkin-vae-pytorch-example.log": Truth(
        records=720,
        steps=((0, 1798880),),
        segments=1,
        nan=None,
        present=T("total_loss"),
        eval_kept_apart=True,
        restarts=(),
    ),
    # grep -c '^Epoch [0-9]*: Train Loss' -> 100 (epochs 1..100, CRLF).
    "medvae-epoch-loss-crlf.txt": Truth(
        records=100,
        steps=((1, 100),),
        segments=1,
        nan=None,
        present=T("total_loss"),
        eval_kept_apart=True,  # Val Loss
        restarts=(),
    ),
    # grep -an '^<<<<<<<\|^=======\|^>>>>>>>' -> 1, 1638, 3275: two copies of the run (CRLF
    # copy, LF copy). grep -ac 'Epoch(train)' -> 400 = 2 x epochs 1..200, one line per epoch at
    # [100/101]; grep -ac 'Epoch(val)' -> 400, attached to the train step. mmengine numbering
    # (e-1)*101 + 100: first 100, last 199*101 + 100 = 20199. The second copy starts again at
    # epoch 1 (line 2366) -> 2 segments.
    "mmengine-mmpretrain-epoch.log": Truth(
        records=400,
        steps=((100, 20199),),
        segments=2,
        nan=None,
        present=T("total_loss"),
        eval_kept_apart=True,
        restarts=(any_of(2366),),
    ),
    # grep -c 'Iter(train)' -> 97 (4050 .. 8850 by 50, resumed at iter 4000: starts mid-way,
    # one segment); the single `Iter(val) [17/17]` line counts its own batches and attaches.
    "mmengine-pspnet-iter-resumed.log": Truth(
        records=97,
        steps=((4050, 8850),),
        segments=1,
        nan=None,
        present=T("total_loss", "decode_loss_ce", "aux_loss_ce"),
        eval_kept_apart=True,  # Iter(val) aAcc/mIoU
        restarts=(),
    ),
    # Python regex `mltrainer\.trainer:report:\d+ - Epoch (\d+) ` -> 488 lines; the epoch goes
    # back (or repeats 0 -> 0 in a new run) 21 times -> 22 segments, first lines of the new
    # runs listed below; the file ends on a run that logged only epoch 0 (last step 0). The
    # 248 `best loss: x, current loss y.Counter 1/10` and 110 `Untrained loss: x|nan` lines are
    # step-less: not records, and the 29 `Untrained loss: nan` are not a training NaN.
    "nicky-loguru-mltrainer-nan.log": Truth(
        records=488,
        steps=((0, 0),),
        segments=22,
        nan=None,
        present=T("total_loss"),
        eval_kept_apart=True,  # test x
        restarts=tuple(any_of(n) for n in _NICKY_RUN_STARTS),
    ),
    # split on \r and \n: 3674 tqdm bar states (no postfix: not records), 19 `[Temporal] epoch N
    # total=...` lines (epochs 1..10 and 67..75, the gap is the trim cut), 20 `[unc_weights]`
    # lines with no step (not records). Step = epoch (1..75) or epoch*209 (end of the epoch's
    # 209-batch bar: 209..15675).
    "ozyurtf-temporal-torchrun-tqdm.log": Truth(
        records=19,
        steps=((1, 75), (209, 15675)),
        segments=1,
        nan=None,
        present=T("total_loss", "latent", "flow", "occ", "warp"),
        restarts=(),
    ),
    # grep -c 'INFO - Epoch [0-9]*: Loss' -> 50 (epochs 0..49, CRLF); the Namespace(...) line
    # has no loss: not a record.
    "rfeats-vae-logging-crlf.log": Truth(
        records=50,
        steps=((0, 49),),
        segments=1,
        nan=None,
        present=T("total_loss"),
        restarts=(),
    ),
    # by eye: 60 `ep N` lines (0..59); train_total=nan from ep 27 on.
    "volsurface-vae-nan-divergence.log": Truth(
        records=60,
        steps=((0, 59),),
        segments=1,
        nan=27,
        present=T("total_loss"),
        restarts=(),
    ),
    # split on \r and \n: 2622 bar states (48 batches per epoch), 2589 with a postfix; distinct
    # (epoch, n) with a postfix: 1011 = 978 with n >= 1 + 33 at n = 0 (epochs 1-17 and 85-100;
    # epoch 84's bars are lost in the trim cut, only its `Epoch 84` / Train / Val block is left).
    # The n = 0 postfix of epoch 1 may be its own point (step 0); the other n = 0 states and the
    # per-epoch Train/Val blocks attach to the epoch's last step; epoch 84's orphan block may
    # be its own point. Hence 978..980. Steps: per-epoch counter, base 1: last = 99*48 + 48.
    "zged-seqdecoder-tqdm-gbk-crlf.log": Truth(
        records=Between(978, 980),
        steps=((any_of(0, 1), 4800),),
        segments=1,
        nan=None,
        present=T("kl_loss", "ce", "pole", "acc"),
        eval_kept_apart=True,  # Val - CE: ..., KL: ...
        restarts=(),
    ),
}

# ------------------------------------------------------------------------------------------
# Generated logs: records / last_step / restarts / first non-finite logged step come from
# manifest.json (the trainer's own record). First step and the key sets come from README.md
# and a grep per front-end:
#   plain    grep -m1 '^step '            -> step 10
#   logging  grep -m1 -o 'step [0-9]*/'   -> step 10/
#   jsonl    head -1                       -> {"step": 10, ...}
#   tqdm     grep -o '10/1000' | head -1   -> first bar with a postfix at 10/1000
#   tensorboard: README "steps start again at 10"
#   lightning csv: sed -n 2p metrics.csv   -> step 9 (0-based, every 10 steps)
#   lightning stdout: the first bar state with a postfix is `Epoch 0: 4%| 1/25` -> 0*25 + 1 = 1
# ------------------------------------------------------------------------------------------
_BASE = T("total_loss", "rec_loss", "kl_loss", "kl_weight", "lr")
_WITH_PERC = _BASE | T("perception_loss")
_FRONT_END = {  # folder/format -> (first step, exact metric set, optional extras)
    "plain": (10, _BASE, frozenset()),
    "tqdm": (10, _BASE, frozenset()),
    "logging": (10, _WITH_PERC, frozenset()),
    "jsonl": (10, _WITH_PERC, T("time")),  # wall-clock `time` field: kept or not, both fine
    "tensorboard": (10, _BASE, frozenset()),
    "lightning-csv": (9, _WITH_PERC, frozenset()),
    "lightning-stdout": (1, _WITH_PERC, frozenset()),
}
#: The restart event may sit on the line where the new process starts (the manifest's line)
#: or on the new process's first record: plain/logging `sed -n 44,47p` -> banner at 45,
#: `step 10` at 46; jsonl has no banner (44); tqdm: the killed bar's physical line 2 ends with
#: the new banner, the new bar is line 3; lightning: the new banner is glued to the end of line
#: 18, its bars are on line 36 (lines 19-35 are the model summary).
_FIRST_NEW_RECORD_LINE = {
    "plain/restart.log": 46,
    "logging/restart.log": 46,
    "jsonl/restart.jsonl": 44,
    "tqdm/restart.log": 3,
    "lightning/restart.stdout.log": 36,
}


def _generated_truth(entry: dict) -> Truth:
    first, exact, optional = _FRONT_END[entry["format"]]
    restarts: tuple[frozenset[int], ...] | None = None
    if entry["format"] != "tensorboard":  # event files have no line numbers
        restarts = tuple(
            any_of(r["line"], _FIRST_NEW_RECORD_LINE[entry["path"]]) for r in entry["restarts"]
        )
    return Truth(
        records=entry["records"],
        steps=((first, entry["last_step"]),),
        segments=1 + len(entry["restarts"]),
        nan=entry["first_nonfinite_logged_step"],
        present=exact,
        exact=exact,
        optional=optional,
        restarts=restarts,
    )


def _manifest() -> list[dict]:
    path = GENERATED / "manifest.json"
    if not path.is_file():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["files"]


# ------------------------------------------------------------------------------------------
# Known discrepancies: (file, field) -> what vaetui prints instead and the suspected rule.
# ------------------------------------------------------------------------------------------
XFAIL: dict[tuple[str, str], str] = {}

FIELDS = ("records", "steps", "segments", "nan", "metrics", "restarts")


def _cases() -> list:
    rows: list[tuple[str, Path, Truth]] = []
    rows += [(f"public/{name}", SAMPLES / name, truth) for name, truth in PUBLIC.items()]
    rows += [
        (f"generated/{e['path']}", GENERATED / e["path"], _generated_truth(e)) for e in _manifest()
    ]
    cases = []
    for key, path, truth in rows:
        for fld in FIELDS:
            reason = XFAIL.get((key, fld))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(key, path, truth, fld, id=f"{key}:{fld}", marks=marks))
    return cases


_RESULTS: dict[Path, dict] = {}


def check_json(path: Path) -> dict:
    """`vaetui check --json PATH`, once per file for the whole module."""
    if path not in _RESULTS:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", "--json", str(path)])
        assert out.getvalue(), f"exit {code}, stderr: {err.getvalue()!r}"
        _RESULTS[path] = json.loads(out.getvalue())
    return _RESULTS[path]


@pytest.mark.parametrize(("key", "path", "truth", "fld"), _cases())
def test_sample_matches_truth(key: str, path: Path, truth: Truth, fld: str) -> None:
    if not path.exists():
        pytest.skip(f"{path} not present")
    if key.startswith("generated/tensorboard/"):
        pytest.importorskip("tensorboard")
    out = check_json(path)
    events = out["events"]

    if fld == "records":
        assert _ok(truth.records, out["records"]), (out["records"], truth.records)
    elif fld == "steps":
        got = (out["first_step"], out["last_step"])
        assert any(_ok(f, got[0]) and _ok(la, got[1]) for f, la in truth.steps), (got, truth.steps)
    elif fld == "segments":
        assert _ok(truth.segments, out["segments"]), (out["segments"], truth.segments)
    elif fld == "nan":
        nans = [e["step"] for e in events if e["kind"] == "nan"]
        first = nans[0] if nans else None
        assert _ok(truth.nan, first), (first, truth.nan)
    elif fld == "metrics":
        names = set(out["metrics"])
        assert truth.present <= names, ("missing", sorted(truth.present - names), sorted(names))
        bad = (truth.absent | COUNTERS) & names
        assert not bad, ("must not be metrics", sorted(bad))
        if truth.exact is not None:
            extra = names - truth.exact - truth.optional
            assert not extra, ("unexpected metrics", sorted(extra))
        if truth.eval_kept_apart:
            assert any(n.startswith(("val", "valid", "test", "eval")) for n in names), sorted(names)
            # and the training loss is not overwritten by it
            assert "total_loss" in names or "kl_loss" in names, sorted(names)
    elif fld == "restarts":
        if truth.restarts is None:
            pytest.skip("no line numbers for this format")
        got_lines = [e["line"] for e in events if e["kind"] == "restart"]
        assert len(got_lines) == out["segments"] - 1, (got_lines, out["segments"])
        core = [n for n in got_lines if n not in truth.optional_restarts]
        assert len(core) == len(truth.restarts), (got_lines, truth.restarts)
        for got, want in zip(core, truth.restarts):
            assert got in want, (got_lines, truth.restarts)


def test_every_public_sample_has_a_row() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES} not present")
    files = {p.name for p in SAMPLES.iterdir() if p.is_file()}
    assert files == set(PUBLIC), (
        "no row",
        sorted(files - set(PUBLIC)),
        "stale",
        set(PUBLIC) - files,
    )


def test_every_generated_log_is_in_the_manifest() -> None:
    if not (GENERATED / "manifest.json").is_file():
        pytest.skip(f"{GENERATED} not present")
    entries = [GENERATED / e["path"] for e in _manifest()]
    for p in GENERATED.rglob("*"):
        if not p.is_file() or p.name in GENERATED_DOCS:
            continue
        assert any(p == e or e in p.parents for e in entries), f"{p} has no manifest row"
