"""``pleval init``: a new project folder, ready to fill.

What it holds: ``pleval.yaml`` (a starter profile's, commented; the generic one spells out the defaults), a
codebook with one example code, a ``briefs.yaml`` with no brief yet, and the empty folders for transcripts,
coding logs and the survey. ``pleval validate`` finds no error in it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import ProjectError
from .inputs.declaration import GENERIC_PROFILE, PROFILES_DIR, profile_path
from .project import Project

SKELETON_DIR = PROFILES_DIR / "skeleton"


def create_project(folder: str | os.PathLike[str], *, profile: str = GENERIC_PROFILE) -> Project:
    """Create a project in ``folder`` (made if missing) from a starter profile.

    Raises
    ------
    ProjectError
        If ``folder`` is a file or a folder that is not empty.
    DeclarationError
        If no starter profile has the name ``profile``.
    """
    root = Path(folder).absolute()
    if root.exists() and not root.is_dir():
        raise ProjectError("this is a file, not a folder", path=root, fix="choose a new or empty folder")
    if root.is_dir() and any(root.iterdir()):
        raise ProjectError("the folder is not empty, so pleval init leaves it alone", path=root,
                           fix="choose a new or empty folder")
    declaration = profile_path(profile)  # an unknown profile stops here, before anything is written
    root.mkdir(parents=True, exist_ok=True)
    project = Project(root)
    shutil.copyfile(declaration, project.declaration_path)
    for folder_path in (project.transcripts_dir, project.codings_dir, project.survey_dir):
        folder_path.mkdir(parents=True)
    shutil.copyfile(SKELETON_DIR / "codebook.yaml", project.codebook_path)
    shutil.copyfile(SKELETON_DIR / "briefs.yaml", project.briefs_path)
    return project
