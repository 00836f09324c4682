"""Where ``pleval build`` runs its pages: one after another in this process, in a pool of processes (``-j N``),
or as tasks on an existing Dask cluster.

A page is a plain dict (id, title, notebook, parameters, inputs, and the paths of its executed notebook and its
HTML) and its result another, so any executor can
carry them. Runners are made before the build codes the transcripts and drafts the briefs: their kernels (and
the pool's workers) boot meanwhile. Pages are handed over with :meth:`Runner.start` (each brief once drafted,
then the overview) and :meth:`Runner.results` yields every result as it finishes.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

from ..errors import RunnerError

KERNEL = "python3"



def run_page(page: dict, next_cwd: str | None = None) -> dict:
    """Execute one page's notebook with papermill and convert it to HTML.

    The page runs in the kernel launched ahead in this process, if any (see :mod:`pleval.build.kernels`). With
    ``next_cwd``, the next page's kernel is launched there as soon as this page's has run, so that it boots while
    this page is converted.

    A failure (an exception in a cell, a dead kernel) is returned as status ``failed`` with the error, never
    raised: the executed notebook keeps the error at the failing cell.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from . import kernels
    from .pages import write_notebook_html

    started = time.perf_counter()
    executed, html = Path(page["executed"]), Path(page["html"])
    executed.parent.mkdir(parents=True, exist_ok=True)
    html.parent.mkdir(parents=True, exist_ok=True)
    result = {"id": page["id"], "status": "built", "error": None,
              "built_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
    kernel = node = None
    try:
        kernel = kernels.take(notebook_folder(page))
        node = papermill.execute_notebook(page["notebook"], str(executed), parameters=page["parameters"],
                                   kernel_name=KERNEL, progress_bar=False, log_output=False, km=kernel.manager,
                                   request_save_on_cell_execute=False)  # saved once, at the end (or the error)
    except PapermillExecutionError as error:
        result.update(status="failed", error=f"cell {error.exec_count}: {error.ename}: {error.evalue}")
    except Exception as error:  # a kernel that died or could not start, an unreadable notebook
        result.update(status="failed", error=f"{type(error).__name__}: {error}")
    finally:
        if next_cwd is not None:
            kernels.launch_ahead(next_cwd)
        if kernel is not None:
            kernel.stop()  # it goes while the page is converted
    executed_at = time.perf_counter()
    if result["status"] == "built":
        try:
            write_notebook_html(node, html, title=page["title"], parameters=page["parameters"],
                                inputs=page["inputs"], seconds=executed_at - started,
                                notebook=Path(page["notebook"]).name)
        except Exception as error:
            result.update(status="failed", error=f"converting to HTML: {type(error).__name__}: {error}")
    if kernel is not None:
        kernel.close()
    finished = time.perf_counter()
    result.update(seconds=finished - started, execute_seconds=executed_at - started,
                  convert_seconds=finished - executed_at)
    return result


def lighter_imports() -> None:
    """Keep jsonschema (which nbformat, papermill and nbconvert import) from importing rfc3987-syntax.

    JupyterLab's dependencies install it, and jsonschema imports it when present, to check the "iri" string
    format, which no notebook schema uses. Importing it builds a parser: 1.5-2 s of CPU in every process
    (python-jsonschema/jsonschema#1392). Build processes go without it; the "iri" format is then unchecked.
    """
    # a None entry makes its import fail; jsonschema allows that (typeshed types sys.modules without None entries)
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def notebook_folder(page: dict) -> str:
    """Where a page's kernel runs: its notebook's folder, so the notebook's relative paths hold."""
    return str(Path(page["notebook"]).parent)


class Runner:
    """Runs pages handed over with :meth:`start`; :meth:`results` yields each result as it finishes. Use as a
    context manager: on exit, kernels no page took are shut down."""

    def start(self, pages: list[dict]) -> None:
        if pages:
            raise NotImplementedError("a runner for no pages was handed some")

    def results(self):
        return iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class SerialRunner(Runner):
    """One page at a time in this process, the next page's kernel booting while the previous page converts."""

    def __init__(self, folder: str):
        from . import kernels

        self.queue: list[dict] = []
        kernels.launch_ahead(folder)
        lighter_imports()

    def start(self, pages):
        self.queue += pages

    def results(self):
        while self.queue:
            page = self.queue.pop(0)
            yield run_page(page, notebook_folder(self.queue[0]) if self.queue else None)

    def __exit__(self, *exc):
        from . import kernels

        kernels.discard()


# in a pool's worker: how many kernels the workers may still launch ahead, shared among them
_launches: Synchronized[int] | None = None


def _start_worker(folder: str, launches: Synchronized[int]) -> None:
    import multiprocessing.util

    from . import kernels

    global _launches
    _launches = launches
    kernels.launch_ahead(folder)
    multiprocessing.util.Finalize(None, kernels.discard, exitpriority=10)  # workers end without atexit
    # While the build drafts the briefs, get what every page needs ready: papermill, and nbconvert's templates.
    lighter_imports()
    import papermill  # noqa: F401

    from .pages import warm

    warm()


def _run_in_worker(page: dict) -> dict:
    """:func:`run_page` in a pool's worker, launching the next kernel ahead while pages remain to be started."""
    launches = _launches
    if launches is None:
        raise RuntimeError("pages run in a worker only in a pool started with _start_worker")
    with launches.get_lock():
        ahead = launches.value > 0
        launches.value -= ahead
    return run_page(page, notebook_folder(page) if ahead else None)


class PoolRunner(Runner):
    """Pages in a pool of ``jobs`` processes, each with a kernel launched ahead."""

    def __init__(self, total: int, folder: str, jobs: int):
        self.futures: list[Future[dict]] = []
        workers = min(jobs, total)
        launches = multiprocessing.Value("i", total - workers)  # kernels still to launch ahead
        self.pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(folder, launches))
        for _ in range(workers):  # start the workers, and so their kernels, now rather than at the first page
            self.pool.submit(os.getpid)

    def start(self, pages):
        self.futures += [self.pool.submit(_run_in_worker, page) for page in pages]

    def results(self):
        for future in as_completed(self.futures):
            yield future.result()
        self.futures = []

    def __exit__(self, *exc):
        self.pool.shutdown(cancel_futures=True)


class DaskRunner(Runner):
    """Pages as tasks on the Dask cluster at ``scheduler``."""

    def __init__(self, scheduler: str):
        try:
            from distributed import Client
        except ImportError:
            raise RunnerError("the dask executor needs the 'distributed' package",
                              fix="pip install 'pleval[dask]'") from None
        try:
            self.client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise RunnerError(f"cannot reach the Dask scheduler at {scheduler}: {error}",
                              fix="check the address (tcp://HOST:8786) and that the cluster is running") from None
        self.futures: list[Any] = []  # distributed's futures

    def start(self, pages):
        self.futures += [self.client.submit(run_page, page, pure=False,
                                            key=f"pleval-page-{page['id']}-{time.time_ns()}") for page in pages]

    def results(self):
        from distributed import as_completed as dask_completed

        for future in dask_completed(self.futures):
            yield future.result()
        self.futures = []

    def __exit__(self, *exc):
        self.client.close()


def runner(pages: list[dict], *, jobs: int = 1, executor: str = "processes",
           scheduler: str | None = None) -> Runner:
    """The runner for ``pages`` (which it is told of now, to launch their kernels; hand them over with
    :meth:`Runner.start`).

    Raises
    ------
    RunnerError
        For the dask executor without the ``distributed`` package or with an unreachable scheduler.
    """
    if executor == "dask":
        if not scheduler:
            raise RunnerError("the dask executor needs a scheduler address", fix="e.g. tcp://10.0.0.5:8786")
        return DaskRunner(scheduler)
    if not pages:
        return Runner()
    folder = notebook_folder(pages[0])
    if jobs == 1 or len(pages) == 1:
        return SerialRunner(folder)
    return PoolRunner(len(pages), folder, jobs)
