"""JupyterLab and headless Chromium for the browser tests and the browser benchmark.

Used by ``tests/browser/conftest.py``, ``tests/browser/test_lite_browser.py`` and the browser
benchmarks:

- :func:`start_lab` starts ``python -m jupyter lab`` on 127.0.0.1 (free port, token, its own
  HOME, config, runtime, settings and workspace folders, no news or update checks) and
  :meth:`Lab.stop` stops it together with every kernel it started;
- :func:`launch_chromium` starts Debian's Chromium through Playwright, or fails saying how
  to install it;
- :func:`write_notebook`, :func:`open_notebook`, :func:`run_all_cells`,
  :func:`close_notebook`, :func:`reopen_notebook` and :func:`explorer_output` drive a
  notebook showing ``concordlab.explore(...)`` in the JupyterLab UI (menus, file browser);
- :func:`serve_folder` serves a static site (a JupyterLite build) as ``python -m http.server``
  does.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from playwright.sync_api import Browser, Locator, Page, Playwright, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Generous: starting a kernel and drawing the first widgets takes 10-20 s on 2 slow cores.
KERNEL_TIMEOUT_MS = 120_000
RENDER_TIMEOUT_MS = 60_000
CHROMIUM_HINT = (
    "Chromium was not found at {path!r} (the browser tests look for $CHROMIUM, then "
    "`chromium` on PATH, then /usr/bin/chromium). They drive Debian's Chromium, not a "
    "browser downloaded by Playwright: install it with "
    "`sudo apt-get update && sudo apt-get install -y chromium` (.ci/run does so)."
)
# JupyterLab front-end settings: no "get Jupyter news?" toast, no update check, no toasts.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
}


class ChromiumMissingError(RuntimeError):
    """Debian's Chromium is not installed."""


def chromium_path() -> str:
    """The Chromium executable: ``$CHROMIUM``, ``chromium`` on PATH or /usr/bin/chromium.

    Raises
    ------
    ChromiumMissingError
        If none of them exists.
    """
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).is_file():
        raise ChromiumMissingError(CHROMIUM_HINT.format(path=candidate))
    return candidate


def launch_chromium(playwright: Playwright, **options: Any) -> Browser:
    """Launch headless Chromium (Debian's build) with Playwright.

    Parameters
    ----------
    playwright : playwright.sync_api.Playwright
        A started Playwright.
    **options
        Extra keyword arguments for ``playwright.chromium.launch``.

    Returns
    -------
    playwright.sync_api.Browser
        Close it when done.
    """
    return playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        args=["--no-sandbox", "--disable-dev-shm-usage"],
        **options,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab server; see :func:`start_lab`."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log_path: Path
    _log: Any = field(repr=False)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The address of a notebook (or any file) of the root folder in the Lab UI.

        ``reset`` starts from an empty workspace: without it JupyterLab reopens what an
        earlier test left open (a notebook whose kernel was killed, and its dialogs).
        """
        return f"{self.base_url}/lab/tree/{path}?token={self.token}&reset"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        """Call the Jupyter server's REST API; return the decoded JSON answer (or None)."""
        request = urllib.request.Request(
            f"{self.base_url}/api/{path.lstrip('/')}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def kernels(self) -> list[dict]:
        """The running kernels (``GET /api/kernels``)."""
        return self.api("GET", "kernels")

    def log(self) -> str:
        """What the server wrote so far (stdout and stderr)."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kernel_process(self, kernel_id: str) -> Any:
        """The process (``psutil.Process``) of a running kernel of this server."""
        import psutil

        for process in _descendants(self.process.pid):
            try:
                if any(kernel_id in part for part in process.cmdline()):
                    return process
            except psutil.Error:  # the process ended meanwhile
                continue
        raise LookupError(f"No process for kernel {kernel_id}.")

    def stop(self, timeout: float = 20) -> None:
        """Shut the server and all its kernels down; kill whatever is left."""
        children = _descendants(self.process.pid)
        if self.process.poll() is None:
            try:
                for kernel in self.kernels():
                    self.api("DELETE", f"kernels/{kernel['id']}", timeout=timeout)
                self.api("POST", "shutdown", timeout=timeout)
                self.process.wait(timeout=timeout)
            except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        _kill(children)
        self._log.close()


def _descendants(pid: int) -> list[Any]:
    try:
        import psutil  # installed with ipykernel
    except ImportError:  # pragma: no cover
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill(processes: list[Any]) -> None:
    if not processes:
        return
    import psutil

    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(processes, timeout=5)


def start_lab(root: Path, state: Path, timeout: float = 90, attempts: int = 3) -> Lab:
    """Start JupyterLab serving ``root``; keep its own user folders under ``state``.

    Parameters
    ----------
    root : Path
        The folder shown in the file browser (notebooks are opened relative to it).
    state : Path
        An empty folder for HOME, Jupyter config/data/runtime, Lab settings and workspaces,
        so that the user's own settings play no part.
    timeout : float
        Seconds to wait for the server to answer.
    attempts : int
        Starts to try (a free port can be taken by someone else in between).

    Returns
    -------
    Lab
        Call :meth:`Lab.stop` when done.
    """
    dirs = {
        name: state / name
        for name in ("home", "config", "data", "runtime", "settings", "workspaces", "ipython")
    }
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    for name, settings in LAB_SETTINGS.items():
        path = dirs["settings"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = {
        **os.environ,
        "HOME": str(dirs["home"]),
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
        "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
        "IPYTHONDIR": str(dirs["ipython"]),
        "PYTHONUNBUFFERED": "1",
    }
    for variable in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_PREFER_ENV_PATH"):
        env.pop(variable, None)
    token = os.urandom(16).hex()
    error = ""
    for attempt in range(attempts):
        port = free_port()
        log_path = state / f"jupyter-lab-{attempt}.log"
        log = log_path.open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--ServerApp.open_browser=False",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--ServerApp.root_dir={root}",
                f"--IdentityProvider.token={token}",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly",
                "--ServerApp.terminals_enabled=False",
                # Root (CI containers) must opt in explicitly.
                *(["--allow-root"] if os.name == "posix" and os.geteuid() == 0 else []),
            ],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        lab = Lab(root, port, token, process, log_path, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                lab.api("GET", "status", timeout=2)
                return lab
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        error = lab.log()
        lab.stop()
    raise RuntimeError(f"JupyterLab did not start after {attempts} attempts:\n{error[-4000:]}")


def write_notebook(path: Path, *sources: str) -> Path:
    """Write a notebook of code cells (Python 3 kernel, no outputs) to ``path``."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in sources],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.write(notebook, path)
    return path


def open_notebook(page: Page, lab: Lab, name: str) -> None:
    """Load JupyterLab in ``page`` on notebook ``name`` (relative to the Lab root)."""
    page.goto(lab.url(name))
    notebook_ready(page)


def reopen_notebook(page: Page, name: str) -> None:
    """Open notebook ``name`` again from the file browser (double click), as a user does."""
    page.locator(".jp-DirListing-item", has_text=name).first.dblclick()
    notebook_ready(page)


def notebook_panel(page: Page) -> Locator:
    """The notebook shown in the main area."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first


def notebook_ready(page: Page) -> None:
    """Wait until the current notebook shows its cells and a kernel status of "Idle"."""
    panel = notebook_panel(page)
    panel.locator(".jp-Cell").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        state="attached", timeout=KERNEL_TIMEOUT_MS
    )


def run_all_cells(page: Page) -> None:
    """Run every cell of the current notebook through the menu: Run > Run All Cells.

    Returns once the first code cell is queued or running (its prompt leaves ``[ ]``);
    the menu is used again if a click was lost while JupyterLab was still busy starting.
    """
    prompt = notebook_panel(page).locator(".jp-CodeCell .jp-InputArea-prompt").first
    for _ in range(3):
        prompt.click()
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        try:
            expect(prompt).to_have_text(re.compile(r"\[[*0-9]+\]"), timeout=10_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")  # close the menu if it is still open
    raise AssertionError("Run > Run All Cells did not start the notebook's cells.")


def close_notebook(page: Page, timeout_ms: float = RENDER_TIMEOUT_MS) -> None:
    """Close the current notebook tab (File > Close Tab), discarding unsaved outputs."""
    panels = page.locator(".jp-NotebookPanel")
    count = panels.count()
    page.locator(".lm-MenuBar-item", has_text="File").first.click()
    page.locator(".lm-Menu-item[data-command='application:close']").click()
    discard = page.locator(".jp-Dialog button", has_text="Discard")
    deadline = time.monotonic() + timeout_ms / 1000
    while panels.count() >= count:
        if time.monotonic() > deadline:
            raise AssertionError("The notebook tab did not close.")
        if discard.count():
            discard.first.click()
        page.wait_for_timeout(100)


def explorer_output(page: Page, timeout_ms: float = KERNEL_TIMEOUT_MS) -> Locator:
    """The output element of the cell that shows the explorer, once its plot is drawn.

    Returns
    -------
    playwright.sync_api.Locator
        The ``.jp-OutputArea-output`` holding the explorer.

    Raises
    ------
    AssertionError
        With the notebook's outputs (e.g. a traceback) if no plot shows up in time.
    """
    panel = notebook_panel(page)
    output = panel.locator(".jp-OutputArea-output").filter(has=page.locator(".js-plotly-plot"))
    title = main_plot(output.first).locator(".gtitle")
    traceback = panel.locator(".jp-OutputArea-output", has_text="Traceback")
    try:
        title.or_(traceback).first.wait_for(timeout=timeout_ms)
    except PlaywrightTimeoutError:
        pass
    if not title.count():
        outputs = panel.locator(".jp-OutputArea").all_inner_texts()
        raise AssertionError(
            "The explorer's plot was not drawn. Notebook outputs:\n" + "\n".join(outputs)
        )
    return output.first


def run_explorer_notebook(page: Page, lab: Lab, name: str, source: str) -> Locator:
    """Write notebook ``name`` of one cell ``source``, run it in JupyterLab, and return the
    output element of the explorer it shows (see :func:`explorer_output`)."""
    write_notebook(lab.root / name, source)
    open_notebook(page, lab, name)
    run_all_cells(page)
    return explorer_output(page)


def main_plot(output: Locator) -> Locator:
    """The explorer's plotly figure (signals and concordance) in an output element."""
    return output.locator(".js-plotly-plot").filter(
        has=output.page.locator(".gtitle", has_text="session index")
    )


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    """What ``python -m http.server`` serves (as the README says to try a site), quietly."""

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while the block runs; yields its address."""
    handler = functools.partial(_QuietFiles, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
