"""pleval: a reproducible workbench for qualitative program evaluation."""

from importlib import import_module

__version__ = "0.1.0"

# The public API, imported on first use: `import pleval` stays cheap (no spaCy) for commands that do not code.
_PUBLIC = {
    "Project": ".project",
    "PlevalError": ".errors",
    "load_codebook": ".inputs.codebook",
    "load_transcripts": ".inputs.transcripts",
    "parse_transcript": ".inputs.transcripts",
    "code_project": ".coding.run",
    "codings_frame": ".coding.run",
    "validate_project": ".validate",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name], __name__), name)
    raise AttributeError(f"module 'pleval' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
