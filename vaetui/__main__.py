"""Run vaetui as ``python -m vaetui``."""

import sys

from vaetui.cli import main

sys.exit(main())
