"""The widgets of the live TUI: each one renders one part of a Snapshot and nothing else."""
