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


@pytest.fixture(scope="session")
def coded_sample(tmp_path_factory) -> Path:
    """The sample project with its rule coding cached, to copy from (never written to by tests)."""
    from pleval.coding import code_project

    root = tmp_path_factory.mktemp("coded-sample")
    shutil.copytree(REPO / "data", root / "data")
    code_project(Project.open(root), progress=False)
    return root


@pytest.fixture
def fresh_sample(coded_sample, tmp_path) -> Project:
    """A private copy of the coded sample project, for tests that write coding logs."""
    shutil.copytree(coded_sample, tmp_path / "sample")
    return Project.open(tmp_path / "sample")
