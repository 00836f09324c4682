"""``pleval build``: pages run under papermill, converted for reviewers, incrementally, in parallel, on Dask."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from pleval.build.batch import PACKAGED_NOTEBOOKS, build, plan
from pleval.cli import main
from pleval.errors import BuildError

pytestmark = pytest.mark.notebook


@pytest.fixture
def project(small_build_project):
    return small_build_project


def statuses(report):
    return {r.id: r.status for r in report.results}


def test_each_page_is_run_converted_and_listed(project):
    report = build(project, progress=False)
    assert statuses(report) == {"overview": "built", "alpha": "built", "beta": "built", "broken": "failed"}
    html = (project.root / "outputs" / "html" / "alpha.html").read_text()
    assert "Findings for alpha" in html
    assert "<script" not in html and "onerror" not in html  # nothing executable reaches the page
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert 'class="jp-InputArea"' not in html.replace("jp-MarkdownCell", "")  # no code inputs
    assert "display(Markdown" not in html
    assert 'href="#' in html.split('id="pleval-toc"')[1].split("</nav>")[0]  # a table of contents
    assert "brief_id=alpha" in html and "pleval 0.1.0" in html  # the footer: parameters, version
    index = (project.root / "outputs" / "html" / "index.html").read_text()
    assert "Test evaluation" in index and "Alpha brief" in index and 'href="alpha.html"' in index
    assert "status-failed" in index and "this brief is broken on purpose" in index
    # the overview names every site: it is the team's, apart from the reviewers' pages and never linked from them
    assert "overview" not in index.lower() and not (project.root / "outputs" / "html" / "overview.html").exists()
    internal = (project.root / "outputs" / "internal" / "index.html").read_text()
    assert 'href="overview.html"' in internal and 'href="../html/alpha.html"' in internal
    assert "for the evaluation team only" in internal
    manifest = json.loads((project.root / "outputs" / "manifest.json").read_text())
    alpha = manifest["pages"]["alpha"]
    assert alpha["parameters"]["brief_id"] == "alpha" and alpha["status"] == "built"
    assert set(alpha["inputs"]) >= {"transcripts", "codings", "codebook", "survey", "brief", "notebook", "pleval"}
    assert alpha["execute_seconds"] > 0 and "papermill" in manifest["versions"]


def test_pages_built_by_other_pleval_code_are_out_of_date(project, monkeypatch):
    import pleval.build.batch

    build(project, progress=False)
    monkeypatch.setattr(pleval.build.batch, "pleval_digest", lambda: "0.1.0+another-checkout")
    assert set(statuses(build(project, progress=False)).values()) == {"built", "failed"}
    assert set(statuses(build(project, progress=False)).values()) == {"unchanged", "failed"}


def test_pleval_digest_follows_the_code_and_templates_it_hashes(tmp_path, monkeypatch):
    from pleval.inputs import digests

    package = tmp_path / "pleval"
    (package / "inputs").mkdir(parents=True)
    (package / "templates").mkdir()
    (package / "inputs" / "digests.py").write_text("x = 1\n")
    (package / "templates" / "page.j2").write_text("{{ x }}\n")
    monkeypatch.setattr(digests, "__file__", str(package / "inputs" / "digests.py"))
    seen = set()
    for path, text in [(None, None), ("inputs/digests.py", "x = 2\n"), ("templates/page.j2", "{{ y }}\n")]:
        if path:
            (package / path).write_text(text)
        digests.pleval_digest.cache_clear()
        seen.add(digests.pleval_digest())
    digests.pleval_digest.cache_clear()
    assert len(seen) == 3


def test_a_failing_page_keeps_its_executed_notebook_with_the_error(project):
    report = build(project, ["broken", "alpha"], progress=False)
    assert statuses(report) == {"alpha": "built", "broken": "failed"}
    assert "AssertionError" in report.failed[0].error
    executed = nbformat.read(project.root / "outputs" / "notebooks" / "broken.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["evalue"] == "this brief is broken on purpose"
    assert not (project.root / "outputs" / "html" / "broken.html").exists()


def test_unchanged_pages_are_not_run_again(project):
    build(project, progress=False)
    again = build(project, progress=False)
    assert statuses(again) == {"overview": "unchanged", "alpha": "unchanged", "beta": "unchanged",
                               "broken": "failed"}  # a failed page is always retried
    briefs = yaml.safe_load((project.root / "data" / "briefs.yaml").read_text())
    briefs["briefs"][1]["title"] = "Beta brief, revised"
    (project.root / "data" / "briefs.yaml").write_text(yaml.safe_dump(briefs, sort_keys=False))
    assert statuses(build(project, progress=False))["beta"] == "built"
    assert statuses(build(project, progress=False))["alpha"] == "unchanged"
    (project.root / "data" / "codings").mkdir(exist_ok=True)
    (project.root / "data" / "codings" / "ana.jsonl").write_text("")  # a coding log appears: every page
    assert set(statuses(build(project, progress=False)).values()) == {"built", "failed"}
    assert statuses(build(project, ["alpha"], force=True, progress=False)) == {"alpha": "built"}


def test_what_a_brief_publishes_of_the_survey_is_an_input_of_every_page(project):
    # survey figures are suppressed over the whole build: another brief's filters can withhold one of this one's
    def inputs():
        return {page.id: page.inputs for page in plan(project)}

    before = inputs()
    path = project.root / "data" / "briefs.yaml"
    briefs = yaml.safe_load(path.read_text())
    briefs["briefs"][1]["title"] = "Beta brief, revised"
    path.write_text(yaml.safe_dump(briefs, sort_keys=False))
    retitled = inputs()
    assert retitled["alpha"] == before["alpha"] and retitled["overview"] == before["overview"]
    briefs["briefs"][1]["filters"] = {"region": ["northwest"]}
    path.write_text(yaml.safe_dump(briefs, sort_keys=False))
    narrowed = inputs()
    assert narrowed["alpha"]["survey_figures"] != before["alpha"]["survey_figures"]
    assert narrowed["overview"] != before["overview"]


def test_pages_run_in_parallel_processes(project):
    report = build(project, ["alpha", "beta", "broken"], jobs=2, progress=False)
    assert statuses(report) == {"alpha": "built", "beta": "built", "broken": "failed"}
    assert (project.root / "outputs" / "html" / "beta.html").exists()


def test_each_page_runs_in_a_kernel_launched_ahead_and_none_is_left_running(project, monkeypatch):
    import psutil

    from pleval.build import kernels

    launched, closed = [], []

    class Counted(kernels.Kernel):
        def __init__(self, cwd):
            super().__init__(cwd)
            launched.append(self)

        def close(self):
            closed.append(self)
            super().close()

    monkeypatch.setattr(kernels, "Kernel", Counted)
    report = build(project, ["alpha", "beta", "broken"], progress=False)
    assert statuses(report) == {"alpha": "built", "beta": "built", "broken": "failed"}
    assert len(launched) == 3 and closed == launched  # one per page, each launched before it was needed
    assert all(not Path(kernel.sockets).exists() for kernel in launched)
    assert not [child for child in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(
        child.cmdline())]


@pytest.mark.dask
def test_pages_run_on_a_dask_cluster(project):
    distributed = pytest.importorskip("distributed", reason="the dask extra (pip install 'pleval[dask]')")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        report = build(project, ["alpha", "beta"], executor="dask", scheduler=cluster.scheduler_address,
                       progress=False)
    assert statuses(report) == {"alpha": "built", "beta": "built"}
    assert "Findings for beta" in (project.root / "outputs" / "html" / "beta.html").read_text()


def test_unknown_briefs_and_executors_are_clean_errors(project):
    with pytest.raises(BuildError, match="unknown brief"):
        plan(project, ["gamma"])
    result = CliRunner().invoke(main, ["build", "--project", str(project.root), "--briefs", "gamma"])
    assert result.exit_code == 1 and "unknown brief(s): gamma" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["build", "--project", str(project.root), "--executor", "dask"])
    assert result.exit_code == 1 and "--scheduler" in result.output


def test_cli_reports_failures_and_exits_non_zero(project):
    result = CliRunner().invoke(main, ["build", "--project", str(project.root), "--briefs", "alpha,broken",
                                       "--no-progress"])
    assert result.exit_code == 1
    assert "built  alpha" in result.output and "failed  broken" in result.output
    assert "outputs/notebooks/broken.ipynb" in result.output and "1 built, 0 unchanged, 1 failed" in result.output


def test_build_processes_validate_notebooks_without_the_slow_iri_checker():
    """rfc3987-syntax takes seconds to import and checks a format no notebook uses: build processes skip it."""
    import subprocess
    import sys

    probe = ("import sys; from pleval.build.runners import lighter_imports; lighter_imports(); "
             "import nbformat, papermill; nbformat.validate(nbformat.v4.new_notebook()); "
             "print(sys.modules['rfc3987_syntax'])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "None"


def test_a_new_project_builds_its_overview_with_the_notebooks_pleval_ships(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "clinics"
    assert runner.invoke(main, ["init", str(folder)]).exit_code == 0
    assert not (folder / "notebooks").exists()
    result = runner.invoke(main, ["build", "--project", str(folder), "--no-progress"])
    # the skeleton's example brief has no transcript to select yet; its page runs the shipped brief notebook too
    assert "no notebook" not in result.output and "Traceback" not in result.output
    assert (folder / "outputs" / "internal" / "overview.html").exists()  # the team's page, not the reviewers'
    manifest = json.loads((folder / "outputs" / "manifest.json").read_text())
    assert manifest["pages"]["overview"]["status"] == "built"
    assert manifest["pages"]["overview"]["notebook"] == "overview.ipynb"


def test_the_project_s_own_notebook_wins_over_the_shipped_one(tmp_path):
    from pleval.scaffold import create_project

    project = create_project(tmp_path / "library")
    assert plan(project)[0].notebook == PACKAGED_NOTEBOOKS / "overview.ipynb"
    project.notebooks_dir.mkdir()
    own = project.notebooks_dir / "overview.ipynb"
    own.write_bytes((PACKAGED_NOTEBOOKS / "overview.ipynb").read_bytes())
    assert plan(project)[0].notebook == own
