"""Synthetic but realistic VAE(-GAN) training logs.

vaetui has to be shown, tested, screenshotted and benchmarked on machines without a GPU or a
training run. This module writes the logs a large video VAE (latent_dim 16, kl_weight 1e-4,
LPIPS + adversarial loss) would print, in the shapes real loggers produce (``key=value`` prints,
Python ``logging``, JSON lines, a tqdm bar), for a handful of scenarios whose ground truth is
known: a healthy run, posterior collapse, exploding KL, divergence to NaN, KL warm-up and a
killed-and-restarted run. The magnitudes follow the user's notes in ``seed/vae-loss-criteria.md``.

Everything is plain Python + numpy and deterministic for a seed.
"""

from vaetui.simulate.curves import FORMATS, METRICS, SCENARIOS, generate_records
from vaetui.simulate.logfile import format_record, header_lines, log_chunks, write_log

__all__ = [
    "FORMATS",
    "METRICS",
    "SCENARIOS",
    "format_record",
    "generate_records",
    "header_lines",
    "log_chunks",
    "write_log",
]
