"""Digests of input files decide what is out of date: any edit, rename, addition or removal counts; the folder
the project sits in does not."""

import shutil

from pleval.build.batch import shared_inputs
from pleval.inputs.digests import file_digest, folder_digest
from pleval.project import Project

from conftest import REPO


def test_a_folder_digest_changes_with_an_edit_a_rename_an_addition_and_a_removal(tmp_path):
    folder = tmp_path / "f"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("one")
    (folder / "sub" / "b.txt").write_text("two")
    seen = {folder_digest(folder)}
    (folder / "a.txt").write_text("one!")
    seen.add(folder_digest(folder))
    (folder / "a.txt").rename(folder / "c.txt")
    seen.add(folder_digest(folder))
    (folder / "d.txt").write_text("")
    seen.add(folder_digest(folder))
    (folder / "sub" / "b.txt").unlink()
    seen.add(folder_digest(folder))
    assert len(seen) == 5
    (folder / ".hidden").write_text("editor state")
    assert folder_digest(folder) in seen


def test_a_missing_file_or_folder_has_a_digest_of_its_own(tmp_path):
    assert file_digest(tmp_path / "none.yaml") == ""
    assert folder_digest(tmp_path / "none") != folder_digest(REPO / "data" / "transcripts")


def test_a_project_copied_elsewhere_keeps_its_digests(tmp_path):
    copy = tmp_path / "elsewhere" / "project"
    shutil.copytree(REPO / "data", copy / "data")
    assert shared_inputs(Project(copy)) == shared_inputs(Project(REPO))
    (copy / "data" / "codebook.yaml").write_text((copy / "data" / "codebook.yaml").read_text() + "\n# edited\n")
    changed = shared_inputs(Project(copy))
    assert changed["codebook"] != shared_inputs(Project(REPO))["codebook"]
    assert changed["transcripts"] == shared_inputs(Project(REPO))["transcripts"]
