"""How long a student waits in the JupyterLite class site, against a local JupyterLab.

Builds the site (``concordlab lite``; downloads cached) unless ``--site`` names a built one,
serves it on 127.0.0.1 as ``python -m http.server`` does (no cache headers, no compression),
and opens ``00-start-here.ipynb`` in Debian's headless Chromium. Then runs the tour with
Run > Run All Cells and measures, from the moment the address is opened:

- to the first number printed (cell 4: ``span (s): (0.0, 600.0)``, the session loaded);
- to the session concordance index printed (cell 11: concordlab computing);
- the phases before the first number: the notebook shown, the kernel's worker starting
  Pyodide, the last wheel received (Pyodide started, every package fetched), the first cell
  done (the wheels unpacked and their libraries loaded, the kernel started, the cell run);
- the megabytes downloaded: for the site, the bytes the server sent (what crossed the wire);
  for JupyterLab, the response bodies the browser saw (its server is Jupyter's).

It does so for a first visit (a new browser profile) and a second one (the browser restarted
on the same profile, as a student opening the class again). The peer is JupyterLab on a local
Jupyter server (the same notebook and data, through ``tests/browser/_lab.py``), visited the
same two ways in the same run (its kernel shut down in between); each ratio is Lite /
JupyterLab for the same visit. Last, what each file of the site cost the first visit, by
Pyodide package.

Needs Chromium (``apt-get install chromium``) and the test extra.

Run: ``python benchmarks/bench_lite_site.py [--site class-site] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import http.server
import json
import math
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import Locator, Page, Playwright, Request, expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))
import _lab  # noqa: E402

from concordlab.lite import build_lite_site  # noqa: E402

TOUR = "00-start-here.ipynb"
FIRST_NUMBER = "span (s):"
PRINTED = "session concordance index:"
VIEWPORT = {"width": 1400, "height": 1100}


class _CountingFiles(http.server.SimpleHTTPRequestHandler):
    """``python -m http.server``'s handler, counting the body bytes it sends per path."""

    sent: collections.Counter[str]

    def copyfile(self, source, outputfile) -> None:
        path = self.path.split("?")[0]
        while chunk := source.read(64 * 1024):
            outputfile.write(chunk)
            self.sent[path] += len(chunk)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_counting(folder: Path) -> Iterator[tuple[str, collections.Counter[str]]]:
    """Serve ``folder`` on 127.0.0.1; yields the address and the per-path byte counter."""
    sent: collections.Counter[str] = collections.Counter()
    handler = type("Handler", (_CountingFiles,), {"sent": sent})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sent
    finally:
        server.shutdown()
        server.server_close()


def visit(page: Page, url: str) -> dict[str, float]:
    """Open the tour, run all its cells; seconds to the first number and to the index, and
    to the phases before them (``phase: ...`` keys; NaN where a phase was not seen)."""
    downloaded = [0]
    phases: dict[str, float] = {}

    def seen(phase: str) -> None:
        phases.setdefault(f"phase: {phase}", time.perf_counter() - start)

    def count(request: Request) -> None:
        downloaded[0] += _body(request)
        if request.url.split("?")[0].endswith(".whl"):  # asked for once Pyodide has started
            phases["phase: last wheel received"] = time.perf_counter() - start

    def requested(request: Request) -> None:
        if request.url.split("?")[0].endswith("pyodide.asm.wasm"):
            seen("kernel worker starts Pyodide")

    # on the context: the kernel's web worker loads Pyodide and the wheels, not the page
    page.context.on("requestfinished", count)
    page.context.on("request", requested)
    start = time.perf_counter()
    page.goto(url)
    _lab.notebook_panel(page).locator(".jp-Cell").first.wait_for(timeout=_lab.RENDER_TIMEOUT_MS)
    seen("notebook shown")
    _lab.notebook_ready(page)
    first_number, printed_index = (_output(page, text) for text in (FIRST_NUMBER, PRINTED))
    if first_number.count():  # outputs saved by an earlier visit
        page.locator(".lm-MenuBar-item", has_text="Edit").first.click()
        page.locator(".lm-Menu-item[data-command='editmenu:clear-all']").click()
        first_number.wait_for(state="detached")
    _lab.run_all_cells(page)
    first_prompt = _lab.notebook_panel(page).locator(".jp-CodeCell .jp-InputArea-prompt").first
    expect(first_prompt).to_have_text(re.compile(r"\[[0-9]+\]"), timeout=240_000)
    # from the last wheel to here: unpacking the wheels and loading their compiled libraries,
    # the kernel's start (IPython), then the cell (import concordlab, plots, example_session)
    seen("first cell done")
    first_number.wait_for(state="attached", timeout=240_000)
    first = time.perf_counter() - start
    printed_index.wait_for(state="attached", timeout=240_000)
    printed = time.perf_counter() - start
    page.context.remove_listener("requestfinished", count)
    page.context.remove_listener("request", requested)
    return {"first": first, "printed": printed, "browser_mb": downloaded[0] / 1e6, **phases}


def _output(page: Page, text: str) -> Locator:
    """The first cell output showing ``text`` (not the cell source that prints it)."""
    return page.locator(".jp-OutputArea-output", has_text=text).first


def _body(request: Request) -> int:
    try:
        return max(request.sizes()["responseBodySize"], 0)
    except Exception:  # a request that ended without a response has no sizes
        return 0


def _two_visits(
    playwright: Playwright, url: str, before_each=None, sent: collections.Counter | None = None
) -> list[tuple[dict[str, float], collections.Counter]]:
    """A first visit on a new profile, then a second after restarting the browser on it."""
    results = []
    with tempfile.TemporaryDirectory(
        prefix="bench-lite-profile-", ignore_cleanup_errors=True
    ) as profile:
        for _ in range(2):
            if before_each is not None:
                before_each()
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=_lab.chromium_path(),
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage"],
                viewport=VIEWPORT,
            )
            if sent is not None:
                sent.clear()
            page = context.pages[0] if context.pages else context.new_page()
            result = visit(page, url)
            time.sleep(1)  # let late requests (service worker, caches) finish
            files = collections.Counter(sent) if sent is not None else collections.Counter()
            result["mb"] = sum(files.values()) / 1e6 if sent is not None else result["browser_mb"]
            context.close()
            results.append((result, files))
    return results


def package_table(site: Path, files: collections.Counter[str]) -> list[tuple[str, float]]:
    """MB sent on a visit, by Pyodide package (its wheel or library) or part of the site."""
    lock = json.loads((site / "static" / "pyodide" / "pyodide-lock.json").read_text())
    by_file = {entry["file_name"]: name for name, entry in lock["packages"].items()}
    rows: collections.Counter[str] = collections.Counter()
    for path, size in files.items():
        name = path.rsplit("/", 1)[-1]
        if path.startswith("/static/pyodide/"):
            rows[by_file.get(name, f"Pyodide runtime ({name})")] += size
        elif path.startswith(("/build/", "/extensions/", "/lab/")):
            rows["JupyterLab front end (JavaScript, CSS)"] += size
        elif path.startswith(("/files/", "/api/")):
            rows["notebooks and data"] += size
        else:
            rows[f"other ({name})"] += size
    return [(name, size / 1e6) for name, size in rows.most_common()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build one)")
    parser.add_argument("--repeat", type=int, default=1, help="runs; medians are printed")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = collections.defaultdict(list)
    first_files: collections.Counter[str] = collections.Counter()
    with tempfile.TemporaryDirectory() as folder:
        site = args.site or build_lite_site(Path(folder) / "site", log=None).path
        root = Path(folder) / "root"
        shutil.copytree(REPO / "notebooks", root)
        shutil.copytree(REPO / "tests" / "data", root / "tests" / "data")
        lab = _lab.start_lab(root, Path(folder) / "state")

        def fresh_start() -> None:  # each visit: its own kernel, the tour as in the repository
            for session in lab.api("GET", "sessions"):
                lab.api("DELETE", f"sessions/{session['id']}")
            shutil.copy2(REPO / "notebooks" / TOUR, root / TOUR)  # not as autosaved

        try:
            with serve_counting(site) as (address, sent), sync_playwright() as playwright:
                lite_url = f"{address}/lab/index.html?path={TOUR}"
                for _ in range(args.repeat):
                    lite = _two_visits(playwright, lite_url, sent=sent)
                    peer = _two_visits(playwright, lab.url(TOUR), before_each=fresh_start)
                    for n, label in enumerate(("first visit", "second visit")):
                        runs[f"JupyterLite, {label}"].append(lite[n][0])
                        runs[f"JupyterLab, {label}"].append(peer[n][0])
                    first_files = lite[0][1]
        finally:
            lab.stop()
        table = package_table(site, first_files)
    keys = {name: sorted({key for r in rs for key in r}) for name, rs in runs.items()}
    med = {
        name: {key: statistics.median(r.get(key, math.nan) for r in rs) for key in keys[name]}
        for name, rs in runs.items()
    }
    print(f"medians of {args.repeat} run(s); ratio = JupyterLite / JupyterLab, same visit")
    print(
        f"{'':28} {'first number':>13} {'ratio':>6} {'index printed':>14} {'ratio':>6} "
        f"{'downloaded':>11} {'ratio':>6}"
    )
    for name, r in med.items():
        peer = med[name.replace("JupyterLite", "JupyterLab")]
        print(
            f"{name:28} {r['first']:>11.1f} s {r['first'] / peer['first']:>6.2f} "
            f"{r['printed']:>12.1f} s {r['printed'] / peer['printed']:>6.2f} "
            f"{r['mb']:>8.1f} MB {r['mb'] / max(peer['mb'], 1e-3):>6.2f}"
        )
    print("\nseconds from opening the address (JupyterLite; a phase not seen is left out):")
    for name, r in med.items():
        if name.startswith("JupyterLite"):
            steps = sorted(
                (value, key.removeprefix("phase: "))
                for key, value in r.items()
                if key.startswith("phase: ") and not math.isnan(value)
            )
            steps += [(r["first"], "first number"), (r["printed"], "index printed")]
            print(f"  {name}: " + "; ".join(f"{what} {value:.1f}" for value, what in steps))
    total = sum(size for _, size in table)
    print(f"\nJupyterLite first visit, MB sent by package (last run; {total:.1f} MB in all):")
    for name, size in table:
        print(f"  {name:52} {size:7.2f} MB {100 * size / total:5.1f} %")


if __name__ == "__main__":
    main()
