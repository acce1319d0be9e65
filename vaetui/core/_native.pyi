# The compiled readers of vaetui/core/_native.c; vaetui/core/native.py is their interface.
from collections.abc import Sequence
from typing import Any

def read_shape(
    data: bytes,
    templates: Sequence[bytes],
    separators: bytes,
    tokens: Sequence[int],
    out: Any,
    count: int,
) -> int: ...
def plain_newlines(data: bytes, utf8: bool) -> int: ...
def frame_refreshes(raw: bytes, first_line: int) -> tuple[bytes, bytes, bytes, bytes] | None: ...
