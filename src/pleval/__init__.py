"""pleval: a reproducible workbench for qualitative program evaluation."""

__version__ = "0.1.0"

from .codebook import load_codebook  # noqa: E402
from .coding import code_project, codings_frame  # noqa: E402
from .errors import PlevalError  # noqa: E402
from .project import Project  # noqa: E402
from .transcripts import load_transcripts, parse_transcript  # noqa: E402
from .validate import validate_project  # noqa: E402

__all__ = [
    "Project",
    "PlevalError",
    "load_codebook",
    "load_transcripts",
    "parse_transcript",
    "code_project",
    "codings_frame",
    "validate_project",
    "__version__",
]
