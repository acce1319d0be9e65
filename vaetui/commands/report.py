"""The human form of ``vaetui check``: a checklist of criteria, coloured on a terminal.

Text that came from the log (file name, metric names) goes in as ``rich.text.Text``, so
markup-like strings in a log are printed literally.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from vaetui.core.criteria import fmt_number
from vaetui.core.criteria.base import duration
from vaetui.core.snapshot import Snapshot, Verdict

#: Rich styles per level; the level word is always printed too (never colour alone).
LEVEL_STYLES = {
    "excellent": "bold green",
    "ok": "green",
    "watch": "bold yellow",
    "bad": "bold red",
    "pending": "dim",
    "n/a": "dim",
}


def _value(v: Verdict) -> str:
    if v.value is None:
        return "-"
    if v.id == "kl_share":
        return f"{v.value:.1%}"
    if v.id in ("kl_trend", "balance"):
        return f"{v.value * 100:+.1f}%"
    if v.id == "stall":
        return duration(v.value)
    if v.id == "divergence" and v.level == "watch":
        return f"{v.value:.0f}x"
    if v.id == "divergence" and v.level == "bad":
        return f"step {fmt_number(v.value)}"
    return fmt_number(v.value)


def print_report(snap: Snapshot, console: Console) -> None:
    """Print the run summary, the criteria checklist, what to do, and what stands out."""
    console.print(_headline(snap))
    console.print(_checklist(snap))
    _print_todo(snap, console)
    overall = Text("overall: ")
    overall.append(snap.overall.upper(), style=LEVEL_STYLES.get(snap.overall, ""))
    kl = snap.metrics.get("kl_loss")
    if kl is not None and kl.ema is not None and snap.latent_dim:
        overall.append(f"   KL per latent element {fmt_number(kl.ema / snap.latent_dim)}")
    console.print(overall)
    _print_reference(snap, console)
    _print_images(snap, console)
    notable = [e for e in snap.events if e.kind in ("restart", "nan")][:10]
    for e in notable:
        console.print(Text(f"  {e.kind:8s} line {e.line} step {_step(e.step)}: {e.message}"))


def _headline(snap: Snapshot) -> Text:
    """File, format, what was read, the steps and segments, the rec metric (and latent)."""
    head = Text()
    head.append(snap.file, style="bold")
    head.append(
        f"  {snap.format} · {snap.records} records from {snap.lines} lines"
        f" ({snap.skipped_lines} skipped) · steps {_step(snap.first_step)}–"
        f"{_step(snap.last_step)} · {snap.segments} segment{'s' if snap.segments != 1 else ''}"
        f" · rec metric {snap.rec_metric}"
    )
    if snap.latent_dim:
        head.append(f" · latent {snap.latent_dim}")
    return head


def _checklist(snap: Snapshot) -> Table:
    """One row per criterion: title, the number judged, the level word, why."""
    table = Table(show_header=True, header_style="bold", expand=False, pad_edge=False)
    table.add_column("criterion", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("why")
    for v in snap.criteria:
        style = LEVEL_STYLES.get(v.level, "")
        table.add_row(v.title, _value(v), Text(v.level.upper(), style=style), Text(v.summary))
    return table


def _print_todo(snap: Snapshot, console: Console) -> None:
    """The advice of every criterion that is not healthy, worst first; when all are healthy,
    the seed's next step (a preview), which comes with the reconstruction verdict."""
    todo = sorted(
        (v for v in snap.criteria if v.level in ("watch", "bad")),
        key=lambda v: v.level != "bad",
    )
    healthy = sorted(
        (v for v in snap.criteria if v.level in ("excellent", "ok")),
        key=lambda v: v.id != "rec_range",
    )
    if todo:
        console.print(Text("what to do:", style="bold"))
        for v in todo:
            line = Text(f"  {v.title}: ", style=LEVEL_STYLES.get(v.level, ""))
            line.append(v.advice)
            console.print(line)
    elif healthy:
        console.print(Text("what to do: ", style="bold").append(healthy[0].advice))


def _print_reference(snap: Snapshot, console: Console) -> None:
    """The "compared with the reference" lines, each once."""
    if snap.reference is None or not snap.reference.comparisons:
        return
    console.print(Text("compared with the reference ", style="bold").append(snap.reference.name))
    seen: set[str] = set()
    for c in snap.reference.comparisons:
        if c.text not in seen:
            seen.add(c.text)
            console.print(Text(f"  {c.text}"))


def _print_images(snap: Snapshot, console: Console) -> None:
    """One line on the sample images: how many, the newest pair's numbers, what was skipped."""
    images = snap.images
    if images is None or not images.count:
        return
    line = Text(f"images: {images.count} set{'s' if images.count != 1 else ''}")
    newest = images.newest
    if newest is not None:
        line.append(f", newest at step {_step(newest.step)}")
        if newest.psnr is not None:
            line.append(f": PSNR {fmt_number(newest.psnr)} dB")
        if newest.sharpness is not None:
            line.append(f", sharpness {newest.sharpness:.2f}")
    skipped = sum(images.skipped.values())
    if skipped:
        line.append(f" ({skipped} file{'s' if skipped != 1 else ''} skipped)")
    console.print(line)


def _step(step: float | None) -> str:
    if step is None:
        return "-"
    return str(int(step)) if float(step).is_integer() else f"{step:g}"
