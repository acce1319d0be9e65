"""``vaetui check --explain``: what was read from a log, and what was skipped.

The core (:mod:`vaetui.core.explain`) groups the lines; this module prints them, as text or
as one JSON object. Text from the log is printed literally (``rich.text.Text``).
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.text import Text

from vaetui.core.explain import Explanation, ShapeGroup, explain_file
from vaetui.core.options import RunOptions
from vaetui.errors import EXIT_NO_METRICS, EXIT_OK, EXIT_UNREADABLE, InputError


def explain(path: str, options: RunOptions, as_json: bool) -> int:
    """Print the explanation of ``path``; exit 0, or 65 when nothing became a record."""
    try:
        found = explain_file(path, options)
    except OSError as exc:
        message = f"{path}: cannot read ({exc.strerror or exc})"
        if as_json:
            print(json.dumps({"file": path, "records": 0, "error": _error(66, message)}))
        raise InputError(message, EXIT_UNREADABLE) from None
    code = EXIT_OK
    if found.error:
        code = EXIT_UNREADABLE
    elif found.records == 0:
        code = EXIT_NO_METRICS
    if as_json:
        out = found.to_json()
        if code != EXIT_OK:
            out["error"] = _error(code, _message(path, found))
        print(json.dumps(out))
    else:
        print_explanation(found, Console(highlight=False))
    if code != EXIT_OK:
        raise InputError(_message(path, found), code)
    return code


def _error(code: int, message: str) -> dict:
    return {"code": code, "message": message}


def _message(path: str, found: Explanation) -> str:
    if found.error:
        return f"{path}: {found.error}"
    return f"{path}: no metric lines found ({found.lines} lines read)"


def print_explanation(found: Explanation, console: Console) -> None:
    """The human form: read shapes with their fields, then skipped shapes with counts."""
    head = Text(found.file, style="bold")
    head.append(f"  {found.format} · {found.records} records from {found.lines} lines")
    console.print(head, overflow="fold")
    console.print(Text(f"read ({len(found.read)} line shapes became records):", style="bold"))
    for g in found.read:
        _group(console, g)
        taken = ", ".join(
            raw if raw == name else f"{raw} → {name}" for raw, name in g.fields.items()
        )
        console.print(Text(f"{'':8}fields: {taken}", style="dim"), overflow="fold")
    if not found.read:
        console.print(Text("  nothing"))
    title = f"skipped lines with numbers ({found.skipped_with_numbers} lines):"
    console.print(Text(title, style="bold"))
    for g in found.skipped:
        _group(console, g)
        console.print(Text(f"{'':8}{g.reason}", style="dim"), overflow="ellipsis", no_wrap=True)
    if found.more_skipped:
        console.print(Text(f"  … and {found.more_skipped} more shapes"))
    if not found.skipped:
        console.print(Text("  none"))


def _group(console: Console, g: ShapeGroup) -> None:
    line = Text(f"{g.count:7d}× ", style="bold")
    line.append(f"line {g.first_line}: ", style="dim")
    line.append(g.example)
    console.print(line, overflow="ellipsis", no_wrap=True)
