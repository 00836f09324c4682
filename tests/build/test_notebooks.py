"""The notebooks: committed clean, a parameters cell first, no code of their own, and they run under papermill."""

from __future__ import annotations

import ast
import json

import papermill
import pytest

from pleval.build.batch import PACKAGED_NOTEBOOKS

from conftest import REPO

pytestmark = pytest.mark.notebook

# The sample project's notebooks/ and the copies pleval ships (which a build runs in a project without its own)
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb")) + sorted(PACKAGED_NOTEBOOKS.glob("*.ipynb"))


def notebook_id(path):
    return f"{'shipped' if path.parent == PACKAGED_NOTEBOOKS else 'sample'}/{path.name}"


def code_cells(path):
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_there_are_notebooks():
    assert {"coding.ipynb", "reliability.ipynb"} <= {p.name for p in NOTEBOOKS}


def test_the_shipped_notebooks_are_the_sample_s_byte_for_byte():
    shipped = {p.name: p.read_bytes() for p in PACKAGED_NOTEBOOKS.glob("*.ipynb")}
    sample = {p.name: p.read_bytes() for p in (REPO / "notebooks").glob("*.ipynb")}
    assert sorted(shipped) == sorted(sample) == ["brief.ipynb", "coding.ipynb", "overview.ipynb", "reliability.ipynb"]
    differ = [name for name in shipped if shipped[name] != sample[name]]
    assert not differ, (f"notebooks/ and src/pleval/notebooks/ differ in {', '.join(differ)}: edit one, then copy "
                        "it over the other")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_committed_without_outputs(path):
    for cell in code_cells(path):
        assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name}: clear its outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_no_def_or_class_in_notebooks(path):
    for cell in code_cells(path):
        tree = ast.parse("".join(cell["source"]))
        defined = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                                                 ast.Lambda))]
        assert not defined, f"{path.name}: move {type(defined[0]).__name__} into the pleval package"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_first_code_cell_is_parameters_and_only_assigns(path):
    first = code_cells(path)[0]
    assert "parameters" in first["metadata"].get("tags", [])
    tree = ast.parse("".join(first["source"]))
    assert tree.body and all(isinstance(node, ast.Assign) for node in tree.body)


def run(name, project, tmp_path, **parameters):
    out = tmp_path / f"{name}.out.ipynb"
    papermill.execute_notebook(REPO / "notebooks" / f"{name}.ipynb", out, kernel_name="python3",
                               parameters={"project": str(project.root), **parameters}, cwd=REPO / "notebooks",
                               progress_bar=False)
    return json.loads(out.read_text())


def outputs(notebook, mime):
    return [o["data"][mime] for c in notebook["cells"] for o in c.get("outputs", []) if mime in o.get("data", {})]


def test_reliability_notebook_runs_with_tables_and_charts(fresh_sample, tmp_path):
    notebook = run("reliability", fresh_sample, tmp_path, resamples=50, judge_model=False)  # test_learn judges it
    assert len(outputs(notebook, "image/png")) == 2  # alpha per code; rules against the consensus
    tables = "".join("".join(t) for t in outputs(notebook, "text/html"))
    assert "(all codes)" in tables and "administrator_trust" in tables and "precision" in tables


def test_coding_notebook_runs_to_a_widget_without_writing(fresh_sample, tmp_path):
    logs = sorted(p.name for p in (fresh_sample.root / "data" / "codings").glob("*.jsonl"))
    notebook = run("coding", fresh_sample, tmp_path, coder="papermill")
    assert outputs(notebook, "application/vnd.jupyter.widget-view+json")
    assert sorted(p.name for p in (fresh_sample.root / "data" / "codings").glob("*.jsonl")) == logs
