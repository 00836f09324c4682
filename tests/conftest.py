"""Shared fixtures, built with pleval's own loaders."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from pleval.project import Project

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


def copy_transcript(name: str, project_root: Path, folder: str = "transcripts") -> Path:
    """Copy a fixture transcript (and its sidecar, if any) into a project's data/transcripts, and the sample's
    pleval.yaml into the project if it has none: the fixtures' transcripts are of the sample's kind (schools)."""
    source = FIXTURES / folder / name
    target_dir = project_root / "data" / "transcripts"
    target_dir.mkdir(parents=True, exist_ok=True)
    if not (project_root / "pleval.yaml").exists():
        shutil.copy(REPO / "pleval.yaml", project_root / "pleval.yaml")
    shutil.copy(source, target_dir / name)
    sidecar = source.with_name(source.stem + ".meta.yaml")
    if sidecar.exists():
        shutil.copy(sidecar, target_dir / sidecar.name)
    return target_dir / name


@pytest.fixture
def make_project(tmp_path):
    """A factory for small projects: ``make_project(transcripts=[...], codebook="two_codes.yaml")``, declared as
    the sample is (its pleval.yaml) unless ``declaration=False``."""

    def make(transcripts=(), bad=(), codebook="two_codes.yaml", declaration=True) -> Project:
        root = tmp_path / "project"
        (root / "data" / "transcripts").mkdir(parents=True, exist_ok=True)
        if declaration:  # the fixtures' transcripts are of the sample's kind: schools, regions, school years
            shutil.copy(REPO / "pleval.yaml", root / "pleval.yaml")
        if codebook:
            shutil.copy(FIXTURES / "codebooks" / codebook, root / "data" / "codebook.yaml")
        for name in transcripts:
            copy_transcript(name, root)
        for name in bad:
            copy_transcript(name, root, "bad_transcripts")
        if not declaration:
            (root / "pleval.yaml").unlink(missing_ok=True)
        return Project.open(root)

    return make


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory) -> Project:
    """A copy of the bundled sample project, so that tests never write into the repository's outputs/."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "data", root / "data")
    shutil.copy(REPO / "pleval.yaml", root / "pleval.yaml")
    return Project.open(root)


@pytest.fixture(scope="session")
def coded_sample(tmp_path_factory) -> Path:
    """The sample project with its rule coding cached, to copy from (never written to by tests)."""
    from pleval.coding.run import code_project

    root = tmp_path_factory.mktemp("coded-sample")
    shutil.copytree(REPO / "data", root / "data")
    shutil.copy(REPO / "pleval.yaml", root / "pleval.yaml")
    code_project(Project.open(root), progress=False)
    return root


@pytest.fixture
def fresh_sample(coded_sample, tmp_path) -> Project:
    """A private copy of the coded sample project, for tests that write coding logs."""
    shutil.copytree(coded_sample, tmp_path / "sample")
    return Project.open(tmp_path / "sample")


SMALL_BRIEFS = {"evaluation": {"name": "Test evaluation"},
                "briefs": [{"id": "alpha", "title": "Alpha brief", "subtitle": "First"},
                           {"id": "beta", "title": "Beta brief"},
                           {"id": "broken", "title": "Broken brief"}]}


def _notebook(cells) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return nb


@pytest.fixture
def small_build_project(make_project):
    """A small project with three briefs (one that fails) and two small page notebooks."""
    project = make_project(transcripts=["two_speakers.txt"])
    (project.root / "data" / "briefs.yaml").write_text(yaml.safe_dump(SMALL_BRIEFS, sort_keys=False))
    folder = project.root / "notebooks"
    folder.mkdir()
    parameters = new_code_cell('project = ".."\nbrief_id = "alpha"\noutput_dir = "out"')
    parameters.metadata["tags"] = ["parameters"]
    nbformat.write(_notebook([
        parameters,
        new_code_cell("from IPython.display import Markdown, display\n"
                      "assert brief_id != 'broken', 'this brief is broken on purpose'\n"
                      "display(Markdown(f'## Findings for {brief_id}'))\n"
                      "display(Markdown('## Second section\\n\\nA quote: <script>alert(1)</script>"
                      "<img src=x onerror=alert(2)>'))"),
    ]), folder / "brief.ipynb")
    overview = new_code_cell('project = ".."\noutput_dir = "out"')
    overview.metadata["tags"] = ["parameters"]
    nbformat.write(_notebook([new_markdown_cell("# Overview\n\n## Corpus"), overview,
                             new_code_cell("print('overview of', project)")]), folder / "overview.ipynb")
    return project
