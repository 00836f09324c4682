"""The ``pleval`` command: parse arguments, call one library function, report errors cleanly.

Each module here registers its commands on :data:`main` when imported.
"""

from . import brief  # noqa: F401  (registers brief)
from . import build  # noqa: F401  (registers build)
from . import commands  # noqa: F401  (registers validate, code, export, import, reliability)
from . import refi  # noqa: F401  (registers export refi, import refi)
from . import learn  # noqa: F401  (registers evaluate, train, suggest)
from . import survey  # noqa: F401  (registers survey)
from .base import main

__all__ = ["main"]
