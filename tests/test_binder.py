"""Binder: what repo2docker builds from ``binder/`` runs the teaching notebooks.

repo2docker reads ``binder/runtime.txt`` (the Python version) and installs
``binder/requirements.txt`` (every package pinned, then the repository itself) from the
repository's root. The slow test does the same in a fresh virtual environment, on a copy
of the files git tracks (a clean clone), and executes every notebook in it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!_-]+$")
LOCAL = {"-e .", "."}


def normalise(pin: str) -> str:
    """``Name_With.Dots[extra]==1.0`` as ``name-with-dots==1.0`` (PEP 503 names)."""
    name, _, version = pin.partition("==")
    return re.sub(r"[-_.]+", "-", name.split("[")[0]).lower() + "==" + version


def requirement_lines() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def test_runtime_pins_a_python_current_enough_for_the_stack():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(1[1-9])", runtime), runtime
    # The version the project supports (pyproject's requires-python) and tests on.
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"


def test_requirements_pin_every_package_and_install_the_repository():
    lines = requirement_lines()
    local = [line for line in lines if line in LOCAL]
    pinned = [line for line in lines if line not in LOCAL]
    assert local == [lines[-1]], "the repository itself is installed once, after the pins"
    unpinned = [line for line in pinned if not PIN.match(line)]
    assert not unpinned, f"not pinned with ==: {unpinned}"
    names = [normalise(line).split("==")[0] for line in pinned]
    assert len(names) == len(set(names)), "a package is pinned twice"
    for needed in ("numpy", "xarray", "plotly", "ipywidgets", "anywidget", "jupyterlab"):
        assert needed in names, f"{needed} is not pinned"


def tracked_copy(destination: Path) -> Path:
    """The files git tracks, copied to ``destination`` (a clean clone, without .venv)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            target = destination / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


RUN_NOTEBOOKS = """
import json, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

times = {}
for path in sorted(Path("notebooks").glob("*.ipynb")):
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # As on Binder: the kernel starts in the notebook's folder of the clone.
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent.resolve())}}).execute()
    times[path.name] = time.perf_counter() - start
print(json.dumps(times))
"""


@pytest.mark.slow
def test_notebooks_run_in_an_environment_built_from_the_binder_files(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to copy the tracked files")
    repo = tracked_copy(tmp_path / "repo")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Kernels and settings from this environment only: no user-wide kernelspecs. (HOME
    # stays: pip's own configuration, e.g. a package index, lives there.)
    jupyter = tmp_path / "jupyter"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "IPYTHON"))
    }
    env.update(
        JUPYTER_DATA_DIR=str(jupyter / "data"),
        JUPYTER_CONFIG_DIR=str(jupyter / "config"),
        JUPYTER_RUNTIME_DIR=str(jupyter / "runtime"),
        IPYTHONDIR=str(jupyter / "ipython"),
        PIP_NO_INPUT="1",
    )
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    # Every installed distribution is one of the pins (nothing floated in unpinned).
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--exclude-editable", "--all"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pins = {normalise(line) for line in requirement_lines() if line not in LOCAL}
    tools = {"pip", "setuptools", "wheel"}
    floating = [
        line
        for line in freeze
        if "==" in line
        and normalise(line).split("==")[0] not in tools
        and normalise(line) not in pins
    ]
    assert not floating, f"installed but not pinned in binder/requirements.txt: {floating}"
    run = subprocess.run(
        [str(python), "-c", RUN_NOTEBOOKS],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    times = json.loads(run.stdout.strip().splitlines()[-1])
    assert sorted(times) == sorted(p.name for p in (repo / "notebooks").glob("*.ipynb"))


def test_readme_badge_opens_the_start_notebook_in_jupyterlab():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\(https://mybinder\.org/v2/gh/([^)\s]+)\)", readme)
    assert links, "no Binder badge link in the README"
    target = re.fullmatch(r"[\w.-]+/[\w.-]+/HEAD\?urlpath=lab/tree/(.+)", links[0])
    assert target, links[0]
    assert (ROOT / target.group(1)).is_file(), target.group(1)
    assert target.group(1) == "notebooks/00-start-here.ipynb"
