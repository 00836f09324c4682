"""REFI-QDA exchange: the project as a codebook (.qdc) or project (.qdpx) for NVivo, ATLAS.ti, MAXQDA and the
rest, and such files brought into the project.

:mod:`.reader` reads a file into plain records, :mod:`.positions` places its selections on the text,
:mod:`.merge` merges its codes into the codebook, :mod:`.sources` turns its sources into transcripts and
:mod:`.imports` does all of it at once or not at all; :mod:`.export` writes both kinds of file.
"""

from .export import RefiExport, export_codebook, export_project
from .imports import RefiImport, import_refi
from .reader import read_refi

__all__ = ["RefiExport", "RefiImport", "export_codebook", "export_project", "import_refi", "read_refi"]
