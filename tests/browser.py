"""Shared pieces of the real-browser tests: the system Chromium under Playwright, and a headless JupyterLab.

Browser tests need /usr/bin/chromium (``.ci/run`` installs it). Without it they are skipped with the reason,
unless ``PLEVAL_REQUIRE_BROWSER=1`` (set by CI), where a missing browser fails them instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = Path(os.environ.get("PLEVAL_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))


def need_browser() -> None:
    """Skip (or, in CI, fail) when there is no Chromium or no Playwright."""
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "Playwright is not installed (pip install -e .[test])"
    if missing:
        if os.environ.get("PLEVAL_REQUIRE_BROWSER"):
            pytest.fail(f"browser test cannot run: {missing}")
        pytest.skip(missing)


@contextmanager
def chromium_page():
    """A headless Chromium page that records console errors and requests.

    Each launch gets a fresh temporary profile from Playwright (it refuses a ``--user-data-dir`` argument).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.console_errors = []
            page.requests = []
            page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
            page.on("request", lambda r: page.requests.append(r.url))
            yield page
        finally:
            browser.close()


def start_kernel(base: str, token: str, path: str) -> None:
    """Start the notebook's session (kernel ``python3``) through the REST API, as JupyterLab would, so that the
    page opens onto a running kernel instead of a kernel chooser."""
    import json

    request = urllib.request.Request(
        f"{base}/api/sessions?token={token}", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"path": path, "name": Path(path).name, "type": "notebook",
                         "kernel": {"name": "python3"}}).encode())
    urllib.request.urlopen(request, timeout=60).read()


def open_notebook(page, base: str, token: str, path: str) -> None:
    """Open a notebook in JupyterLab and wait until its kernel is idle (accepting a kernel chooser if shown)."""
    start_kernel(base, token, path)
    page.goto(f"{base}/lab/tree/{path}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    idle = page.locator(".jp-StatusBar-TextItem", has_text="| Idle")
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if dialog.count():
            dialog.first.click()  # "Select" the notebook's own kernel, python3
        elif idle.count():
            return
        page.wait_for_timeout(250)
    raise AssertionError("the notebook's kernel did not become idle within 60 s")


def run_all_cells(page) -> None:
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(root: Path, token: str = "pleval-browser-test"):
    """JupyterLab serving ``root`` headless on a free local port; yields its base URL."""
    port = free_port()
    state = root / ".jupyter-state"
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(state / "config"), "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(state / "ws")}
    command = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]
    with open(root / "jupyterlab.log", "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                    break
                except OSError as error:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("JupyterLab did not start:\n"
                                           + (root / "jupyterlab.log").read_text()[-3000:]) from error
                    time.sleep(0.5)
            yield base, token
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
