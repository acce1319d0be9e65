"""The widgets of the live TUI: each one renders one part of a Snapshot and nothing else."""

#: The stylesheet of the screens a key opens (``CSS_PATH`` of each, relative to this
#: package): Textual reads it when the first of them opens, not for the first screen.
SCREENS_CSS = "../screens.tcss"
