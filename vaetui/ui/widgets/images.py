"""Sample images on screen: a pane per image, the ``i`` screen, and the main-screen thumbnail.

A pane never decodes on the UI thread: it asks a thread worker to decode the file at the
size it has on screen (``imaging.decode``), and shows the result when it arrives. The image
screen lists the sets of the run's snapshot (oldest first); it follows the newest until the
user steps back with ←, and follows again at the newest end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from PIL import Image as PILImage
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label
from textual.worker import get_current_worker

from vaetui.core.images.model import ImageFile, ImageSet, ImagesSummary
from vaetui.core.snapshot import Verdict
from vaetui.ui import imaging
from vaetui.ui.widgets import SCREENS_CSS
from vaetui.ui.widgets.fmt import clean, fmt_value
from vaetui.ui.widgets.verdicts import level_class, level_word


def step_text(step: float | None) -> str:
    if step is None:
        return "step ?"
    return f"step {int(step)}" if float(step).is_integer() else f"step {step:g}"


class ImagePane(Vertical):
    """One image with a caption; decodes in a worker at the size it is shown."""

    def __init__(self, caption: str = "", id: str | None = None) -> None:
        super().__init__(id=id, classes="image-pane")
        self._caption = caption
        self._shown: tuple[str, float, int, int] | None = None
        self._image: Any = None
        #: What to show once the pane has a size (it is hidden or not laid out yet).
        self._waiting: tuple[ImageFile, str] | None = None

    def compose(self) -> ComposeResult:
        yield Label(self._caption, classes="image-caption", markup=False)
        yield Container(classes="image-frame")

    def show(self, file: ImageFile | None, caption: str) -> None:
        """Show ``file`` (None: nothing) under ``caption``."""
        self.query_one(".image-caption", Label).update(Text(clean(caption)))
        if file is None:
            self._shown = None
            self._set(None, "")
            return
        frame = self.query_one(".image-frame", Container)
        columns, rows = frame.content_size.width, frame.content_size.height
        if columns <= 0 or rows <= 0:
            self._waiting = (file, caption)  # shown when the pane gets a size
            return
        self._waiting = None
        key = (file.path, file.mtime, columns, rows)
        if key == self._shown:
            return
        self._shown = key
        imaging.ensure_loaded(self.app)
        cls = imaging.widget_class()
        box = imaging.pixel_box(cls, columns, rows)
        self.run_worker(
            lambda: self._decode(file.path, box, key),
            thread=True,
            exclusive=True,
            group=f"decode-{self.id}",
            description=f"decode {file.path}",
            exit_on_error=False,
        )

    def on_resize(self) -> None:
        if self._waiting is not None:
            self.call_after_refresh(self.show, *self._waiting)

    def _decode(self, path: str, box: tuple[int, int], key: tuple[str, float, int, int]) -> None:
        try:
            image: PILImage.Image | None = imaging.decode(path, box)
            note = ""
        except (OSError, ValueError, SyntaxError) as exc:
            image, note = None, f"cannot show this image: {exc}"
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._arrived, image, note, key)

    def _arrived(self, image: PILImage.Image | None, note: str, key: Any) -> None:
        if key == self._shown:
            self._set(image, note)

    def _set(self, image: PILImage.Image | None, note: str) -> None:
        frame = self.query_one(".image-frame", Container)
        if image is None:
            frame.remove_children()
            self._image = None
            if note:
                frame.mount(Label(note, classes="image-note", markup=False))
            return
        cls = imaging.widget_class()
        current: Any = self._image
        if current is not None and type(current) is cls:
            current.image = image
            return
        frame.remove_children()
        self._image = cls(image, classes="image")
        frame.mount(self._image)


def set_title(s: ImageSet | None, position: str) -> str:
    """``step 6000 · images/train · PSNR 36.1 dB · sharpness 0.97 · 12/37``."""
    if s is None:
        return "No sample images yet"
    parts = [step_text(s.step)]
    if s.group:
        parts.append(s.group)
    if s.psnr is not None:
        parts.append(f"PSNR {fmt_value(s.psnr)} dB")
    if s.sharpness is not None:
        parts.append(f"sharpness {s.sharpness:.2f}")
    elif s.note:
        parts.append(s.note)
    parts.append(position)
    return " · ".join(parts)


class ImageScreen(ModalScreen[None]):
    """The newest input and reconstruction side by side (or a sample); ←/→ through steps."""

    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,i", "dismiss", "Back"),
        Binding("left", "move(-1)", "Earlier"),
        Binding("right", "move(1)", "Later"),
        Binding("end", "newest", "Newest"),
    ]

    def __init__(self, summary: ImagesSummary | None, verdict: Verdict | None) -> None:
        super().__init__()
        self.summary = summary
        self.verdict = verdict
        #: Index into ``summary.sets``; None follows the newest.
        self.index: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="images-box"):
            yield Label("", id="images-title", markup=False)
            yield Label("", id="images-verdict", markup=False)
            with Horizontal(id="images-row"):
                yield ImagePane("inputs", id="pane-inputs")
                yield ImagePane("reconstructions", id="pane-recons")
            yield Label("←/→ earlier/later · End newest · Esc back", id="images-hint")

    def on_mount(self) -> None:
        self._render_set()

    def update_images(self, summary: ImagesSummary | None, verdict: Verdict | None) -> None:
        """Show the newest picture (called by the app when a snapshot is applied)."""
        if summary == self.summary and verdict == self.verdict:
            return
        self.summary, self.verdict = summary, verdict
        self._render_set()

    def current(self) -> ImageSet | None:
        sets = self.summary.sets if self.summary else ()
        if not sets:
            return None
        if self.index is None:
            return self.summary.newest if self.summary else None
        return sets[min(self.index, len(sets) - 1)]

    def _render_set(self) -> None:
        sets = self.summary.sets if self.summary else ()
        s = self.current()
        at = sets.index(s) + 1 if s in sets else 0
        position = f"{at}/{len(sets)}" + ("" if self.index is not None else " (newest)")
        self.query_one("#images-title", Label).update(set_title(s, position))
        self._render_verdict()
        inputs, recons = (
            self.query_one("#pane-inputs", ImagePane),
            self.query_one("#pane-recons", ImagePane),
        )
        if s is None:
            inputs.show(None, "no images found yet")
            recons.show(None, "")
            return
        recons.display = s.is_pair
        if s.is_pair:
            inputs.show(s.inputs, "inputs")
            recons.show(s.reconstructions, "reconstructions")
        else:
            only = s.samples or s.inputs or s.reconstructions
            inputs.show(only, only.kind if only else "")
            recons.show(None, "")

    def _render_verdict(self) -> None:
        label = self.query_one("#images-verdict", Label)
        v = self.verdict
        for lv in ("excellent", "ok", "watch", "bad", "pending", "n/a"):
            label.set_class(v is not None and v.level == lv, level_class(lv))
        if v is None:
            label.update("")
            return
        label.update(Text(f"Sharpness: {level_word(v.level)} · {clean(v.summary)}"))

    def action_move(self, delta: int) -> None:
        sets = self.summary.sets if self.summary else ()
        if not sets:
            return
        s = self.current()
        i = sets.index(s) if s in sets else len(sets) - 1
        i = min(max(i + delta, 0), len(sets) - 1)
        self.index = None if i == len(sets) - 1 else i
        self._render_set()

    def action_newest(self) -> None:
        self.index = None
        self._render_set()


class Thumbnail(ImagePane):
    """The newest reconstruction (or sample), small, on the main screen where there is room."""

    def show_newest(self, summary: ImagesSummary | None) -> None:
        s = summary.newest if summary else None
        if s is None:
            self.show(None, "")
            return
        file = s.reconstructions or s.samples or s.inputs
        sharp = f" · sharp {s.sharpness:.2f}" if s.sharpness is not None else ""
        self.show(file, f"{file.kind if file else ''} {step_text(s.step)}{sharp} (i)")
