"""The ``pleval`` command: parse arguments, call one library function, report errors cleanly.

Each module here registers its commands on :data:`main` when imported.
"""

from . import (
    brief,  # noqa: F401  (registers brief)
    build,  # noqa: F401  (registers build)
    commands,  # noqa: F401  (registers validate, code, export, import, reliability)
    init,  # noqa: F401  (registers init)
    learn,  # noqa: F401  (registers evaluate, train, suggest)
    refi,  # noqa: F401  (registers export refi, import refi)
    survey,  # noqa: F401  (registers survey)
    terms,  # noqa: F401  (registers terms, terms keep, terms redact)
)
from .base import main

__all__ = ["main"]
