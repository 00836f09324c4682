"""``python -m pleval``, and what quick commands import: neither --help, validate nor a cached ``pleval code``
starts spaCy, scikit-learn or matplotlib (each costs a second or more), nor, where it can be helped, pandas.

Each command runs in a new process, as ``python -m pleval`` runs it, and reports the modules it imported.
"""

import json
import shutil
import subprocess
import sys

import pytest

from pleval import __version__

pytestmark = pytest.mark.slow  # each test starts a new Python process

HEAVY = {"spacy", "sklearn", "matplotlib", "pandas", "numpy", "scipy"}

# runs `python -m pleval ARGS`, then writes (last, on stderr) which heavy modules the command imported
PROBE = """
import json, runpy, sys
try:
    runpy.run_module("pleval", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print(json.dumps(sorted(set(sys.modules) & set(json.loads(sys.argv[0])))), file=sys.stderr)
sys.exit(code)
"""


def run_pleval(*args):
    """Run ``python -m pleval ARGS`` in a new process: (exit code, stdout and stderr, the heavy modules it
    imported)."""
    done = subprocess.run([sys.executable, "-c", PROBE.replace("sys.argv[0]", repr(json.dumps(sorted(HEAVY)))),
                           *map(str, args)], capture_output=True, text=True, timeout=300)
    *problems, imported = done.stderr.strip().splitlines()
    return done.returncode, done.stdout + "".join(line + "\n" for line in problems), set(json.loads(imported))


def test_python_m_pleval_is_the_pleval_command():
    done = subprocess.run([sys.executable, "-m", "pleval", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout == f"pleval, version {__version__}\n"
    # (an unknown option: an unknown --by is a one-line error of pleval's own, naming the choices)
    done = subprocess.run([sys.executable, "-m", "pleval", "code", "--shoe-size"], capture_output=True, text=True)
    assert done.returncode == 2 and "Usage: pleval code" in done.stderr


def test_help_imports_nothing_heavy():
    code, output, imported = run_pleval("--help")
    assert code == 0 and "Commands:" in output and "validate" in output
    assert imported == set()


def test_validate_imports_neither_spacy_nor_pandas(make_project):
    project = make_project(transcripts=["two_speakers.txt", "zoom_voice_tags.vtt"])  # no survey
    code, output, imported = run_pleval("validate", "--project", project.root)
    assert code == 0 and "2 transcripts (7 turns" in output and "0 error(s)" in output
    assert imported == set()


def test_validate_checks_a_survey_with_pandas_but_no_spacy(sample_project):
    code, output, imported = run_pleval("validate", "--project", sample_project.root)
    assert code == 0 and "12 codes: 0 error(s)" in output
    assert imported.isdisjoint({"spacy", "sklearn", "matplotlib"})  # the survey's tables are pandas'


def test_an_invalid_pattern_is_still_reported_by_spacy(make_project):
    project = make_project(transcripts=["two_speakers.txt"], codebook="invalid_pattern.yaml")
    code, output, imported = run_pleval("validate", "--project", project.root)
    assert code == 1 and "invalid spaCy Matcher pattern" in output
    assert "spacy" in imported


@pytest.mark.parametrize("by", ["school,role", "transcript,school,role,region,school_level,speaker"])
def test_a_cached_code_run_imports_nothing_heavy_and_prints_the_same(coded_sample, tmp_path, by):
    root = shutil.copytree(coded_sample, tmp_path / "sample")
    code, first, imported = run_pleval("code", "--project", root, "--by", by, "--force", "--no-progress")
    assert code == 0 and "(26 new, 0 from cache)" in first
    assert "spacy" in imported and "pandas" not in imported  # coding needs spaCy (and shows the probe works)
    code, cached, imported = run_pleval("code", "--project", root, "--by", by, "--no-progress")
    assert code == 0 and "(0 new, 26 from cache)" in cached
    assert imported == set()
    assert cached.replace("(0 new, 26 from cache)", "(26 new, 0 from cache)") == first
