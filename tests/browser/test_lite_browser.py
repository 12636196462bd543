"""The JupyterLite class site, built for real and run in headless Chromium, offline.

The site is built with :func:`concordlab.lite.build_lite_site` (downloads are cached in
``~/.cache/concordlab/lite``), served from 127.0.0.1, and every request to another host is
aborted: the tour must run from the site alone, as in a classroom without the Pyodide CDN.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import _lab
import pytest
import xarray as xr
from playwright.sync_api import Browser, Locator, Page, expect

import concordlab
from concordlab.lite import LiteSite, browser_notebooks, build_lite_site

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TOUR = "00-start-here.ipynb"
# Loading Pyodide and its packages in a fresh browser takes 15-30 s on 2 slow cores.
KERNEL_TIMEOUT_MS = 240_000
CELL_TIMEOUT_MS = 180_000
CURRENT = "window.jupyterapp.shell.currentWidget"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> LiteSite:
    return build_lite_site(tmp_path_factory.mktemp("lite") / "site", log=None)


@pytest.fixture(scope="module")
def served(site: LiteSite) -> Iterator[str]:
    with _lab.serve_folder(site.path) as address:
        yield address


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A tab of a fresh browser profile that may only talk to 127.0.0.1; the list collects
    what it tried elsewhere."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    blocked: list[str] = []

    def only_local(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname == "127.0.0.1":
            return route.continue_()
        blocked.append(url)
        return route.abort()

    context.route("**/*", only_local)
    try:
        yield context.new_page(), blocked
    finally:
        context.close()


def _run_notebook(page: Page, url: str) -> dict[int, dict]:
    """Open a notebook of the site, wait for Pyodide, run its code cells one by one."""
    page.goto(url)
    page.wait_for_function(
        f"() => window.jupyterapp && {CURRENT} && {CURRENT}.content "
        f"&& {CURRENT}.content.model && {CURRENT}.content.model.cells.length > 0",
        timeout=KERNEL_TIMEOUT_MS,
    )
    page.wait_for_function(
        f"() => {CURRENT}.sessionContext.session?.kernel?.status === 'idle'",
        timeout=KERNEL_TIMEOUT_MS,
        polling=500,
    )
    count = page.evaluate(f"() => {CURRENT}.content.model.cells.length")
    kinds = page.evaluate(
        f"() => [...Array({count}).keys()].map(i => {CURRENT}.content.model.cells.get(i).type)"
    )
    return {i: _run_cell(page, i) for i, kind in enumerate(kinds) if kind == "code"}


def _run_cell(page: Page, index: int) -> dict:
    """Run one cell of the open notebook; return its execution count, source and outputs."""
    page.evaluate(
        f"""async () => {{ const notebook = {CURRENT}.content;
            notebook.activeCellIndex = {index};
            await window.jupyterapp.commands.execute('notebook:run-cell'); }}"""
    )
    page.wait_for_function(
        f"""() => {{ const panel = {CURRENT};
            return panel.content.model.cells.get({index}).executionCount
                && panel.sessionContext.session.kernel.status === 'idle'; }}""",
        timeout=CELL_TIMEOUT_MS,
        polling=250,
    )
    return page.evaluate(
        f"""() => {{ const cell = {CURRENT}.content.model.cells.get({index});
            return {{source: cell.sharedModel.getSource(),
                     outputs: [...Array(cell.outputs.length).keys()].map(
                         j => cell.outputs.get(j).toJSON())}}; }}"""
    )


def _cell_node(page: Page, index: int) -> Locator:
    """The DOM node of a notebook cell, scrolled into view (the notebook renders lazily)."""
    page.evaluate(
        f"""async () => {{ const notebook = {CURRENT}.content;
            await notebook.scrollToItem({index}, 'start');
            notebook.widgets[{index}].node.id = 'lite-cell-{index}'; }}"""
    )
    return page.locator(f"#lite-cell-{index}")


def _file(page: Page, name: str) -> tuple[str, str]:
    """Format and content of a file in the site's browser storage (JupyterLite contents)."""
    return tuple(
        page.evaluate(
            f"""async () => {{ const file = await window.jupyterapp.serviceManager.contents.get(
                   '{name}', {{content: true}});
                   return [file.format, file.content]; }}"""
        )
    )


def _file_names(page: Page) -> list[str]:
    """Names in the top folder of the site's browser storage."""
    return page.evaluate(
        """async () => (await window.jupyterapp.serviceManager.contents.get(
               '', {content: true})).content.map((item) => item.name)"""
    )


def _text(outputs: list[dict]) -> str:
    parts = []
    for output in outputs:
        if output["output_type"] == "stream":
            parts.append("".join(output["text"]))
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
    return "".join(parts)


def _errors(outputs: list[dict]) -> list[str]:
    return [
        re.sub(r"\x1b\[[0-9;]*m", "", f"{o['ename']}: {o['evalue']}")
        for o in outputs
        if o["output_type"] == "error"
    ]


def test_site_holds_the_class(site: LiteSite) -> None:
    notebooks = {p.name for p in (site.path / "files").glob("*.ipynb")}
    assert notebooks == {p.name for p in browser_notebooks(REPO / "notebooks")}
    assert (site.path / "files" / "tests" / "data" / "rmea-psychotherapy").is_dir()
    assert (site.path / "static" / "pyodide" / "pyodide-lock.json").is_file()


def test_site_preloads_its_packages_as_bytecode(site: LiteSite) -> None:
    """The built site asks the kernel to load everything at start, from wheels compiled to
    Pyodide's bytecode (concordlab with its sources), without front-end copies or OpenSSL."""
    pyodide = site.path / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())["packages"]
    config = json.loads((site.path / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    preload = kernel["loadPyodideOptions"]["packages"]
    assert {"concordlab", "piplite", "pyodide_kernel", "ipython"} <= set(preload)
    assert {re.sub(r"[-_.]+", "-", name).lower() for name in preload} <= set(lock)
    assert "openssl" not in lock and lock["ssl"]["imports"] == []

    def names(package: str) -> list[str]:
        with zipfile.ZipFile(pyodide / lock[package]["file_name"]) as wheel:
            return wheel.namelist()

    assert not [n for n in names("plotly") if "labextension" in n or ".data/" in n]
    if shutil.which("node"):  # the build compiles with Pyodide under Node.js
        assert "numpy/__init__.pyc" in names("numpy") and "numpy/__init__.py" not in names("numpy")
        concordlab_files = names("concordlab")
        assert "concordlab/__init__.py" in concordlab_files
        assert "concordlab/__pycache__/__init__.cpython-312.pyc" in concordlab_files


def test_tour_runs_in_the_browser_offline(
    site: LiteSite, served: str, offline_page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    """The tour's cells all run in Pyodide: the same numbers as here, widgets drawn, real
    data found, segments kept, and a session saved there loads here."""
    page, blocked = offline_page
    cells = _run_notebook(page, site.url(served, TOUR))

    failed = {i: _errors(c["outputs"]) for i, c in cells.items() if _errors(c["outputs"])}
    assert not failed

    session = concordlab.example_session()
    printed = "".join(_text(c["outputs"]) for c in cells.values())
    assert f"channels: {concordlab.channels(session)}" in printed
    index = float(
        concordlab.concordance_index(
            concordlab.concordance(session, method="slope", window=15, step=1)
        )
    )
    browser_index = float(re.search(r"session concordance index: (\S+)", printed)[1])
    assert browser_index == pytest.approx(index, rel=1e-9)
    real_data = next(c for c in cells.values() if "rmea_psychotherapy(" in c["source"])
    assert not _text(real_data["outputs"]), "the rMEA data were not found in the site"
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in real_data["outputs"])

    explorer_cell = next(i for i, c in cells.items() if "concordlab.explore(" in c["source"])
    explorer = _cell_node(page, explorer_cell)
    expect(explorer.locator(".js-plotly-plot").first).to_be_visible()
    expect(explorer.locator(".jupyter-widgets").first).to_be_visible()
    assert not explorer.locator(".jupyter-widgets", has_text=re.compile("Error")).count()
    (sidecar_name,) = [
        name for name in _file_names(page) if re.fullmatch(r"example-dyad-\w+\.segments\.tsv", name)
    ]
    stored = _file(page, sidecar_name)
    sidecar = base64.b64decode(stored[1]).decode() if stored[0] == "base64" else stored[1]
    assert "shared laughter" in sidecar  # the segment the tour adds, kept in the browser

    # A session saved in the browser (netCDF3: no h5py there) loads here. Its numbers were
    # simulated by Pyodide's numpy and scipy, so they agree to rounding, the rest exactly.
    reply = page.evaluate(
        f"""async () => (await {CURRENT}.sessionContext.session.kernel.requestExecute({{code:
               "concordlab.save(concordlab.add_segment(session, 60, 90, 'rupture?', "
               + "person='both', note='check video'), 'from-browser.nc')"}}).done).content"""
    )
    assert reply["status"] == "ok", f"{reply.get('ename')}: {reply.get('evalue')}"
    if shutil.which("node"):  # the site was compiled to bytecode: modules load without source
        loaders = page.evaluate(
            f"""async () => {{ const kernel = {CURRENT}.sessionContext.session.kernel;
                const future = kernel.requestExecute({{code: "import pandas, plotly, concordlab; "
                    + "print([type(m.__spec__.loader).__name__ "
                    + "for m in (pandas, plotly, concordlab)], concordlab.__cached__)"}});
                let text = ''; future.onIOPub = (m) => {{
                    if (m.header.msg_type === 'stream') text += m.content.text; }};
                await future.done; return text; }}"""
        )
        assert "['SourcelessFileLoader', 'SourcelessFileLoader', 'SourceFileLoader']" in loaders
        assert "concordlab/__pycache__/__init__.cpython-312.pyc" in loaders
    saved = tmp_path / "from-browser.nc"
    saved.write_bytes(base64.b64decode(_file(page, "from-browser.nc")[1]))
    assert saved.read_bytes()[:3] == b"CDF"
    marked = concordlab.add_segment(session, 60, 90, "rupture?", person="both", note="check video")
    loaded = concordlab.load(saved)
    xr.testing.assert_allclose(loaded, marked, rtol=1e-9, atol=0)
    assert concordlab.segments(loaded).equals(concordlab.segments(marked))
    assert [n.attrs for n in loaded.subtree] == [n.attrs for n in marked.subtree]
    assert blocked == []


@pytest.mark.parametrize(
    "notebook", [p.name for p in browser_notebooks(REPO / "notebooks") if p.name != TOUR]
)
def test_class_notebook_runs_in_the_browser_offline(
    notebook: str, site: LiteSite, served: str, offline_page: tuple[Page, list[str]]
) -> None:
    """Every other class notebook runs top to bottom in Pyodide, from the site alone."""
    page, blocked = offline_page
    cells = _run_notebook(page, site.url(served, notebook))
    failed = {i: _errors(c["outputs"]) for i, c in cells.items() if _errors(c["outputs"])}
    assert not failed
    assert len(cells) > 5
    assert blocked == []
