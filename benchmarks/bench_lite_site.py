"""How long a student waits in the JupyterLite class site, against a local JupyterLab.

Builds the site (``concordlab lite``; downloads cached) unless ``--site`` names a built one,
serves it on 127.0.0.1 and opens ``00-start-here.ipynb`` in Debian's headless Chromium.
Then runs the tour with Run > Run All Cells and measures, from the moment the address is opened:

- to the kernel being idle (Pyodide loaded);
- to the session index printed (cell 11: concordlab imported and computing);
- the megabytes the browser downloaded.

It does so for a first visit (empty browser cache) and a second one (same profile,
reloaded). The peer is JupyterLab on a local Jupyter server (the same notebook and data,
through ``tests/browser/_lab.py``), measured in the same run; ratios are Lite / JupyterLab.

Needs Chromium (``apt-get install chromium``) and the test extra.

Run: ``python benchmarks/bench_lite_site.py [--site class-site]``
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, Request, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import _lab  # noqa: E402

from concordlab.lite import build_lite_site  # noqa: E402

TOUR = "00-start-here.ipynb"
PRINTED = "session concordance index:"


def visit(page: Page, url: str) -> dict[str, float]:
    """Open the tour, run all its cells; seconds to idle kernel and to the printed index."""
    downloaded = [0]

    def count(request: Request) -> None:
        downloaded[0] += _body(request)

    # on the context: the kernel's web worker loads Pyodide and the wheels, not the page
    page.context.on("requestfinished", count)
    start = time.perf_counter()
    page.goto(url)
    _lab.notebook_ready(page)
    idle = time.perf_counter() - start
    _lab.run_all_cells(page)
    page.get_by_text(PRINTED).first.wait_for(state="attached", timeout=_lab.KERNEL_TIMEOUT_MS)
    printed = time.perf_counter() - start
    page.context.remove_listener("requestfinished", count)
    return {"idle": idle, "printed": printed, "mb": downloaded[0] / 1e6}


def _body(request: Request) -> int:
    try:
        return request.sizes()["responseBodySize"]
    except Exception:  # a request that ended without a response has no sizes
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = args.site or build_lite_site(Path(folder) / "site", log=None).path
        root = Path(folder) / "root"
        shutil.copytree(REPO / "notebooks", root)
        shutil.copytree(REPO / "tests" / "data", root / "tests" / "data")
        lab = _lab.start_lab(root, Path(folder) / "state")
        results = {}
        try:
            with _lab.serve_folder(site) as address, sync_playwright() as playwright:
                lite_url = f"{address}/lab/index.html?path={TOUR}"
                browser = _lab.launch_chromium(playwright)
                # No request routing here: Playwright turns the HTTP cache off when routing,
                # and the second visit is about the cache. The browser test proves the site
                # works offline.
                context = browser.new_context(viewport={"width": 1400, "height": 1100})
                page = context.new_page()
                results["JupyterLite, first visit"] = visit(page, lite_url)
                page.close()
                page = context.new_page()
                results["JupyterLite, second visit"] = visit(page, lite_url)
                page.close()
                page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
                results["JupyterLab, local server (peer)"] = visit(page, lab.url(TOUR))
                browser.close()
        finally:
            lab.stop()
    peer = results["JupyterLab, local server (peer)"]
    print(f"{'':34} {'kernel idle':>12} {'index printed':>14} {'ratio':>6} {'downloaded':>11}")
    for name, r in results.items():
        ratio = r["printed"] / peer["printed"]
        print(
            f"{name:34} {r['idle']:>10.1f} s {r['printed']:>12.1f} s {ratio:>6.2f} "
            f"{r['mb']:>8.1f} MB"
        )


if __name__ == "__main__":
    main()
