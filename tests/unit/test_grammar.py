"""The general line grammar, table-driven, on real lines and on realistic lines of each shape.

Real lines are read from ``../shared/logs/public/samples`` by line number (skipped when the
samples are absent); the realistic lines are written in the shape the named trainer prints
(the trainer is named in each case). Records are rebuilt from the run's snapshot, as in
``test_parsing.py``, so canonical names and the merging of lines into records are checked too.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import SHARED_LOGS
from tests.unit.test_parsing import assert_metrics, feed, records
from vaetui.core.formats.grammar import find_pairs
from vaetui.core.metrics import canonical_name, clean_key, resolve_names

SAMPLES = SHARED_LOGS / "public" / "samples"


def sample_line(name: str, number: int) -> str:
    """Line ``number`` (1-based) of a shared sample, decoded as the tool decodes it."""
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    lines = path.read_bytes().decode("utf-8", "replace").split("\n")
    return lines[number - 1].rstrip("\r")


# ---------------------------------------------------------------------------------------------
# Pairs on real lines: (sample, line number, pairs expected, names that must not be pairs).
# ---------------------------------------------------------------------------------------------
REAL_PAIRS = [
    (
        "bayou-kl-explosion.log",
        17,
        {"loss": 8.237, "gen_loss": 8.051, "Ret_loss": 8.237, "FS_loss": 7.963, "KL_loss": 13.235},
        (),
    ),
    ("bdcmf-tf-vae-latent-loss.log", 125, {"batch loss": 51.4538688659668}, ()),
    (
        "iridash-growth-vae-logging.log",
        None,
        {"Train Loss": 0.0484908, "Test Loss": 0.013528, "Lr": 0.0002},
        (),
    ),
    ("medvae-epoch-loss-crlf.txt", 1, {"Train Loss": 589.7353161072763}, ()),
    ("volsurface-vae-nan-divergence.log", None, {"H": 30.0, "p_gt": 0.13}, ()),
    ("d2-mask2former-log.txt", 1417, {"total_loss": 76.49, "loss_ce": 1.169}, ("eta",)),
]


@pytest.mark.parametrize(("name", "number", "want", "absent"), REAL_PAIRS)
def test_pairs_on_real_lines(name: str, number: int | None, want: dict, absent: tuple) -> None:
    if number is None:  # the first line holding the first expected key
        path = SAMPLES / name
        if not path.is_file():
            pytest.skip(f"{path} not present")
        text = path.read_text("utf-8", "replace").split("\n")
        key = next(iter(want))
        number = next(i for i, ln in enumerate(text, 1) if f"{key}=" in ln or f"{key}:" in ln)
        if name.startswith("volsurface"):
            number = 31  # `ep  26  H=30  p_gt=0.13 ...`
    got = find_pairs(sample_line(name, number))
    for key, value in want.items():
        assert got.get(key) == pytest.approx(value), (key, got)
    for key in absent:
        assert key not in got


# ---------------------------------------------------------------------------------------------
# Realistic lines of each shape the issue names: (text, [(step, metrics)]).
# ---------------------------------------------------------------------------------------------
SENTENCE_VAE = "".join(
    f"{split} Batch {it:04d}/{n - 1}, Loss {9 - ep - it / 1000:9.4f}, "
    f"NLL-Loss {8.9 - ep:9.4f}, KL-Loss {0.05 + ep:9.4f}, KL-Weight {0.002:6.3f}\n"
    + (f"{split} Epoch {ep:02d}/2, Mean ELBO {8 - ep:9.4f}\n" if it == n - 1 else "")
    for ep in range(2)
    for split, n in (("TRAIN", 3), ("VALID", 2))
    for it in range(n)
)

SHAPES = [
    # timbmg/Sentence-VAE-style prints: "name   value" pairs, commas, hyphenated names, the
    # batch counter printed without its epoch (it starts over: the next epoch), VALID lines
    # and epoch summaries attached to the step they follow.
    pytest.param(
        SENTENCE_VAE,
        [
            (0, {"total_loss": 9.0, "rec_loss": 8.9, "kl_loss": 0.05, "kl_weight": 0.002}),
            (1, {"total_loss": 8.999, "rec_loss": 8.9, "kl_loss": 0.05, "kl_weight": 0.002}),
            (
                2,
                {
                    "total_loss": 8.998,
                    "rec_loss": 8.9,
                    "kl_loss": 0.05,
                    "kl_weight": 0.002,
                    "mean_elbo": 8.0,
                    "val_loss": 9.0 - 0.001,
                    "val_nll_loss": 8.9,
                    "val_kl_loss": 0.05,
                    "val_kl_weight": 0.002,
                    "val_mean_elbo": 8.0,
                },
            ),
            (3, {"total_loss": 8.0, "rec_loss": 7.9, "kl_loss": 1.05, "kl_weight": 0.002}),
            (4, {"total_loss": 7.999, "rec_loss": 7.9, "kl_loss": 1.05, "kl_weight": 0.002}),
            (
                5,
                {
                    "total_loss": 7.998,
                    "rec_loss": 7.9,
                    "kl_loss": 1.05,
                    "kl_weight": 0.002,
                    "mean_elbo": 7.0,
                    "val_loss": 7.999,
                    "val_nll_loss": 7.9,
                    "val_kl_loss": 1.05,
                    "val_kl_weight": 0.002,
                    "val_mean_elbo": 7.0,
                },
            ),
        ],
        id="batch-counter-space-pairs",
    ),
    # Epoch blocks with names of several words, TRAINING / VALIDATION sections kept apart.
    pytest.param(
        "Epoch 1/2\n  TRAINING\n"
        "    Recon Loss_albedo: 0.0123 | Recon Loss: 0.019 | KL Loss: 3.21 |"
        " Total Training Loss: 0.45\n"
        "  VALIDATION\n    Recon Loss: 0.03 | KL Loss: 2.9 | Total Loss: 0.5\n"
        "Epoch 2/2\n  TRAINING\n"
        "    Recon Loss_albedo: 0.0120 | Recon Loss: 0.018 | KL Loss: 3.5 |"
        " Total Training Loss: 0.44\n",
        [
            (
                1,
                {
                    "recon_loss_albedo": 0.0123,
                    "rec_loss": 0.019,
                    "kl_loss": 3.21,
                    "total_loss": 0.45,
                    "val_recon_loss": 0.03,
                    "val_kl_loss": 2.9,
                    "val_total_loss": 0.5,
                },
            ),
            (
                2,
                {"recon_loss_albedo": 0.012, "rec_loss": 0.018, "kl_loss": 3.5, "total_loss": 0.44},
            ),
        ],
        id="epoch-blocks-sections",
    ),
    # JSON after a logging prefix: the step field is the step, phase sets the split, and a
    # null step is an evaluation row of the step before it.
    pytest.param(
        '2024-05-01 10:00:00,001 | INFO | METRICS {"phase": "train", "step": 25, "loss": 0.5,'
        ' "kl_loss": 300}\n'
        '2024-05-01 10:00:01,001 | INFO | METRICS {"phase": "train", "global_step": 50,'
        ' "loss": 0.4, "kl_loss": 310}\n'
        '2024-05-01 10:00:02,001 | INFO | METRICS {"phase": "val", "step": 50, "loss": 0.6}\n'
        '2024-05-01 10:00:03,001 | INFO | METRICS {"step": null, "loss": 0.7}\n',
        [
            (25, {"total_loss": 0.5, "kl_loss": 300.0}),
            (50, {"total_loss": 0.4, "kl_loss": 310.0, "val_loss": 0.6, "eval_loss": 0.7}),
        ],
        id="json-after-prefix",
    ),
    # Lightning's RichProgressBar written to a file: the metrics wrap onto indented lines.
    pytest.param(
        "Epoch 0/1  ━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 25/25 0:00:01 • 0:00:00 23.91it/s v_num: 0\n"
        + " " * 58
        + "loss: 0.025\n"
        + " " * 58
        + "rec_loss: 0.012\n"
        + " " * 58
        + "kl_loss: 44.944\n"
        "Epoch 1/1  ━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 25/25 0:00:01 • 0:00:00 24.00it/s v_num: 0\n"
        + " " * 58
        + "loss: 0.024 rec_loss: 0.011\n"
        + " " * 58
        + "kl_loss: 45.1\n",
        [
            (25, {"total_loss": 0.025, "rec_loss": 0.012, "kl_loss": 44.944}),
            (50, {"total_loss": 0.024, "rec_loss": 0.011, "kl_loss": 45.1}),
        ],
        id="rich-frame-wrapped",
    ),
    # Names in other scripts stay apart (and apart from each other).
    pytest.param(
        "step 1 训练损失=0.5 Потеря=0.4 kl=300\nstep 2 训练损失=0.45 Потеря=0.35 kl=310\n",
        [
            (1, {"训练损失": 0.5, "потеря": 0.4, "kl_loss": 300.0}),
            (2, {"训练损失": 0.45, "потеря": 0.35, "kl_loss": 310.0}),
        ],
        id="unicode-names",
    ),
    # Two names for one metric: the canonical name is judged, the alias kept by its name.
    pytest.param(
        "step 1 kl_loss=400 kl=0.031 rec_loss=0.01 mse=0.02 loss=0.5\n",
        [(1, {"kl_loss": 400.0, "kl": 0.031, "rec_loss": 0.01, "mse": 0.02, "total_loss": 0.5})],
        id="two-names-one-metric",
    ),
    pytest.param(
        '{"step": 1, "kl_loss": 400, "KL Loss": 0.031, "loss": 0.5}\n',
        [(1, {"kl_loss": 400.0, "kl_loss_2": 0.031, "total_loss": 0.5})],
        id="json-two-spellings",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SHAPES)
def test_shapes(text: str, expected: list) -> None:
    run = feed(text, "auto")
    got = records(run)
    assert [step for _seg, step, _v in got] == [float(s) for s, _m in expected], got
    for (_seg, _step, values), (_s, want) in zip(got, expected):
        assert_metrics(values, want)
    assert run.snapshot().segments == 1


def test_sources_say_which_key_feeds_each_canonical_metric() -> None:
    snap = feed("step 1 kl_loss=400 kl=0.031 Recon-Loss=0.01 loss=0.5\n").snapshot()
    assert snap.sources == {"kl_loss": "kl_loss", "rec_loss": "Recon-Loss", "total_loss": "loss"}
    assert snap.to_json()["sources"] == snap.sources


# ---------------------------------------------------------------------------------------------
# Aliases from real trainers, each on a realistic line of that trainer's shape.
# ---------------------------------------------------------------------------------------------
ALIAS_LINES = [
    # AntixK/PyTorch-VAE models return {"loss", "Reconstruction_Loss", "KLD"}; some recons_loss
    ("step 10 loss=0.5 Reconstruction_Loss=0.4 KLD=-10.2", "rec_loss", "Reconstruction_Loss"),
    ("step 10 loss=0.5 recons_loss=0.4 kld_loss=12.5", "rec_loss", "recons_loss"),
    ("step 10 loss=0.5 recons_loss=0.4 kld_loss=12.5", "kl_loss", "kld_loss"),
    ("Epoch 3 | reconstruct_loss: 0.031 | kl_loss: 410.2 | total: 0.08", "rec_loss", None),
    ("iter 200: recon 0.021, kl 350.0", "rec_loss", "recon"),
    ("2018-05-30 16:34:40,401 [INFO]: epoch 0: gen_loss=49.1, latent_loss=2.26", "kl_loss", None),
    # the nll of a VAE is its reconstruction term when nothing else is
    ("step 5 nll=81.2 kl=25.3 elbo=-106.5", "rec_loss", "nll"),
    ("step 5 nll_loss=0.3 rec_loss=0.02 kl_loss=500", "rec_loss", "rec_loss"),
    ("step 5 bce=0.3 kld=20.0", "rec_loss", "bce"),
    ("[epoch 2/10] Total Training Loss: 0.4 KL Loss: 310.0", "total_loss", None),
    ("step 7 neg_elbo=105.2 kl_term=25.3 rec_err=0.02", "kl_loss", "kl_term"),
    ("step 7 neg_elbo=105.2 kl_term=25.3 rec_err=0.02", "total_loss", "neg_elbo"),
    ("step 7 loss=0.3 kld_weight=0.00025 kl=200", "kl_weight", "kld_weight"),
]


@pytest.mark.parametrize(("line", "canonical", "source"), ALIAS_LINES)
def test_alias_on_a_realistic_line(line: str, canonical: str, source: str | None) -> None:
    snap = feed(line + "\n").snapshot()
    assert canonical in snap.metrics, sorted(snap.metrics)
    if source is not None:
        assert snap.sources[canonical] == source


# ---------------------------------------------------------------------------------------------
# Encodings, reruns.
# ---------------------------------------------------------------------------------------------
def test_utf8_bom_csv_and_jsonl() -> None:
    csv_run = feed(b"\xef\xbb\xbfepoch,step,train_loss\n0,49,0.5\n0,99,0.4\n", "auto")
    assert csv_run.format == "csv" and csv_run.snapshot().records == 2
    jl = b'\xef\xbb\xbf{"step": 10, "loss": 0.5}\n{"step": 20, "loss": 0.4}\n'
    run = feed(jl, "auto")
    assert run.format == "jsonl"
    assert [s for _g, s, _v in records(run)] == [10.0, 20.0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_a_bom_is_decoded(codec: str) -> None:
    text = "".join(f"step {i} loss={1 / i:.3f} KL-Loss=300\n" for i in range(1, 30))
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    snap = feed(data, "auto").snapshot()
    assert snap.records == 29 and "kl_loss" in snap.metrics and snap.bad_bytes == 0


def test_utf16_in_any_chunking() -> None:
    data = "".join(f"step {i} loss=0.{i}\n" for i in range(1, 9)).encode("utf-16")
    from vaetui.core.options import RunOptions
    from vaetui.core.run import Run

    run = Run("x", RunOptions())
    for i in range(len(data)):
        run.feed(data[i : i + 1])
    run.finish()
    assert run.snapshot().records == 8


def test_gzip_is_refused_by_name() -> None:
    snap = feed(gzip.compress(b"step 1 loss=0.5\n")).snapshot()
    assert snap.read_error is not None and "gzip-compressed" in snap.read_error
    assert snap.records == 0


def test_reruns_appended_to_one_file_each_start_a_segment() -> None:
    banner = "VAE(latent=16) kl_weight=0.001 lr=0.0002\n"
    run_text = "".join(f"step {s} loss={1 / (s + 1):.3f} kl_loss=300\n" for s in range(0, 50, 10))
    snap = feed(banner + run_text + banner + run_text + banner + run_text).snapshot()
    assert snap.segments == 3
    restarts = [e.line for e in snap.events if e.kind == "restart"]
    assert restarts == [7, 13]  # the banner of each new process


def test_epoch_blocks_that_start_over_are_a_rerun() -> None:
    block = "Epoch {e}\n  Train - loss: {v}, KL: 300\n"
    text = "".join(block.format(e=e, v=1 / e) for e in (1, 2, 3, 1, 2))
    snap = feed(text).snapshot()
    assert snap.segments == 2 and snap.records == 5


# ---------------------------------------------------------------------------------------------
# Properties.
# ---------------------------------------------------------------------------------------------
_LETTERS = st.sampled_from([*list("abcxyzKLRé"), "Ж", "损", "ß"])
_WORD = st.builds(
    lambda first, rest: first + rest,
    _LETTERS,
    st.text(alphabet=list("abcKL09_é"), max_size=5),
)
_JOIN = st.sampled_from(["_", "-", "/", ".", " "])


@st.composite
def names(draw: st.DrawFn) -> str:
    words = draw(st.lists(_WORD, min_size=1, max_size=4))
    out = words[0]
    for word in words[1:]:
        out += draw(_JOIN) + word
    return out


def _is_counter(name: str) -> bool:
    from vaetui.core.formats.text import is_counter_key

    return is_counter_key(name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names())
def test_a_name_round_trips_to_its_canonical_name(name: str) -> None:
    """Written on a line as ``name=value`` (and ``name: value``), any name of the grammar
    is read back as exactly the metric ``canonical_name`` gives it."""
    if _is_counter(name) or clean_key(name) in {"train", "test", "val", "valid", "eval"}:
        return
    expected = canonical_name(name)[0]
    assert clean_key(clean_key(name)) == clean_key(name)
    for sep in ("=", ": "):
        got = records(feed(f"step 3 {name}{sep}0.25 other_metric=1.5\n"))
        assert len(got) == 1
        assert got[0][2].get(expected) == 0.25, (name, got)
    assert resolve_names((name,)).columns == ((0, expected),)


_BLOCK_LOG = (
    SENTENCE_VAE
    + "".join(
        f"Epoch {e}\n  Train - CE: 0.{e}, KL: 2.{e}\n  Val   - CE: 0.{e}1, KL: 3.{e}\n"
        for e in range(1, 4)
    )
).encode()
_RICH_LOG = (
    "Epoch 0/1  ━━━━━━━━━━━━━━━━ 25/25 0:00:01 • 0:00:00 23.91it/s v_num: 0\n"
    "                      loss: 0.025\n                      kl_loss: 44.9\n"
    "Epoch 1/1  ━━━━━━━━━━━━━━━━ 25/25 0:00:01 • 0:00:00 23.91it/s v_num: 0\n"
    "                      loss: 0.024\n                      kl_loss: 45.1\n"
).encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([_BLOCK_LOG, _RICH_LOG]), st.lists(st.integers(1, 400), max_size=30))
def test_any_chunking_of_multi_line_records_gives_the_same_records(
    data: bytes, cuts: list[int]
) -> None:
    from vaetui.core.options import RunOptions
    from vaetui.core.run import Run

    whole = records(feed(data))
    run, at = Run("x", RunOptions()), 0
    for size in cuts:
        run.feed(data[at : at + size])
        at += size
    run.feed(data[at:])
    run.finish()
    assert records(run) == whole


# ---------------------------------------------------------------------------------------------
# --explain on every shared sample: no skipped line that a careful reader calls a metric line.
# ---------------------------------------------------------------------------------------------
#: A careful reader's metric line: a training counter followed by a number, and a loss-like
#: name with a value; written independently of the parser's grammar.
_COUNTER = r"\b(?:epoch|step|iter|iteration|batch)\b\s*[:=#\[]?\s*\d"
_LOSSY = r"(?i)\b\w*(?:loss|kl|kld|mse|recon?|elbo)\w*\b\s*[:=]?\s*[-+]?\d"


def _looks_like_metric_line(text: str) -> bool:
    import re

    return bool(re.search(_COUNTER, text, re.I) and re.search(_LOSSY, text))


def _samples() -> list[Path]:
    return sorted(SAMPLES.iterdir()) if SAMPLES.is_dir() else []


@pytest.mark.parametrize("path", _samples(), ids=lambda p: p.name)
def test_explain_skips_no_metric_line(path: Path) -> None:
    from vaetui.core.explain import explain_file

    found = explain_file(str(path))
    assert found.records > 0 and found.read
    metric_like = [g.example for g in found.skipped if _looks_like_metric_line(g.example)]
    assert not metric_like, metric_like
    for group in found.read:
        assert group.fields, group


def test_explain_json_and_exit_codes(tmp_path: Path) -> None:
    import contextlib
    import io

    from vaetui.cli import main

    log = tmp_path / "n.log"
    log.write_text("hello 3 times\nno metrics 42\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--explain", "--json", str(log)])
    doc = json.loads(out.getvalue())
    assert code == 65 and doc["records"] == 0 and doc["error"]["code"] == 65
    assert doc["skipped_with_numbers"] == 2
    assert "no metric lines" in err.getvalue()


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x1f\x8b"]).flatmap(
            lambda head: st.binary(max_size=40).map(lambda tail: head + tail)
        ),
    ),
    st.lists(st.integers(1, 8), max_size=10),
)
def test_the_first_bytes_are_read_alike_in_any_chunking(data: bytes, cuts: list[int]) -> None:
    from vaetui.core.encoding import ByteDecoder

    whole = ByteDecoder()
    expected = whole.feed(data) + whole.flush()
    pieces, at, dec = [], 0, ByteDecoder()
    for size in cuts:
        pieces.append(dec.feed(data[at : at + size]))
        at += size
    pieces += [dec.feed(data[at:]), dec.flush()]
    assert b"".join(pieces) == expected and dec.refused == whole.refused


def test_bytes_that_only_start_like_a_utf16_mark_stay_bytes() -> None:
    snap = feed(b"\xff\xfe\xc3(garbage\nstep 1 loss=0.5 kl=300\n").snapshot()
    assert snap.records == 1


def test_an_indented_line_with_its_own_step_is_not_a_continuation() -> None:
    got = records(feed("step 1 loss=0.5 kl=300\n  step 2 loss=0.4 kl=301\n"))
    assert [s for _g, s, _v in got] == [1.0, 2.0]


def test_nan_between_space_separated_pairs_is_a_value_not_part_of_a_name() -> None:
    """``loss nan rec nan``: each NaN belongs to its own loss (a diverged run must read so)."""
    pairs = find_pairs("[epoch 25 | step 610] loss nan rec nan kl inf beta 0.0001")
    assert set(pairs) >= {"loss", "rec", "kl", "beta"}
    assert math.isnan(pairs["loss"]) and math.isnan(pairs["rec"]) and pairs["kl"] == math.inf
