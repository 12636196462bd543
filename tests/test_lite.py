"""The pieces of the JupyterLite build that need no network; the built site itself is tested
in a browser by tests/browser/test_lite_browser.py."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import concordlab.lite as lite
from concordlab import ConcordlabError, ValidationError
from concordlab.cli import EXIT_USAGE, main
from concordlab.lite import read_pins, write_pyodide_distribution, write_wheel

REPO = Path(__file__).resolve().parents[1]


def _core(folder: Path) -> Path:
    folder.mkdir()
    for name in lite._PYODIDE_CORE_FILES:
        (folder / name).write_text(name)
    return folder


def _official(name: str, wheel: Path, depends: list[str]) -> dict:
    return {
        "name": name,
        "version": "1.0",
        "file_name": wheel.name,
        "install_dir": "site",
        "package_type": "package",
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "imports": [name],
        "depends": depends,
    }


def test_pins_are_those_binder_installs():
    pins = read_pins(REPO / "binder" / "requirements.txt")
    lines = (REPO / "binder" / "requirements.txt").read_text().splitlines()
    pinned = [line for line in lines if "==" in line and not line.lstrip().startswith("#")]
    assert len(pins) == len(pinned) > 100
    assert pins["pyyaml"] == next(line for line in lines if line.startswith("PyYAML=="))[8:]
    for name in lite._PURE_FROM_PYPI:
        assert lite._normalise(name) in pins, name


def test_written_wheel_installs_and_its_record_is_valid(tmp_path):
    source = b'"""demo"""\nANSWER = 42\n'
    wheel = write_wheel(tmp_path, "Demo.Pkg", "2.1", {"demo_mod/__init__.py": source},
                        summary="a demo", requires=["numpy>=1"])  # fmt: skip
    with zipfile.ZipFile(wheel) as archive:
        record = archive.read("demo_pkg-2.1.dist-info/RECORD").decode()
        metadata = archive.read("demo_pkg-2.1.dist-info/METADATA").decode()
        for path, digest, size in csv.reader(record.splitlines()):
            if path.endswith("RECORD"):
                assert digest == size == ""
                continue
            data = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == f"sha256={expected.decode()}" and int(size) == len(data)
    assert "Name: Demo.Pkg\nVersion: 2.1\n" in metadata and "Requires-Dist: numpy>=1" in metadata
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--target", str(target), str(wheel)],
        check=True,
    )  # fmt: skip
    answer = subprocess.run(
        [sys.executable, "-c", "import demo_mod; print(demo_mod.ANSWER)"],
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert answer.stdout.strip() == "42"


def test_requirements_follow_pyodide_markers_and_the_browser_exclusions(tmp_path):
    wheel = write_wheel(
        tmp_path, "thing", "1.0", {"thing/__init__.py": b""},
        requires=[
            "numpy>=1.26",
            "colorama; platform_system == 'Windows'",
            "tomli; python_version < '3.11'",
            "pytest; extra == 'test'",
            "emscripten-only; sys_platform == 'emscripten'",
            "h5py>=3",  # not in the browser: save/load explain this instead
            "Distributed>=2024",
        ],
    )  # fmt: skip
    metadata, imports = lite._wheel_metadata(wheel)
    assert imports == ["thing"]
    assert lite._pyodide_requirements(metadata) == ["numpy", "emscripten-only"]


def test_distribution_keeps_what_the_roots_need_and_replaces_official_entries(tmp_path):
    core = _core(tmp_path / "core")
    official_dir = tmp_path / "official"
    official_dir.mkdir()
    numpy = write_wheel(official_dir, "numpy", "1.0", {"numpy/__init__.py": b""})
    unused = write_wheel(official_dir, "matplotlib", "1.0", {"matplotlib/__init__.py": b""})
    old = write_wheel(official_dir, "xarray", "2024.1", {"xarray/__init__.py": b""})
    lock = {
        "info": {"version": "0.27.7"},
        "packages": {
            "numpy": _official("numpy", numpy, []),
            "matplotlib": _official("matplotlib", unused, ["numpy"]),
            "xarray": _official("xarray", old, ["numpy"]),
        },
    }
    compiled = {"numpy": numpy, "matplotlib": unused, "xarray": old}
    extra_dir = tmp_path / "extra"
    extra_dir.mkdir()
    new = write_wheel(extra_dir, "xarray", "2026.9.0", {"xarray/__init__.py": b"new"},
                      requires=["numpy>=1.26", "pandas; extra == 'io'"])  # fmt: skip
    app = write_wheel(extra_dir, "my-app", "0.1", {"my_app/__init__.py": b"", "tool.py": b""},
                      requires=["xarray"])  # fmt: skip
    out = tmp_path / "out"
    count = write_pyodide_distribution(out, core, lock, compiled, [new, app], ["my_app"])
    written = json.loads((out / "pyodide-lock.json").read_text())
    assert count == 3 and sorted(written["packages"]) == ["my-app", "numpy", "xarray"]
    assert written["info"] == lock["info"]
    entry = written["packages"]["xarray"]
    assert entry["version"] == "2026.9.0" and entry["depends"] == ["numpy"]
    assert entry["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest()
    assert written["packages"]["my-app"]["imports"] == ["my_app", "tool"]
    files = {p.name for p in out.iterdir()}
    assert files == set(lite._PYODIDE_CORE_FILES) | {
        "pyodide-lock.json",
        numpy.name,
        new.name,
        app.name,
    }


def test_distribution_refuses_a_missing_dependency(tmp_path):
    core = _core(tmp_path / "core")
    wheel = write_wheel(tmp_path, "needy", "1.0", {"needy/__init__.py": b""},
                        requires=["not-there"])  # fmt: skip
    with pytest.raises(ConcordlabError, match=r"lacks \['not-there'\], which needy needs"):
        write_pyodide_distribution(tmp_path / "out", core, {"packages": {}}, {}, [wheel], ["needy"])


def test_a_dependency_resolves_to_pyodides_own_build_from_the_wheel_metadata(tmp_path):
    # as concordlab's Requires-Dist on a compiled package (xxhash) would: Pyodide's own wheel
    # and lock entry when the build has the wheel; when not, the error says why
    core = _core(tmp_path / "core")
    official_dir = tmp_path / "official"
    official_dir.mkdir()
    xxhash = write_wheel(official_dir, "xxhash", "3.4.1", {"xxhash/__init__.py": b""})
    lock = {"info": {"version": "0.27.7"}, "packages": {"xxhash": _official("xxhash", xxhash, [])}}
    app = write_wheel(tmp_path, "my-app", "0.1", {"my_app/__init__.py": b""},
                      requires=["xxhash>=3", "numpy"])  # fmt: skip
    numpy = write_wheel(official_dir, "numpy", "2.0", {"numpy/__init__.py": b""})
    lock["packages"]["numpy"] = _official("numpy", numpy, [])
    compiled = {"xxhash": xxhash, "numpy": numpy}
    write_pyodide_distribution(tmp_path / "out", core, lock, compiled, [app], ["my_app"])
    written = json.loads((tmp_path / "out" / "pyodide-lock.json").read_text())["packages"]
    assert written["my-app"]["depends"] == ["numpy", "xxhash"]
    assert written["xxhash"] == lock["packages"]["xxhash"]
    with pytest.raises(ConcordlabError, match=r"lacks \['xxhash'\].*Pyodide 0.27.7 builds"):
        write_pyodide_distribution(
            tmp_path / "out2", core, lock, {"numpy": numpy}, [app], ["my_app"]
        )


def test_a_pyodide_wheel_that_differs_from_the_lock_is_refused(tmp_path):
    folder = tmp_path / "pyodide-wheels"
    folder.mkdir()
    genuine = write_wheel(folder, "numpy", "2.0.2", {"numpy/__init__.py": b""})
    (folder / ".complete").touch()  # as if extracted by an earlier build
    official = {"numpy": _official("numpy", genuine, [])}
    assert lite._pyodide_wheels(tmp_path, official) == {"numpy": genuine}
    genuine.write_bytes(genuine.read_bytes() + b"tampered")
    with pytest.raises(ConcordlabError, match="Refusing numpy-2.0.2-py3-none-any.whl"):
        lite._pyodide_wheels(tmp_path, official)
    assert not folder.exists()  # the bad copy is gone; the next build downloads again


def _cached_pypi_wheel(folder: Path, monkeypatch) -> tuple[Path, dict[str, str]]:
    """A wheel of toolz at its Binder version, as an earlier build left it in the cache, and
    the pins that vouch for it; pip is stubbed out (no network)."""
    folder.mkdir()
    version = read_pins(REPO / "binder" / "requirements.txt")["toolz"]
    wheel = write_wheel(folder, "toolz", version, {"toolz/__init__.py": b""})
    monkeypatch.setattr(lite, "_PURE_FROM_PYPI", ("toolz",))
    monkeypatch.setattr(lite, "_pip", lambda *arguments: None)  # the file is already there
    return wheel, {wheel.name: hashlib.sha256(wheel.read_bytes()).hexdigest()}


def test_a_pypi_wheel_whose_bytes_changed_is_refused_and_removed(tmp_path, monkeypatch):
    wheel, pinned = _cached_pypi_wheel(tmp_path / "wheels", monkeypatch)
    pins = read_pins(REPO / "binder" / "requirements.txt")
    assert lite._pypi_wheels(pins, wheel.parent, pinned) == [wheel]
    wheel.write_bytes(wheel.read_bytes() + b"tampered")
    tampered = hashlib.sha256(wheel.read_bytes()).hexdigest()
    with pytest.raises(ConcordlabError) as refusal:
        lite._pypi_wheels(pins, wheel.parent, pinned)
    message = str(refusal.value)
    assert f"Refusing {wheel.name}" in message and "concordlab/_lite_hashes.py" in message
    assert tampered in message and pinned[wheel.name] in message
    assert not wheel.exists()  # the next build downloads it again


def test_a_pypi_wheel_without_a_pin_is_refused(tmp_path, monkeypatch):
    wheel, _ = _cached_pypi_wheel(tmp_path / "wheels", monkeypatch)
    pins = read_pins(REPO / "binder" / "requirements.txt")
    with pytest.raises(ConcordlabError, match="pins no sha256 for it.*check its sha256"):
        lite._pypi_wheels(pins, wheel.parent, {})
    assert not wheel.exists()


def test_a_pyyaml_sdist_that_differs_from_its_pin_is_refused(tmp_path, monkeypatch):
    version = read_pins(REPO / "binder" / "requirements.txt")["pyyaml"]
    (tmp_path / "sdists").mkdir()
    sdist = tmp_path / "sdists" / f"pyyaml-{version}.tar.gz"
    sdist.write_bytes(b"not the published sdist")
    monkeypatch.setattr(lite, "_pip", lambda *arguments: None)
    with pytest.raises(ConcordlabError, match=f"Refusing pyyaml-{version}.tar.gz"):
        lite._pure_pyyaml_wheel({"pyyaml": version}, tmp_path, tmp_path)
    assert not sdist.exists()


def test_every_file_the_build_takes_from_pypi_has_a_pin():
    """The pins cover each pure-Python requirement at its Binder version, and PyYAML's sdist;
    none is left over from an earlier version."""
    pins = read_pins(REPO / "binder" / "requirements.txt")
    wanted = {(lite._normalise(name), pins[lite._normalise(name)]) for name in lite._PURE_FROM_PYPI}
    wheels = [name for name in lite.PYPI_SHA256 if name.endswith(".whl")]
    pinned = [lite._wheel_name_version(Path(name)) for name in wheels]
    assert sorted(pinned) == sorted(wanted)  # one file each, for exactly these versions
    sdists = [name for name in lite.PYPI_SHA256 if not name.endswith(".whl")]
    assert sdists == [f"pyyaml-{pins['pyyaml']}.tar.gz"]
    for name in wheels:
        assert name.endswith("-none-any.whl"), name  # pure Python: the same file everywhere
    for digest in lite.PYPI_SHA256.values():
        assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def test_notebooks_ask_for_the_pyodide_kernel_and_keep_their_cells(tmp_path):
    source = REPO / "notebooks" / "00-start-here.ipynb"
    lite._copy_for_pyodide(source, tmp_path / "copy.ipynb")
    original = json.loads(source.read_text())
    copy = json.loads((tmp_path / "copy.ipynb").read_text())
    assert copy["metadata"]["kernelspec"]["name"] == "python"
    assert copy["cells"] == original["cells"]


def test_not_a_checkout_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(ValidationError, match="not a concordlab source checkout"):
        lite._source_checkout(tmp_path)
    assert main(["lite", "--source", str(tmp_path), "--out", str(tmp_path / "site")]) == EXIT_USAGE
    assert "git clone" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


def test_site_tells_how_to_open_it():
    site = lite.LiteSite(Path("class-site"), ("00-start-here.ipynb", "01-x.ipynb"), 46, 96.6)
    assert "97 MB, 46 Python packages, 2 notebooks" in str(site)
    assert site.url("http://h:1", "01-x.ipynb") == "http://h:1/lab/index.html?path=01-x.ipynb"


def test_a_folder_that_is_not_a_site_is_never_replaced(tmp_path):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("years of work")
    with pytest.raises(ValidationError, match="is not a JupyterLite site"):
        lite.build_lite_site(precious, source=REPO, cache=tmp_path / "cache", log=None)
    assert (precious / "chapter1.tex").read_text() == "years of work"


def _kernel_script() -> str:
    """The JavaScript of the installed Pyodide kernel's web worker."""
    from jupyter_core.paths import jupyter_path

    static = "labextensions/@jupyterlite/pyodide-kernel-extension/static"
    for folder in jupyter_path():
        for script in sorted((Path(folder) / static).glob("*.js")):
            text = script.read_text(errors="replace")
            if "initKernel" in text and "loadPyodideOptions" in text:
                return text
    pytest.fail("the Pyodide kernel's worker script was not found (is the lite extra installed?)")


def test_the_kernel_preloads_what_it_would_install_one_by_one():
    """The site asks the kernel to load, at start and in one batch, every package the kernel's
    worker would otherwise install one at a time (read from the installed kernel itself), and
    concordlab with all it needs; each is a root of the site's Pyodide lock."""
    script = _kernel_script()
    one_by_one = json.loads(re.search(r'\["ssl",[^\]]*\]', script)[0])
    assert 'includes("micropip")' in script and 'includes("piplite")' in script
    settings = lite._LITE_CONFIG["jupyter-config-data"]["litePluginSettings"]
    preload = settings["@jupyterlite/pyodide-kernel-extension:kernel"]["loadPyodideOptions"]
    packages = preload["packages"]
    missing = set(one_by_one) | {"micropip", "piplite", "concordlab"}
    assert missing - set(packages) == set()
    assert set(packages) <= set(lite._KERNEL_PACKAGES)  # all in the lock: the roots
    assert len(packages) == len(set(packages))


def test_the_kernels_own_wheels_enter_the_lock(tmp_path):
    wheels = lite._kernel_wheels()
    assert [lite._wheel_name_version(w)[0] for w in wheels] == [
        "piplite",
        "pyodide-kernel",
        "ipykernel",
    ]
    out = tmp_path / "out"
    roots = ["piplite", "pyodide_kernel", "ipykernel"]  # as the kernel spells them
    count = write_pyodide_distribution(out, _core(tmp_path / "core"), {"packages": {}}, {},
                                       wheels, roots)  # fmt: skip
    written = json.loads((out / "pyodide-lock.json").read_text())["packages"]
    assert count == 3 and written["pyodide-kernel"]["imports"] == ["pyodide_kernel"]
    assert written["piplite"]["imports"] == ["piplite"]


def _demo_wheel(folder: Path) -> Path:
    folder.mkdir()
    return write_wheel(
        folder,
        "demo",
        "1.0",
        {
            "demo/__init__.py": b'"""demo"""\nfrom demo.inner import VALUE\n',
            "demo/inner.py": b"VALUE = 42\n",
            "demo/template.py": b"def {{ name }}(): pass\n",  # not Python: kept as it is
            "demo/static/style.css": b"body {}\n",
            "demo/labextension/remoteEntry.js": b"// for a Jupyter server",
            "demo-1.0.data/data/share/jupyter/labextensions/demo/x.js": b"// the same",
        },
    )


def _install_and_import(wheel: Path, target: Path, code: str) -> str:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--no-compile", "--target", str(target), str(wheel)],
        check=True,
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(target), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_slim_wheel_ships_bytecode_that_imports_without_source(tmp_path):
    """Compiled by the interpreter that runs it (here this one; for the site, Pyodide's), the
    modules import from bytecode alone; the front-end copies for a Jupyter server are gone,
    the data files stay, and the wheel's RECORD is right."""
    wheel = _demo_wheel(tmp_path / "in")
    slim = tmp_path / wheel.name
    count = lite._slim_wheel(str(wheel), str(slim), False, "/site/")
    assert count == 2
    with zipfile.ZipFile(slim) as archive:
        names = set(archive.namelist())
        record = archive.read("demo-1.0.dist-info/RECORD").decode()
        for path, digest, size in csv.reader(record.splitlines()):
            if not path.endswith("RECORD"):
                data = archive.read(path)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                assert digest == f"sha256={expected.decode()}" and int(size) == len(data)
    assert {"demo/__init__.pyc", "demo/inner.pyc", "demo/template.py"} <= names
    assert "demo/static/style.css" in names
    assert not {"demo/__init__.py", "demo/inner.py"} & names
    assert not [n for n in names if "labextension" in n or ".data/" in n]
    printed = _install_and_import(
        slim, tmp_path / "site", "import demo, demo.inner; print(demo.VALUE, demo.inner.__file__)"
    )
    assert printed == f"42 {tmp_path / 'site' / 'demo' / 'inner.pyc'}"
    again = tmp_path / "again.whl"
    assert lite._slim_wheel(str(wheel), str(again), False, "/site/") == 2
    assert again.read_bytes() == slim.read_bytes()  # reproducible


def test_slim_wheel_keeping_source_imports_its_bytecode_unchecked(tmp_path):
    """concordlab keeps its sources (readable tracebacks) and imports its bytecode without
    reading them: a changed source on disk is not even looked at."""
    wheel = _demo_wheel(tmp_path / "in")
    slim = tmp_path / wheel.name
    lite._slim_wheel(str(wheel), str(slim), True, "/site/")
    with zipfile.ZipFile(slim) as archive:
        names = set(archive.namelist())
    tag = sys.implementation.cache_tag
    assert {"demo/inner.py", f"demo/__pycache__/inner.{tag}.pyc"} <= names
    site = tmp_path / "site"
    assert _install_and_import(slim, site, "import demo; print(demo.VALUE)") == "42"
    (site / "demo" / "inner.py").write_text("VALUE = 0\n")
    assert _install_and_import(slim, tmp_path / "site2", "import demo; print(demo.VALUE)") == "42"
    changed = subprocess.run(
        [sys.executable, "-c", "import demo; print(demo.VALUE)"],
        env={"PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert changed.stdout.strip() == "42"


def test_slim_wheels_without_node_keep_sources_and_drop_front_ends(tmp_path):
    wheel = _demo_wheel(tmp_path / "in")
    lines = []
    slim = lite.slim_wheels({"demo": wheel}, tmp_path / "core", tmp_path / "cache",
                            node=None, log=lines.append)  # fmt: skip
    assert "Node.js not found" in lines[0]
    with zipfile.ZipFile(slim["demo"]) as archive:
        names = set(archive.namelist())
    assert {"demo/__init__.py", "demo/inner.py", "demo/static/style.css"} <= names
    assert not [n for n in names if n.endswith(".pyc") or "labextension" in n]
    again = lite.slim_wheels({"demo": wheel}, tmp_path / "core", tmp_path / "cache",
                             node=None, log=None)  # fmt: skip
    assert again == slim  # from the cache


def test_the_ssl_stand_in_is_empty_and_replaces_openssl(tmp_path):
    stand_in = lite._ssl_stand_in(tmp_path)
    metadata, imports = lite._wheel_metadata(stand_in)
    assert (metadata["Name"], imports, lite._pyodide_requirements(metadata)) == ("ssl", [], [])
    openssl = write_wheel(tmp_path, "openssl", "1.1.1", {"libssl.so": b""})
    official = {"ssl": _official("ssl", openssl, ["openssl"]),
                "openssl": _official("openssl", openssl, [])}  # fmt: skip
    out = tmp_path / "out"
    compiled = {"ssl": openssl, "openssl": openssl}
    core = _core(tmp_path / "core")
    write_pyodide_distribution(out, core, {"packages": official}, compiled, [stand_in], ["ssl"])
    assert list(json.loads((out / "pyodide-lock.json").read_text())["packages"]) == ["ssl"]


def test_tour_imports_only_what_it_uses():
    """Each name the start-here tour imports is used by a cell, and the only packages it
    imports are concordlab and IPython (preloaded with the kernel); ``import concordlab``
    itself brings in neither plotly, scipy nor dask (they come with the first cell using
    them)."""
    import ast

    notebook = json.loads((REPO / "notebooks" / "00-start-here.ipynb").read_text())
    sources = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    trees = [ast.parse(source) for source in sources]
    imported, modules = {}, set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    module = node.module if isinstance(node, ast.ImportFrom) else alias.name
                    modules.add(module.split(".")[0])
                    imported[alias.asname or alias.name.split(".")[0]] = module
    used = {n.id for t in trees for n in ast.walk(t) if isinstance(n, ast.Name)}
    assert set(imported) - used == set(), "imported but never used"
    assert modules - set(sys.stdlib_module_names) == {"concordlab", "IPython"}
    code = "import sys, concordlab; print(sorted({'plotly', 'scipy', 'dask'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_site_leaves_out_what_the_class_does_not_use():
    """Tab completion without jedi (as in JupyterLite's own kernel), no OpenSSL, no front-end
    copies: each left out on purpose, with what it cost every start."""
    assert "jedi" not in lite._KERNEL_PACKAGES and "parso" not in lite._KERNEL_PACKAGES
    assert "ssl" in lite._PRELOAD  # the empty stand-in, so that the kernel does not fetch it


def test_notebooks_left_out_of_the_site_say_why():
    folder = REPO / "notebooks"
    kept = {p.name for p in lite.browser_notebooks(folder)}
    for path in sorted(folder.glob("[0-9]*.ipynb")):
        marks = json.loads(path.read_text())["metadata"].get("concordlab", {})
        if path.name not in kept:
            assert marks["browser"] is False and len(marks["why"]) > 20, path.name
    assert "00-start-here.ipynb" in kept
    assert "07-review-moments.ipynb" not in kept  # PyAV cuts its clips: not in Pyodide
