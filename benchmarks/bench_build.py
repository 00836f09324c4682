"""How fast ``pleval build`` is, as ratios against floors measured in the same run.

1. One brief's build with --force (drafting the brief, a papermill run of the brief notebook, nbconvert) against
   a bare papermill run of an empty notebook (kernel start and stop): target at most 1.5x. Also with the brief's
   charts drawn again, as after a change to its figures.
2. N briefs with -j 2 against -j 1: target at most 0.6x.
3. A no-op rebuild (nothing changed): target at most 2 s, whatever N.
4. Scale (with --scale or --only-scale): about 1,000 transcripts (8M words) coded and 18 briefs built by one
   ``build(jobs=2)``: time and peak memory of the whole process tree (target: at most 5 minutes and 2 GiB).

    python benchmarks/bench_build.py [--scale | --only-scale]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import papermill
import psutil
import yaml
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from pleval.build.batch import build  # noqa: E402
from pleval.coding.run import code_project  # noqa: E402
from pleval.inputs.transcripts import load_transcripts  # noqa: E402
from pleval.project import Project  # noqa: E402


def copy_project(target: Path) -> Project:
    shutil.copytree(REPO / "data", target / "data")
    shutil.copytree(REPO / "notebooks", target / "notebooks")
    return Project.open(target)


def bare_papermill(folder: Path, repeat: int = 3) -> float:
    """The floor: papermill running a notebook with one empty parameters cell (best of ``repeat``)."""
    cell = new_code_cell("")
    cell.metadata["tags"] = ["parameters"]
    notebook = new_notebook(cells=[cell])
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    path = folder / "empty.ipynb"
    nbformat.write(notebook, path)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        papermill.execute_notebook(str(path), str(folder / "empty.out.ipynb"), kernel_name="python3",
                                   progress_bar=False)
        times.append(time.perf_counter() - start)
    return min(times)


def timed_build(project: Project, ids=None, **options) -> tuple[float, object]:
    start = time.perf_counter()
    report = build(project, ids, progress=False, **options)
    seconds = time.perf_counter() - start
    failed = [r for r in report.results if r.status == "failed"]
    if failed:
        raise SystemExit(f"build failed: {failed[0].id}: {failed[0].error}")
    return seconds, report


class PeakMemory:
    """The peak memory of this process and all its children (kernels, workers), sampled: as the sum of their
    proportional set sizes (PSS: a page shared by n processes counts 1/n in each, so the sum is the memory the
    tree really holds) and, for comparison, of their resident set sizes (RSS: shared pages counted in each)."""

    def __init__(self, every: float = 0.2):
        self.every, self.peak, self.peak_rss, self._stop = every, 0, 0, threading.Event()

    def _sample(self):
        me = psutil.Process()
        while not self._stop.is_set():
            pss = rss = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    info = process.memory_full_info()
                    pss, rss = pss + info.pss, rss + info.rss
                except psutil.Error:
                    pass
            self.peak, self.peak_rss = max(self.peak, pss), max(self.peak_rss, rss)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def grow(project: Project, transcripts: int, words_each: int, briefs: int, seed: int = 7) -> int:
    """Add generated transcripts (recombined sample turns under sample metadata) and copies of the briefs."""
    sample, _ = load_transcripts(project.transcripts_dir, project.root)
    rng = random.Random(seed)
    answers = [t.text for tr in sample for t in tr.turns if not t.is_interviewer]
    questions = [t.text for tr in sample for t in tr.turns if t.is_interviewer]
    words = sum(len(t.text.split()) for t in sample)
    for number in range(transcripts - len(sample)):
        template = rng.choice(sample).meta
        meta = template.model_dump(mode="json", exclude_none=True)
        meta["id"] = f"scale-{number:04d}"
        interviewer = template.interviewers[0]
        lines, count = [], 0
        while count < words_each:
            speaker = rng.choice(template.participants).name
            answer = rng.choice(answers)
            lines += [f"{interviewer}: {rng.choice(questions)}", "", f"{speaker}: {answer}", ""]
            count += len(answer.split())
        body = "\n".join(lines)
        (project.transcripts_dir / f"{meta['id']}.txt").write_text(
            f"---\n{yaml.safe_dump(meta, sort_keys=False)}---\n{body}", encoding="utf-8")
        words += len(body.split())
    path = project.root / "data" / "briefs.yaml"
    data = yaml.safe_load(path.read_text())
    original = list(data["briefs"])
    while len(data["briefs"]) < briefs:
        copy = dict(original[len(data["briefs"]) % len(original)])
        copy["id"] = f"{copy['id']}-copy-{len(data['briefs'])}"
        data["briefs"].append(copy)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return words


def small(root: Path) -> None:
    """The sample project: one brief against the floor (rounds alternate, so both see the same machine), -j 2
    against -j 1, and a no-op rebuild."""
    project = copy_project(root / "project")
    code_project(project, progress=False)
    briefs = [b["id"] for b in yaml.safe_load((project.root / "data" / "briefs.yaml").read_text())["briefs"]]
    floors, ones, drawn = [], [], []
    charts = project.output_path("cache", "charts")
    for _ in range(3):
        floors.append(bare_papermill(root, repeat=1))
        ones.append(timed_build(project, briefs[:1], force=True)[0])
        shutil.rmtree(charts, ignore_errors=True)  # as after a change to the brief's figures: charts drawn again
        drawn.append(timed_build(project, briefs[:1], force=True)[0])
    floor, one, redrawn = min(floors), min(ones), min(drawn)
    serial, _ = timed_build(project, briefs, force=True, jobs=1)
    parallel, _ = timed_build(project, briefs, force=True, jobs=2)
    timed_build(project)  # the overview too, so that everything is up to date
    noop = min(timed_build(project)[0] for _ in range(3))
    print(f"bare papermill run of an empty notebook (floor): {floor:.2f} s")
    print(f"one brief built (--force: drafted again, charts kept): {one:.2f} s = {one / floor:.2f}x the floor "
          "(target <= 1.5x)")
    print(f"one brief built with its charts drawn again: {redrawn:.2f} s = {redrawn / floor:.2f}x the floor")
    print(f"{len(briefs)} briefs: -j 1 {serial:.1f} s, -j 2 {parallel:.1f} s = {parallel / serial:.2f}x "
          "(target <= 0.6x)")
    print(f"no-op rebuild of {len(briefs) + 1} pages: {noop:.2f} s (target <= 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="also run the 1,000-transcript, 18-brief build")
    parser.add_argument("--only-scale", action="store_true", help="run the scale build only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if not args.only_scale:
            small(root)
        if args.scale or args.only_scale:
            big = copy_project(root / "scale")
            words = grow(big, 1000, 6000, 18)
            with PeakMemory() as memory:
                built, report = timed_build(big, jobs=2)  # codes the new corpus, then builds every page
            coded, drafted = report.stages.get("coding", 0.0), report.stages.get("drafting", 0.0)
            print(f"scale: 1,000 transcripts ({words / 1e6:.1f}M words) and {len(report.results)} pages built with "
                  f"-j 2 in {built:.0f} s (target <= 300 s): coding {coded:.0f} s, drafting the briefs {drafted:.0f} s "
                  f"(pages run meanwhile); peak memory {memory.peak / 2**30:.2f} GiB (target <= 2 GiB; summed RSS, "
                  f"which counts shared pages once per process: {memory.peak_rss / 2**30:.2f} GiB)")

if __name__ == "__main__":
    main()
