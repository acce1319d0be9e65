"""The parsers, table-driven, on real lines from ``../shared/logs``.

Every ``text`` below is copied byte for byte from a file under ``shared/logs/generated`` or
``shared/logs/public/samples`` (the file is named in the case id's comment), unless the
comment says *constructed*: a few spellings the SPEC requires (``tensor(...)`` values, ``inf``,
ANSI colours, aliases) do not occur in the shared samples and are written here in the shape
a trainer prints them.

Each case is read the way ``vaetui check`` reads a file (bytes -> :class:`vaetui.core.run.Run`),
and the records are rebuilt from the snapshot's history, so merging of repeated steps
(tqdm refreshes) and canonical names are part of what is checked.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.support.paths import SHARED_LOGS
from vaetui.core.formats import make_parser, sniff
from vaetui.core.lines import TextBlock
from vaetui.core.metrics import canonicalize
from vaetui.core.options import RunOptions
from vaetui.core.run import Run

NAN = math.nan
INF = math.inf

#: Bookkeeping numbers some parsers keep and others drop (timings, memory); a case's
#: expectation may leave them out, but when it lists one the value must match.
OPTIONAL_KEYS = frozenset({"time", "data_time", "eta", "eta_seconds", "memory", "max_mem", "dt"})


def feed(data: str | bytes, fmt: str = "kv") -> Run:
    """Read ``data`` with a :class:`Run` the way ``vaetui check`` does."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    run = Run("case.log", RunOptions(fmt=fmt))
    run.feed(raw)
    run.finish()
    return run


def records(run: Run) -> list[tuple[int, float, dict[str, float]]]:
    """``(segment, step, {metric: value})`` for every record, rebuilt from the history."""
    rows: dict[tuple[int, float], dict[str, float]] = {}
    for name, series in run.snapshot().history.items():
        for step, value, seg in zip(series.steps, series.values, series.segments):
            rows.setdefault((int(seg), float(step)), {})[name] = float(value)
    return [(seg, step, values) for (seg, step), values in sorted(rows.items())]


class Subset(dict):
    """An expectation that names only some of a record's metrics (the rest are not checked)."""


def same_number(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=1e-12)


def assert_metrics(got: dict[str, float], want: dict[str, float], exact: bool = True) -> None:
    for key, value in want.items():
        assert key in got, f"missing {key!r}: got {got}"
        assert same_number(got[key], value), f"{key}: got {got[key]!r}, want {value!r}"
    if exact:
        extra = set(got) - set(want) - OPTIONAL_KEYS
        assert not extra, f"unexpected metrics {sorted(extra)} in {got}"


# ---------------------------------------------------------------------------------------------
# The table: (text, format, [(step, metrics), ...]); an empty list means "not a record".
# ---------------------------------------------------------------------------------------------

PLAIN_BANNER = (
    "VAE(latent=32, mlp 64-256-128) on digits 8x8: n_train=1600 batch=64 epochs=40 "
    "steps=1000 lr=0.001 kl_weight=0.0001 perc_weight=0 seed=0\n"
)
PLAIN_STEP_10 = "step 10 loss=0.111119 rec_loss=0.110854 kl_loss=2.6544 kl_weight=0.0001 lr=0.001\n"
PLAIN_STEP_10_METRICS = {
    "total_loss": 0.111119,
    "rec_loss": 0.110854,
    "kl_loss": 2.6544,
    "kl_weight": 0.0001,
    "lr": 0.001,
}

LIGHTNING_POSTFIX_1 = (
    "v_num=0, loss=0.205, rec_loss=0.180, kl_loss=0.168, perception_loss=0.499, "
    "kl_weight=0.0001, lr=0.001]"
)
LIGHTNING_POSTFIX_2 = (
    "v_num=0, loss=0.198, rec_loss=0.174, kl_loss=0.181, perception_loss=0.490, "
    "kl_weight=0.0001, lr=0.001]"
)
LIGHTNING_END_OF_EPOCH_0 = (
    "v_num=0, loss=0.0981, rec_loss=0.0749, kl_loss=6.950, perception_loss=0.451, "
    "kl_weight=0.0001, lr=0.001]"
)

CASES = [
    # generated/plain/healthy.log lines 1-2: a banner, then a print() record.
    pytest.param(PLAIN_BANNER + PLAIN_STEP_10, "kv", [(10, PLAIN_STEP_10_METRICS)], id="plain-kv"),
    # generated/plain/healthy.log line 1 alone: a config banner is not a record.
    pytest.param(PLAIN_BANNER, "kv", [], id="plain-banner-not-a-record"),
    # generated/logging/healthy.log lines 1-2: logging prefix, `key: value | ...`, 1.00e-04.
    pytest.param(
        "2026-11-24 13:40:01,873 INFO vae.train: VAE(latent=32, mlp 64-256-128) on digits 8x8:"
        " n_train=1600 batch=64 epochs=40 steps=1000 lr=0.001 kl_weight=0.0001"
        " perc_weight=0.05 seed=0\n"
        "2026-11-24 13:40:01,897 INFO vae.train: epoch 1 step 10/1000 | loss: 0.13624 |"
        " rec_loss: 0.11207 | kl_loss: 2.453 | perception_loss: 0.47845 | kl_weight: 1.00e-04"
        " | lr: 1.00e-03\n",
        "kv",
        [
            (
                10,
                {
                    "total_loss": 0.13624,
                    "rec_loss": 0.11207,
                    "kl_loss": 2.453,
                    "perception_loss": 0.47845,
                    "kl_weight": 1e-4,
                    "lr": 1e-3,
                },
            )
        ],
        id="logging",
    ),
    # generated/logging/diverge.log lines 62-63: the WARNING line (loss=nan) is not a
    # record; the next line is, with `nan` values.
    pytest.param(
        "2026-11-24 13:40:12,523 WARNING vae.train: non-finite loss detected (loss=nan);"
        " continuing\n"
        "2026-11-24 13:40:12,523 INFO vae.train: epoch 25 step 610/1000 | loss: nan |"
        " rec_loss: nan | kl_loss: nan | perception_loss: nan | kl_weight: 1.00e-04 |"
        " lr: 3.00e+00\n",
        "kv",
        [
            (
                610,
                {
                    "total_loss": NAN,
                    "rec_loss": NAN,
                    "kl_loss": NAN,
                    "perception_loss": NAN,
                    "kl_weight": 1e-4,
                    "lr": 3.0,
                },
            )
        ],
        id="logging-nan",
    ),
    # generated/tqdm/healthy.log: banner, then `\r` refreshes on one physical line; the
    # 0/1000 bar has no postfix; postfix keys sorted, 3 significant digits.
    pytest.param(
        PLAIN_BANNER + "\rtrain:   0%|          | 0/1000 [00:00<?, ?step/s]"
        "\rtrain:   1%|          | 10/1000 [00:00<00:02, 433.09step/s, kl_loss=2.65,"
        " kl_weight=0.0001, loss=0.111, lr=0.001, rec_loss=0.111]"
        "\rtrain:   2%|▏         | 20/1000 [00:00<00:02, 469.35step/s, kl_loss=14.2,"
        " kl_weight=0.0001, loss=0.0795, lr=0.001, rec_loss=0.0781]",
        "kv",
        [
            (
                10,
                {
                    "kl_loss": 2.65,
                    "kl_weight": 0.0001,
                    "total_loss": 0.111,
                    "lr": 0.001,
                    "rec_loss": 0.111,
                },
            ),
            (
                20,
                {
                    "kl_loss": 14.2,
                    "kl_weight": 0.0001,
                    "total_loss": 0.0795,
                    "lr": 0.001,
                    "rec_loss": 0.0781,
                },
            ),
        ],
        id="tqdm-postfix",
    ),
    # generated/tqdm/healthy.log: tqdm redraws n=50 first with the stale postfix of step 40,
    # then with the new one: one record at 50, holding the newer values.
    pytest.param(
        "\rtrain:   4%|▍         | 40/1000 [00:00<00:01, 484.70step/s, kl_loss=1.88,"
        " kl_weight=0.0001, loss=0.0758, lr=0.001, rec_loss=0.0756]"
        "\rtrain:   5%|▌         | 50/1000 [00:00<00:01, 488.45step/s, kl_loss=1.88,"
        " kl_weight=0.0001, loss=0.0758, lr=0.001, rec_loss=0.0756]"
        "\rtrain:   5%|▌         | 50/1000 [00:00<00:01, 488.45step/s, kl_loss=1.35,"
        " kl_weight=0.0001, loss=0.0771, lr=0.001, rec_loss=0.0769]",
        "kv",
        [
            (
                40,
                {
                    "kl_loss": 1.88,
                    "kl_weight": 0.0001,
                    "total_loss": 0.0758,
                    "lr": 0.001,
                    "rec_loss": 0.0756,
                },
            ),
            (
                50,
                {
                    "kl_loss": 1.35,
                    "kl_weight": 0.0001,
                    "total_loss": 0.0771,
                    "lr": 0.001,
                    "rec_loss": 0.0769,
                },
            ),
        ],
        id="tqdm-repeated-n-keeps-last",
    ),
    # generated/lightning/healthy.stdout.log, the start of epoch 0: bars without postfix,
    # then each n drawn with the previous postfix and then its own; v_num is not a metric.
    pytest.param(
        "\rEpoch 0:   0%|          | 0/25 [00:00<?, ?it/s]"
        "\rEpoch 0:   4%|▍         | 1/25 [00:00<00:00, 61.66it/s]"
        "\rEpoch 0:   4%|▍         | 1/25 [00:00<00:00, 60.60it/s, " + LIGHTNING_POSTFIX_1 + ""
        "\rEpoch 0:   8%|▊         | 2/25 [00:00<00:00, 92.06it/s, " + LIGHTNING_POSTFIX_1 + ""
        "\rEpoch 0:   8%|▊         | 2/25 [00:00<00:00, 91.32it/s, " + LIGHTNING_POSTFIX_2,
        "kv",
        [
            (
                1,
                {
                    "total_loss": 0.205,
                    "rec_loss": 0.180,
                    "kl_loss": 0.168,
                    "perception_loss": 0.499,
                    "kl_weight": 0.0001,
                    "lr": 0.001,
                },
            ),
            (
                2,
                {
                    "total_loss": 0.198,
                    "rec_loss": 0.174,
                    "kl_loss": 0.181,
                    "perception_loss": 0.490,
                    "kl_weight": 0.0001,
                    "lr": 0.001,
                },
            ),
        ],
        id="lightning-bar",
    ),
    # generated/lightning/healthy.stdout.log, epoch 0 -> 1: after 25/25 the bar is redrawn at
    # 0/25 (twice, once per epoch label) carrying the stale postfix. That is NOT a record
    # (no step 0, no restart); epoch 1's counter continues at 25 + 1.
    pytest.param(
        "\rEpoch 0: 100%|██████████| 25/25 [00:00<00:00, 179.67it/s, "
        + LIGHTNING_END_OF_EPOCH_0
        + "\rEpoch 0:   0%|          | 0/25 [00:00<?, ?it/s, "
        + LIGHTNING_END_OF_EPOCH_0
        + "          "
        "\rEpoch 1:   0%|          | 0/25 [00:00<?, ?it/s, " + LIGHTNING_END_OF_EPOCH_0 + ""
        "\rEpoch 1:   4%|▍         | 1/25 [00:00<00:00, 201.05it/s, "
        + LIGHTNING_END_OF_EPOCH_0
        + "\rEpoch 1:   4%|▍         | 1/25 [00:00<00:00, 194.87it/s, v_num=0, loss=0.0982,"
        " rec_loss=0.0749, kl_loss=5.660, perception_loss=0.454, kl_weight=0.0001, lr=0.001]",
        "kv",
        [
            (
                25,
                {
                    "total_loss": 0.0981,
                    "rec_loss": 0.0749,
                    "kl_loss": 6.950,
                    "perception_loss": 0.451,
                    "kl_weight": 0.0001,
                    "lr": 0.001,
                },
            ),
            (
                26,
                {
                    "total_loss": 0.0982,
                    "rec_loss": 0.0749,
                    "kl_loss": 5.660,
                    "perception_loss": 0.454,
                    "kl_weight": 0.0001,
                    "lr": 0.001,
                },
            ),
        ],
        id="lightning-0-of-25-is-not-a-record",
    ),
    # generated/lightning/diverge.stdout.log: two bars of epoch 0 (fixing 0-based epochs),
    # then epoch 24 where the loss turns `nan.0` and KL `inf.0` at 2/25 = step 602.
    pytest.param(
        "\rEpoch 0:   4%|▍         | 1/25 [00:00<00:00, 36.81it/s, " + LIGHTNING_POSTFIX_1 + ""
        "\rEpoch 0:   8%|▊         | 2/25 [00:00<00:00, 57.84it/s, " + LIGHTNING_POSTFIX_2 + ""
        "\rEpoch 24:   4%|▍         | 1/25 [00:00<00:00, 195.86it/s, v_num=0, loss=0.0291,"
        " rec_loss=0.0145, kl_loss=42.60, perception_loss=0.207, kl_weight=0.0001, lr=3.000]"
        "\rEpoch 24:   8%|▊         | 2/25 [00:00<00:00, 197.50it/s, v_num=0, loss=nan.0,"
        " rec_loss=nan.0, kl_loss=inf.0, perception_loss=nan.0, kl_weight=0.0001, lr=3.000]  ",
        "kv",
        [
            (1, Subset(total_loss=0.205)),
            (2, Subset(total_loss=0.198)),
            (
                601,
                {
                    "total_loss": 0.0291,
                    "rec_loss": 0.0145,
                    "kl_loss": 42.60,
                    "perception_loss": 0.207,
                    "kl_weight": 0.0001,
                    "lr": 3.0,
                },
            ),
            (
                602,
                {
                    "total_loss": NAN,
                    "rec_loss": NAN,
                    "kl_loss": INF,
                    "perception_loss": NAN,
                    "kl_weight": 0.0001,
                    "lr": 3.0,
                },
            ),
        ],
        id="lightning-nan.0-inf.0",
    ),
    # generated/jsonl/healthy.jsonl line 1 and generated/jsonl/diverge.jsonl (bare NaN).
    pytest.param(
        '{"step": 10, "epoch": 1, "loss": 0.13624170422554016, "rec_loss": 0.11207379400730133,'
        ' "kl_loss": 2.4532456398010254, "perception_loss": 0.47845184803009033,'
        ' "kl_weight": 0.0001, "lr": 0.001, "time": 1795527633.353}\n'
        '{"step": 610, "epoch": 25, "loss": NaN, "rec_loss": NaN, "kl_loss": NaN,'
        ' "perception_loss": NaN, "kl_weight": 0.0001, "lr": 3.0, "time": 1795527642.583}\n',
        "jsonl",
        [
            (
                10,
                {
                    "total_loss": 0.13624170422554016,
                    "rec_loss": 0.11207379400730133,
                    "kl_loss": 2.4532456398010254,
                    "perception_loss": 0.47845184803009033,
                    "kl_weight": 0.0001,
                    "lr": 0.001,
                },
            ),
            (
                610,
                {
                    "total_loss": NAN,
                    "rec_loss": NAN,
                    "kl_loss": NAN,
                    "perception_loss": NAN,
                    "kl_weight": 0.0001,
                    "lr": 3.0,
                },
            ),
        ],
        id="jsonl-bare-NaN",
    ),
    # constructed: what json.dumps writes for an infinite loss.
    pytest.param(
        '{"step": 1600, "loss": Infinity, "rec_loss": 1.25, "kl_loss": -Infinity}\n',
        "jsonl",
        [(1600, {"total_loss": INF, "rec_loss": 1.25, "kl_loss": -INF})],
        id="jsonl-Infinity",
    ),
    # public/samples/d2-mask2former-metrics.json line 1 (shortened to its first keys + total).
    pytest.param(
        '{"data_time": 0.0028266954759601504, "eta_seconds": 851.8058475258294,'
        ' "iteration": 19, "loss_ce": 1.1687584519386292, "loss_ce_0": 0.9823849201202393}\n',
        "jsonl",
        [(19, {"loss_ce": 1.1687584519386292, "loss_ce_0": 0.9823849201202393})],
        id="jsonl-detectron2-iteration",
    ),
    # generated/lightning/healthy/version_0/metrics.csv lines 1-2 (CRLF, float32 values).
    pytest.param(
        "epoch,kl_loss,kl_weight,loss,lr,perception_loss,rec_loss,step\r\n"
        "0,2.530895948410034,9.999999747378752e-05,0.13642656803131104,0.0010000000474974513,"
        "0.4813242554664612,0.11210726946592331,9\r\n",
        "csv",
        [
            (
                9,
                {
                    "kl_loss": 2.530895948410034,
                    "kl_weight": 9.999999747378752e-05,
                    "total_loss": 0.13642656803131104,
                    "lr": 0.0010000000474974513,
                    "perception_loss": 0.4813242554664612,
                    "rec_loss": 0.11210726946592331,
                },
            )
        ],
        id="csv-lightning-crlf",
    ),
    # public/samples/anican-pytorchvae-lightning-metrics.csv lines 1-4: no step column, empty
    # cells, a created_at timestamp, and a row holding only an epoch (not a record).
    pytest.param(
        "loss,MSE,KLD,created_at,epoch,avg_val_loss\n"
        "2.212789535522461,2.160189151763916,-10.273494720458984,2020-08-16 12:26:41.781433,,\n"
        ",,,2020-08-16 12:26:42.025141,0.0,\n"
        "2.3654062747955322,2.3225204944610596,-8.376138687133789,2020-08-16 12:26:42.105905,,\n",
        "csv",
        [
            (
                0,
                {
                    "total_loss": 2.212789535522461,
                    "rec_loss": 2.160189151763916,
                    "kl_loss": -10.273494720458984,
                },
            ),
            (
                1,
                {
                    "total_loss": 2.3654062747955322,
                    "rec_loss": 2.3225204944610596,
                    "kl_loss": -8.376138687133789,
                },
            ),
        ],
        id="csv-empty-cells",
    ),
    # public/samples/kmhyun-ae-lightning-metrics-crlf.csv lines 1-3: train_loss is the total.
    pytest.param(
        "epoch,step,train_loss\r\n0,49,0.09713530540466309\r\n0,99,0.09743830561637878\r\n",
        "csv",
        [(49, {"total_loss": 0.09713530540466309}), (99, {"total_loss": 0.09743830561637878})],
        id="csv-train_loss",
    ),
    # public/samples/mmengine-mmpretrain-epoch.log lines 729 and 734: Epoch(train) [e][i/N].
    pytest.param(
        "2023/06/08 17:13:58 - mmengine - INFO - Epoch(train)   [1][100/101]  lr: 1.0000e-01"
        "  eta: 1:43:01  time: 0.1435  data_time: 0.0003  memory: 2928  loss: 3.3404\n"
        "2023/06/08 17:14:29 - mmengine - INFO - Epoch(train)   [2][100/101]  lr: 1.0000e-01"
        "  eta: 1:15:20  time: 0.1439  data_time: 0.0004  memory: 2928  loss: 3.0095\n",
        "kv",
        [(100, {"lr": 0.1, "total_loss": 3.3404}), (201, {"lr": 0.1, "total_loss": 3.0095})],
        id="mmengine-epoch",
    ),
    # public/samples/mmengine-pspnet-iter-resumed.log: Iter(train) [ 4050/40000], dotted keys.
    pytest.param(
        "2023/06/16 15:16:10 - mmengine - INFO - Iter(train) [ 4050/40000]  lr: 9.0933e-03"
        "  eta: 2:34:42  time: 0.1671  data_time: 0.0021  memory: 18780  loss: 0.2620"
        "  decode.loss_ce: 0.1722  decode.acc_seg: 97.1951  aux.loss_ce: 0.0899"
        "  aux.acc_seg: 97.1368\n",
        "kv",
        [
            (
                4050,
                {
                    "lr": 9.0933e-03,
                    "total_loss": 0.2620,
                    "decode_loss_ce": 0.1722,
                    "decode_acc_seg": 97.1951,
                    "aux_loss_ce": 0.0899,
                    "aux_acc_seg": 97.1368,
                },
            )
        ],
        id="mmengine-iter",
    ),
    # public/samples/d2-mask2former-log.txt line 1417, whole.
    pytest.param(
        "[08/30 23:00:36] d2.utils.events INFO:  eta: 0:14:11  iter: 19  total_loss: 76.49"
        "  loss_ce: 1.169  loss_mask: 1.163  loss_dice: 4.977  loss_ce_0: 0.9824"
        "  loss_mask_0: 0.8712  loss_dice_0: 4.887  loss_ce_1: 1.1  loss_mask_1: 0.6911"
        "  loss_dice_1: 4.884  loss_ce_2: 1.392  loss_mask_2: 0.5067  loss_dice_2: 4.966"
        "  loss_ce_3: 1.527  loss_mask_3: 0.8434  loss_dice_3: 4.915  loss_ce_4: 2.108"
        "  loss_mask_4: 1.149  loss_dice_4: 4.929  loss_ce_5: 2.259  loss_mask_5: 1.72"
        "  loss_dice_5: 4.916  loss_ce_6: 2.273  loss_mask_6: 0.8351  loss_dice_6: 4.966"
        "  loss_ce_7: 2.303  loss_mask_7: 0.7504  loss_dice_7: 4.909  loss_ce_8: 1.807"
        "  loss_mask_8: 1.554  loss_dice_8: 4.849  loss_mgm_entropy: 0.006824    time: 0.4259"
        "  last_time: 0.4296  data_time: 0.0289  last_data_time: 0.0025   lr: 4.762e-07"
        "  max_mem: 15533M\n",
        "kv",
        [
            (
                19,
                Subset(
                    total_loss=76.49,
                    loss_ce=1.169,
                    loss_mask_8=1.554,
                    loss_mgm_entropy=0.006824,
                    lr=4.762e-07,
                ),
            )
        ],
        id="detectron2-iter",
    ),
    # public/samples/kerasio-vae-fit-keras2.log lines 4-7: `Epoch 1/30` then the bar line.
    pytest.param(
        "Epoch 1/30\n"
        "547/547 [==============================] - 13s 24ms/step - loss: 253.6647"
        " - reconstruction_loss: 205.1592 - kl_loss: 3.9604\n"
        "Epoch 2/30\n"
        "547/547 [==============================] - 13s 24ms/step - loss: 175.3276"
        " - reconstruction_loss: 166.0741 - kl_loss: 5.6646\n",
        "kv",
        [
            (547, {"total_loss": 253.6647, "rec_loss": 205.1592, "kl_loss": 3.9604}),
            (1094, {"total_loss": 175.3276, "rec_loss": 166.0741, "kl_loss": 5.6646}),
        ],
        id="keras-epoch-bar",
    ),
    # public/samples/volsurface-vae-nan-divergence.log lines 31-32: `ep N`, unit suffix `20.2s`,
    # lower-case nan; `val` is an evaluation metric, not the total.
    pytest.param(
        "ep  26  H=30  p_gt=0.13  train_total=1.0800  val=3.1141  dt=20.6s\n"
        "ep  27  H=30  p_gt=0.10  train_total=nan  val=nan  dt=20.2s\n",
        "kv",
        [
            (26, {"h": 30.0, "p_gt": 0.13, "total_loss": 1.08, "val": 3.1141, "dt": 20.6}),
            (27, {"h": 30.0, "p_gt": 0.10, "total_loss": NAN, "val": NAN, "dt": 20.2}),
        ],
        id="ep-kv-nan-units",
    ),
    # public/samples/bayou-kl-explosion.log line 17: leading n/N counter, `Ret_loss 8.237`.
    pytest.param(
        "1920/191900 (epoch 1) loss: 8.237, gen_loss: 8.051, Ret_loss 8.237, FS_loss 7.963,"
        " KL_loss: 13.235, \n",
        "kv",
        [
            (
                1920,
                {
                    "total_loss": 8.237,
                    "gen_loss": 8.051,
                    "ret_loss": 8.237,
                    "fs_loss": 7.963,
                    "kl_loss": 13.235,
                },
            )
        ],
        id="bayou-KL_loss",
    ),
    # public/samples/bdcmf-tf-vae-latent-loss.log line 125: latent_loss is the KL. (Whether
    # `batch loss` is the total is not in SPEC's alias table, so it is not checked here.)
    pytest.param(
        "2018-05-30 16:34:40,401 [INFO]: epoch 0: batch loss = 51.4538688659668,"
        " gen_loss=49.19038391113281, latent_loss=2.2634849548339844\n",
        "kv",
        [(0, Subset(gen_loss=49.19038391113281, kl_loss=2.2634849548339844))],
        id="bdcmf-latent_loss",
    ),
    # public/samples/medvae-epoch-loss-crlf.txt line 1: Val Loss is kept apart from the total.
    pytest.param(
        "Epoch 1: Train Loss: 589.7353161072763, Val Loss: 444.99965888365637\r\n",
        "kv",
        [(1, {"total_loss": 589.7353161072763, "val_loss": 444.99965888365637})],
        id="train-loss-vs-val-loss",
    ),
    # public/samples/nicky-loguru-mltrainer-nan.log: `train 3.16 test 2.38`, space-separated.
    pytest.param(
        "2024-06-20 11:13:21.307 | INFO     | mltrainer.trainer:report:191 - Epoch 1 train"
        " 2.3496 test 2.3209 metric ['2.3209']\n",
        "kv",
        [(1, {"total_loss": 2.3496, "test_loss": 2.3209})],
        id="loguru-train-test",
    ),
    # public/samples/larkkin-vae-pytorch-example.log: `Train Epoch: 0 [2560/60000 (4%)]`.
    pytest.param(
        "2018-11-17 03:07:27,406 | Train Epoch: 0 [2560/60000 (4%)]\tLoss: 513.032227\n",
        "kv",
        [(2560, {"total_loss": 513.032227})],
        id="pytorch-example-bracket",
    ),
    # public/samples/bicyclegan-vaegan-loss-log.txt: the (re)start header is not a record;
    # `kl: 0.001` is the KL.
    pytest.param(
        "================ Training Loss (Mon Mar 11 09:27:59 2019) ================\n"
        "(epoch: 1, iters: 100, time: 0.053, data: 0.379) G_GAN: 7.024 D: 2.485 G_L1: 8.070"
        " z_L1: 0.413 kl: 0.001 \n",
        "kv",
        [
            (
                100,
                {
                    "g_gan": 7.024,
                    "d": 2.485,
                    "g_l1": 8.070,
                    "z_l1": 0.413,
                    "kl_loss": 0.001,
                    "data": 0.379,
                },
            )
        ],
        id="bicyclegan",
    ),
    # public/samples/d2-mask2former-log.txt line 1405: ANSI-coloured table row, not a record.
    pytest.param("\x1b[36m|  category  | #instances   |\n", "kv", [], id="ansi-table-row"),
    # public/samples/rfeats-vae-logging-crlf.log line 1: a Namespace(...) dump is not a record.
    pytest.param(
        "2024-09-01 00:43:17,674 - train_vae - INFO - Namespace(seed=0, data_dir='data/',"
        " epochs=50, batch_size=16, num_workers=4)\r\n",
        "kv",
        [],
        id="namespace-banner",
    ),
    # public/samples/larkkin-vae-pytorch-example.log: a test-set summary is not a train record.
    pytest.param(
        "2018-11-17 03:08:02,519 | ====> Test set loss: 296.3287\n", "kv", [], id="test-set-line"
    ),
    # public/samples/ozyurtf-temporal-torchrun-tqdm.log: `[Temporal] epoch 1 total=...` is a
    # record; the step-less `[unc_weights] latent=...` line after it is not.
    pytest.param(
        "[Temporal] epoch    1  total=1.4713  latent=0.0376  flow=1.2287  occ=0.3731"
        "  warp=0.0065  residual=0.0398  state=0.5912  collision=0.1581\n"
        "  [unc_weights] latent=1.234  flow=0.835  occ=1.173  warp=1.232  residual=1.231\n",
        "kv",
        [
            (
                1,
                {
                    "total_loss": 1.4713,
                    "latent": 0.0376,
                    "flow": 1.2287,
                    "occ": 0.3731,
                    "warp": 0.0065,
                    "residual": 0.0398,
                    "state": 0.5912,
                    "collision": 0.1581,
                },
            )
        ],
        id="bracket-tag-epoch",
    ),
    # constructed from generated/plain/healthy.log line 2 with colour codes and a cursor-up
    # (nested tqdm bars emit `\x1b[A`): the escapes must not change the record.
    pytest.param(
        "\x1b[A\x1b[1m\x1b[32mstep 10\x1b[0m loss=0.111119 \x1b[33mrec_loss=0.110854\x1b[0m"
        " kl_loss=2.6544 kl_weight=0.0001 lr=0.001\x1b]0;title\x07\n",
        "kv",
        [(10, PLAIN_STEP_10_METRICS)],
        id="ansi-coloured-record",
    ),
    # constructed: exponents and infinities as Python prints them.
    pytest.param(
        "step 20 loss=inf rec_loss=1e-4 kl_loss=-inf kl_weight=1E-4 lr=2.5e+00 g_loss=.5\n",
        "kv",
        [
            (
                20,
                {
                    "total_loss": INF,
                    "rec_loss": 1e-4,
                    "kl_loss": -INF,
                    "kl_weight": 1e-4,
                    "lr": 2.5,
                    "g_loss": 0.5,
                },
            )
        ],
        id="exponent-and-inf",
    ),
    # constructed (SPEC's value spelling): printing a loss tensor instead of .item().
    pytest.param(
        "step 600 loss=tensor(0.1501, device='cuda:0', grad_fn=<AddBackward0>)"
        " rec_loss=tensor(0.0119, device='cuda:0') kl_loss: tensor(509.2, device='cuda:0')\n",
        "kv",
        [(600, {"total_loss": 0.1501, "rec_loss": 0.0119, "kl_loss": 509.2})],
        id="tensor-values",
    ),
    # public/samples/zged-seqdecoder-tqdm-gbk-crlf.log: GBK bar glyphs (invalid UTF-8), postfix
    # with a unit (acc=27.7%), n repeated three times.
    pytest.param(
        b"\rEpoch 1:   2%|\xa8\x87         | 1/48 [00:00<00:38,  1.23it/s, CE=4.576, KL=1.673,"
        b" pole=0.357, acc=1.8%]\rEpoch 1:   2%|\xa8\x87         | 1/48 [00:00<00:38,  1.23it/s,"
        b" CE=3.523, KL=1.548, pole=0.269, acc=19.0%]\rEpoch 1:   2%|\xa8\x87         | 1/48"
        b" [00:00<00:38,  1.23it/s, CE=2.913, KL=1.453, pole=0.267, acc=27.7%]\rEpoch 1:   6%|"
        b"\xa8\x83         | 3/48 [00:00<00:12,  3.58it/s, CE=2.913, KL=1.453, pole=0.267,"
        b" acc=27.7%]\r\n",
        "kv",
        [
            (1, {"ce": 2.913, "kl_loss": 1.453, "pole": 0.267, "acc": 27.7}),
            (3, {"ce": 2.913, "kl_loss": 1.453, "pole": 0.267, "acc": 27.7}),
        ],
        id="tqdm-gbk-bytes",
    ),
]


@pytest.mark.parametrize(("text", "fmt", "expected"), CASES)
def test_real_lines(text: str | bytes, fmt: str, expected: list) -> None:
    run = feed(text, fmt)
    got = records(run)
    assert [step for _seg, step, _values in got] == [float(s) for s, _m in expected]
    assert all(seg == 0 for seg, _step, _values in got), "no case here holds a restart"
    for (_seg, _step, values), (_s, want) in zip(got, expected):
        assert_metrics(values, want, exact=not isinstance(want, Subset))
    snap = run.snapshot()
    assert snap.records == len(expected)
    assert snap.segments == (1 if expected else 0)


def test_gbk_bytes_are_replaced_and_counted() -> None:
    run = feed(b"\rEpoch 1:   2%|\xa8\x87         | 1/48 [00:00<00:38,  1.23it/s, KL=1.673]\n")
    snap = run.snapshot()
    assert snap.bad_bytes >= 1
    assert snap.records == 1


def test_parser_classes_directly() -> None:
    """The same lines through the parser API: raw keys in, canonical after canonicalize."""
    text = (
        "2026-11-24 13:40:01,897 INFO vae.train: epoch 1 step 10/1000 | loss: 0.13624 |"
        " rec_loss: 0.11207 | kl_loss: 2.453 | perception_loss: 0.47845 | kl_weight: 1.00e-04"
        " | lr: 1.00e-03\n"
    )
    recs = make_parser("kv").parse(TextBlock(text, 7))
    assert len(recs) == 1
    assert recs[0].step == 10
    assert recs[0].line == 7
    values, rec_type = canonicalize(recs[0].values)
    assert values["total_loss"] == 0.13624
    assert values["kl_weight"] == 1e-4
    assert rec_type is None

    recs = make_parser("jsonl").parse(
        TextBlock('{"iteration": 19, "loss_kl": NaN, "mse": 0.01}\n{"step": 20}\n', 1)
    )
    assert [r.step for r in recs] == [19]
    values, rec_type = canonicalize(recs[0].values)
    assert math.isnan(values["kl_loss"])
    assert values["rec_loss"] == 0.01
    assert rec_type == "mse"

    recs = make_parser("csv").parse(TextBlock("step,kld,recon_loss\n5,,0.25\n6,3.5,\n", 1))
    assert [(r.step, canonicalize(r.values)[0]) for r in recs] == [
        (5, {"rec_loss": 0.25}),
        (6, {"kl_loss": 3.5}),
    ]
    with pytest.raises(ValueError):
        make_parser("nope")


def test_line_numbers_are_physical_lines() -> None:
    text = PLAIN_BANNER + "\n" + PLAIN_STEP_10 + "noise\n" + PLAIN_STEP_10.replace("10", "20", 1)
    run = feed(text)
    snap = run.snapshot()
    assert snap.lines == 5
    assert snap.records == 2
    assert snap.skipped_lines == 3


def test_events_carry_step_and_physical_line() -> None:
    text = (
        PLAIN_BANNER
        + PLAIN_STEP_10
        + "\rtrain: 2%| | 20/1000 [00:01<00:02, 9.9it/s, loss=0.1]"
        + "\rtrain: 3%| | 30/1000 [00:01<00:02, 9.9it/s, loss=nan]\n"
        + "step 5 loss=0.2 kl_loss=3\n"
    )
    events = {e.kind: e for e in feed(text).snapshot().events}
    assert (events["nan"].step, events["nan"].line) == (30, 3)
    assert (events["restart"].step, events["restart"].line) == (5, 4)


# ---------------------------------------------------------------------------------------------
# Aliases (SPEC "Canonical metrics and aliases").
# ---------------------------------------------------------------------------------------------

ALIASES = {
    "kl_loss": [
        "kl",
        "kld",
        "KLD",
        "kl_div",
        "kl_divergence",
        "loss_kl",
        "kl_loss_raw",
        "train/kl_loss",
        "train_kl",
        "train/KLD",
        "KL_loss",
    ],
    "rec_loss": [
        "recon_loss",
        "reconstruction_loss",
        "rec",
        "recon",
        "mse",
        "MSE",
        "mse_loss",
        "l1_loss",
        "l2_loss",
        "train/rec_loss",
        "train_recon_loss",
        "loss_rec",
        "nll_loss",
        "Reconst Loss",
        "reconstructed_error",
        "train/recons_term",
    ],
    "perception_loss": [
        "p_loss",
        "perceptual_loss",
        "lpips",
        "LPIPS",
        "lpips_loss",
        "percep_loss",
        "train/p_loss",
    ],
    "total_loss": ["loss", "vae_loss", "total", "train_loss", "train/loss", "Loss", "total_loss"],
    "kl_weight": ["beta", "kl_beta", "kl_scale", "kl_coef", "train/beta"],
}
ALIAS_CASES = [
    pytest.param(raw, canonical, id=f"{raw}->{canonical}")
    for canonical, raws in ALIASES.items()
    for raw in raws
]


@pytest.mark.parametrize("raw", ["recall", "record", "kl_weight_max", "klass_loss", "receipt"])
def test_a_word_that_only_starts_like_a_loss_keeps_its_name(raw: str) -> None:
    values, _ = canonicalize({raw: 0.25})
    assert "rec_loss" not in values and "kl_loss" not in values


def test_a_step_counted_per_epoch_follows_on_across_epochs() -> None:
    """``Epoch [e/E], Step [s/S]`` (the PyTorch tutorials' VAE): s starts over each epoch."""
    text = "".join(
        f"Epoch [{e}/3], Step [{s}/300], Reconst Loss: 0.0{e}{s}, KL Div: {500 + s}.5\n"
        for e in (1, 2, 3)
        for s in (100, 200, 300)
    )
    run = feed(text, "auto")
    assert [step for _seg, step, _v in records(run)] == [
        100,
        200,
        300,
        400,
        500,
        600,
        700,
        800,
        900,
    ]
    snap = run.snapshot()
    assert snap.segments == 1 and snap.sources == {"rec_loss": "Reconst Loss", "kl_loss": "KL Div"}


def test_fairseq_train_lines_are_steps_not_restarts() -> None:
    """``epoch 001:    100 / 1563 … num_updates=100``: the update count is the step; without
    it, the counter after the epoch is (each line read as a restart at step 1 before)."""
    with_updates = "".join(
        f"2024-01-01 12:00:00 | INFO | train_inner | epoch 001:    {n} / 1563 "
        f"loss=5.{9 - n // 100}, "
        f"nll_loss=2.1, num_updates={n}, lr=1e-4, gnorm=1.2\n"
        for n in (100, 200, 300)
    )
    run = feed(with_updates, "auto")
    assert [step for _seg, step, _v in records(run)] == [100.0, 200.0, 300.0]
    assert "num_updates" not in run.snapshot().metrics
    counted = "".join(
        f"epoch {e:03d}:    {n} / 1563 loss=5.{e}{n // 100}, nll_loss=2.{e}\n"
        for e in (1, 2)
        for n in (100, 200)
    )
    run = feed(counted, "auto")
    assert [step for _seg, step, _v in records(run)] == [100.0, 200.0, 1663.0, 1763.0]
    assert run.snapshot().segments == 1


def test_a_global_step_with_its_total_beside_the_epoch_keeps_its_numbers() -> None:
    text = "".join(f"epoch {s // 250} step {s}/1000 loss=0.1\n" for s in range(10, 1000, 10))
    steps = [step for _seg, step, _v in records(feed(text, "auto"))]
    assert steps == [float(s) for s in range(10, 1000, 10)]
    # The new epoch's first line may repeat the last step (one record): still a global count.
    text = "".join(f"epoch {e} step {s}/300 loss=0.1\n" for e, s in ((1, 100), (2, 100), (2, 110)))
    assert [step for _seg, step, _v in records(feed(text, "auto"))] == [100.0, 110.0]


@pytest.mark.parametrize(("raw", "canonical"), ALIAS_CASES)
def test_alias_canonicalize(raw: str, canonical: str) -> None:
    values, _ = canonicalize({raw: 0.25})
    assert values == {canonical: 0.25}


@pytest.mark.parametrize(("raw", "canonical"), ALIAS_CASES)
def test_alias_on_a_kv_line(raw: str, canonical: str) -> None:
    got = records(feed(f"step 7 {raw}=0.25 g_loss=0.5\n"))
    assert got == [(0, 7.0, {canonical: 0.25, "g_loss": 0.5})]


@pytest.mark.parametrize(
    ("raw", "rec_metric"),
    [("mse", "mse"), ("mse_loss", "mse"), ("l2_loss", "mse"), ("l1_loss", "l1"), ("rec", "mse")],
)
def test_rec_metric_type_from_the_key(raw: str, rec_metric: str) -> None:
    snap = feed(f"step 1 {raw}=0.03 kl=5\nstep 2 {raw}=0.02 kl=5\n").snapshot()
    assert snap.rec_metric == rec_metric


def test_other_numeric_keys_are_kept_under_cleaned_names() -> None:
    values, _ = canonicalize({"G_loss": 0.1, "d_weight": 0.5, "Disc Factor": 1.0, "grad-norm": 2})
    assert values == {"g_loss": 0.1, "d_weight": 0.5, "disc_factor": 1.0, "grad_norm": 2}


# Weak aliases: nll_loss is the rec loss only when no rec_loss is logged, train_loss the
# total only when no total_loss is logged; order on the line must not matter.
WEAK_CASES = [
    ({"nll_loss": 3.0}, "rec_loss", 3.0),
    ({"nll_loss": 3.0, "rec_loss": 2.0}, "rec_loss", 2.0),
    ({"rec_loss": 2.0, "nll_loss": 3.0}, "rec_loss", 2.0),
    ({"nll_loss": 3.0, "recon_loss": 2.0}, "rec_loss", 2.0),
    ({"train_loss": 1.0}, "total_loss", 1.0),
    ({"train_loss": 1.0, "total_loss": 2.0}, "total_loss", 2.0),
    ({"total_loss": 2.0, "train_loss": 1.0}, "total_loss", 2.0),
    ({"train_loss": 1.0, "loss": 2.0}, "total_loss", 2.0),
    ({"loss": 2.0, "train_loss": 1.0}, "total_loss", 2.0),
]


@pytest.mark.parametrize(("pairs", "name", "value"), WEAK_CASES)
def test_weak_alias(pairs: dict[str, float], name: str, value: float) -> None:
    values, _ = canonicalize(pairs)
    assert values[name] == value
    line = "step 3 " + " ".join(f"{k}={v}" for k, v in pairs.items()) + "\n"
    got = records(feed(line))
    assert got[0][2][name] == value


@pytest.mark.parametrize(
    ("pairs", "kept"),
    [
        pytest.param({"nll_loss": 3.0, "rec_loss": 2.0}, "nll_loss", id="nll_loss"),
        pytest.param({"total_loss": 2.0, "train_loss": 1.0}, "train_loss", id="train_loss"),
    ],
)
def test_weak_alias_that_loses_is_still_kept(pairs: dict[str, float], kept: str) -> None:
    values, _ = canonicalize(pairs)
    assert values[kept] == pairs[kept]


@pytest.mark.parametrize(
    ("raw", "kept_as"),
    [
        ("val_loss", "val_loss"),
        ("val/kl_loss", "val_kl_loss"),
        ("valid_rec_loss", "valid_rec_loss"),
        ("test_loss", "test_loss"),
        ("eval_loss", "eval_loss"),
        ("val_kld", "val_kld"),
        ("validation/total", "validation_total"),
    ],
)
def test_eval_keys_are_kept_apart(raw: str, kept_as: str) -> None:
    values, _ = canonicalize({raw: 1.5, "loss": 0.5, "kl": 9.0, "rec_loss": 0.1})
    assert values[kept_as] == 1.5
    assert values["total_loss"] == 0.5
    assert values["kl_loss"] == 9.0
    assert values["rec_loss"] == 0.1
    alone, _ = canonicalize({raw: 1.5})
    assert alone == {kept_as: 1.5}


def test_val_loss_is_not_total_loss_on_a_line() -> None:
    got = records(feed("step 100 loss=0.5 val_loss=0.9 kl_loss=500\n"))
    assert got == [(0, 100.0, {"total_loss": 0.5, "val_loss": 0.9, "kl_loss": 500.0})]


def test_jsonl_config_object_is_not_a_record() -> None:
    # The first line is the config banner vaetui.simulate writes in jsonl format.
    text = (
        '{"event": "config", "model": "VideoVAE", "kl_weight": 0.0001, "perceptual_weight": 1.0,'
        ' "disc_weight": 0.5, "lr": 0.0001, "batch_size": 8, "latent_dim": 16, "seed": 0}\n'
        '{"step": 10, "epoch": 0, "loss": 0.35, "rec_loss": 0.05, "kl_loss": 60.0}\n'
    )
    run = feed(text, "jsonl")
    assert [step for _seg, step, _v in records(run)] == [10.0]
    assert run.snapshot().records == 1


# ---------------------------------------------------------------------------------------------
# Format sniffing.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (PLAIN_BANNER + PLAIN_STEP_10 * 5, "kv"),
        ('{"step": 10, "loss": 0.1}\n{"step": 20, "loss": NaN}\n', "jsonl"),
        ("epoch,step,train_loss\r\n0,49,0.0971\r\n0,99,0.0974\r\n", "csv"),
        ("loss,MSE,KLD,created_at,epoch\n2.2,2.1,-10.2,2020-08-16 12:26:41.781433,\n", "csv"),
        ("\rtrain:   1%|          | 10/1000 [00:00<00:02, 433.09step/s, loss=0.111]", "kv"),
        ("Epoch 1/30\n547/547 [====] - 13s 24ms/step - loss: 253.6647\n", "kv"),
        ("{'loss': 0.3544, 'learning_rate': 4.9e-05, 'epoch': 0.01}\n", "kv"),
    ],
    ids=["kv", "jsonl", "csv", "csv-no-step", "tqdm", "keras", "python-dict"],
)
def test_sniff_literals(text: str, fmt: str) -> None:
    assert sniff(text) == fmt
    assert feed(text, "auto").format == fmt


def test_printed_python_dicts_read_as_records() -> None:
    """Hugging Face's Trainer prints each log as a Python dict: single quotes, ``nan``."""
    text = (
        "".join(
            f"{{'loss': {0.35 - i / 100:.4f}, 'rec_loss': {0.05 - i / 1000:.4f}, "
            f"'kl_loss': {60.0 + i}, 'learning_rate': 4.9e-05, "
            f"'epoch': {i / 100}, 'step': {i * 10}}}\n"
            for i in range(1, 6)
        )
        + "{'loss': nan, 'rec_loss': nan, 'kl_loss': 66.0, 'epoch': 0.06, 'step': 60}\n"
    )
    run = feed(text, "auto")
    snap = run.snapshot()
    assert snap.format == "kv" and snap.records == 6 and snap.skipped_lines == 0
    assert [step for _seg, step, _v in records(run)] == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    assert snap.sources["kl_loss"] == "kl_loss" and snap.sources["rec_loss"] == "rec_loss"
    divergence = snap.verdict("divergence")
    assert divergence is not None and divergence.level == "bad"


def test_sniff_reads_only_the_first_lines_and_strips_them_as_before() -> None:
    """``sniff`` looks at the first six non-blank lines; blank lines, ``\\r`` line ends
    and surrounding spaces come out as when every line of the text was split and stripped."""
    header = "\r\n  \n\t\nstep,loss,kl_loss \r\n\r\n 10,0.1,500\r"
    assert sniff(header + "20,0.1,501\n" * 20_000) == "csv"
    assert sniff("\n \n" + '  {"step": 1, "loss": 0.1}  \r' + "x\n" * 1000) == "jsonl"
    aligned = "banner\n\nstep  loss  kl\n 10  0.1  500\n\n 20  0.1  501\n"
    assert sniff(aligned + "not a row\n" * 1000) == "table"
    # The aligned table's rows are among the first six non-blank lines, or it is not one.
    assert sniff("a\nb\nc\nd\nstep  loss\n10  0.1\n20  0.2\n") == "kv"
    assert sniff(" \r\n\t\n") is None


def _shared(path: str) -> Path:
    full = SHARED_LOGS / path
    if not full.is_file():
        pytest.skip(f"shared logs not present ({full})")
    return full


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("generated/plain/healthy.log", "kv"),
        ("generated/logging/diverge.log", "kv"),
        ("generated/tqdm/restart.log", "kv"),
        ("generated/jsonl/healthy.jsonl", "jsonl"),
        ("generated/lightning/warmup.stdout.log", "kv"),
        ("generated/lightning/healthy/version_0/metrics.csv", "csv"),
        ("public/samples/anican-pytorchvae-lightning-metrics.csv", "csv"),
        ("public/samples/kmhyun-ae-lightning-metrics-crlf.csv", "csv"),
        ("public/samples/d2-mask2former-metrics.json", "jsonl"),
        ("public/samples/mmengine-pspnet-iter-resumed.log", "kv"),
        ("public/samples/kerasio-vae-fit-keras2.log", "kv"),
    ],
)
def test_sniff_real_files(path: str, fmt: str) -> None:
    data = _shared(path).read_bytes()
    assert sniff(data[:8192].decode("utf-8", "replace")) == fmt
    run = feed(data, "auto")
    snap = run.snapshot()
    assert snap.format == fmt
    assert snap.records > 0
