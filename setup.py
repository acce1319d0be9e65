"""The one compiled part of vaetui: ``vaetui/core/_native.c`` (see ``vaetui/core/native.py``).

It is optional. Where it cannot be compiled (no C compiler), vaetui installs without it and
reads logs with numpy and polars alone: the same records, more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "vaetui.core._native",
            ["vaetui/core/_native.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ]
)
