"""vaetui: watch a VAE train, with verdicts on KL and reconstruction loss."""

__version__ = "0.1.0"
