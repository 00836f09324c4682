"""Shared fixtures, built with pleval's own loaders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pleval.project import Project

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


def copy_transcript(name: str, project_root: Path, folder: str = "transcripts") -> Path:
    """Copy a fixture transcript (and its sidecar, if any) into a project's data/transcripts."""
    source = FIXTURES / folder / name
    target_dir = project_root / "data" / "transcripts"
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target_dir / name)
    sidecar = source.with_name(source.stem + ".meta.yaml")
    if sidecar.exists():
        shutil.copy(sidecar, target_dir / sidecar.name)
    return target_dir / name


@pytest.fixture
def make_project(tmp_path):
    """A factory for small projects: ``make_project(transcripts=[...], codebook="two_codes.yaml")``."""

    def make(transcripts=(), bad=(), codebook="two_codes.yaml") -> Project:
        root = tmp_path / "project"
        (root / "data" / "transcripts").mkdir(parents=True, exist_ok=True)
        if codebook:
            shutil.copy(FIXTURES / "codebooks" / codebook, root / "data" / "codebook.yaml")
        for name in transcripts:
            copy_transcript(name, root)
        for name in bad:
            copy_transcript(name, root, "bad_transcripts")
        return Project.open(root)

    return make


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> Project:
    """A copy of the bundled sample project, so that tests never write into the repository's outputs/."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "data", root / "data")
    return Project.open(root)
