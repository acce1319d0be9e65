"""One module per subcommand of ``vaetui``: the glue between the CLI's arguments and the core
(and, for ``tail`` and ``demo``, the UI)."""
