"""TensorBoard event files (an optional extra: ``pip install 'vaetui[tensorboard]'``).

Read with TensorBoard's own event-file loader, never a hand-written protobuf parser. A run
directory finds its event files; each process of a restarted run writes its own file, read
in the order they were created, so the step going back starts a new segment.
"""

from __future__ import annotations

import re
from pathlib import Path

from vaetui.core.formats.base import Record

_EVENT_NAME = re.compile(r"events\.out\.tfevents\.(\d+)")


class TensorBoardMissing(RuntimeError):
    """The tensorboard package is not installed."""


def is_event_path(path: Path) -> bool:
    """True for an event file, or a directory that holds event files."""
    if path.is_dir():
        return bool(_event_files_in(path))
    return "tfevents" in path.name


def _event_files_in(folder: Path) -> list[Path]:
    """Event files in a run folder or one level below (never a deep walk of a big tree)."""
    found = [*folder.glob("events.out.tfevents.*"), *folder.glob("*/events.out.tfevents.*")]
    return [p for p in found if p.is_file()]


def event_files(path: Path) -> list[Path]:
    """The event files of a run directory (or the file itself), oldest first."""
    if not path.is_dir():
        return [path]
    files = _event_files_in(path)

    def created(p: Path) -> tuple[int, str]:
        m = _EVENT_NAME.search(p.name)
        return (int(m.group(1)) if m else 0, str(p))

    return sorted(files, key=created)


def read_events(path: Path) -> tuple[list[Record], int]:
    """Scalar records of every event file under ``path``, and the number of events read."""
    try:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
        from tensorboard.util import tensor_util
    except ImportError:
        raise TensorBoardMissing(
            "reading TensorBoard event files needs the optional extra: "
            "pip install 'vaetui[tensorboard]'"
        ) from None
    records: list[Record] = []
    count = 0
    for file in event_files(path):
        current: Record | None = None
        for event in EventFileLoader(str(file)).Load():
            count += 1
            values = _scalars(event, tensor_util)
            if not values:
                continue
            step = float(event.step)
            if current is not None and current.step == step:
                current.values.update(values)
                continue
            current = Record(step, count, values)
            records.append(current)
    return records, count


def _scalars(event, tensor_util) -> dict[str, float]:
    out: dict[str, float] = {}
    if not event.HasField("summary"):
        return out
    for value in event.summary.value:
        tag = value.tag.removeprefix("train/")
        if value.HasField("simple_value"):
            out[tag] = float(value.simple_value)
        elif value.HasField("tensor"):
            plugin = value.metadata.plugin_data.plugin_name
            if plugin and plugin != "scalars":
                continue
            array = tensor_util.make_ndarray(value.tensor)
            if array.size == 1 and array.dtype.kind == "f":
                out[tag] = float(array.reshape(()))
    return out
