"""The core: bytes from a path to an immutable snapshot with verdicts.

Nothing under ``vaetui.core`` imports Textual, ``vaetui.ui`` or ``vaetui.commands`` (an
import-linter contract in ``pyproject.toml`` and ``tests/unit/test_import_hygiene.py`` say
so): ``vaetui check``, the exporters and the tests use it without a terminal UI.
"""
