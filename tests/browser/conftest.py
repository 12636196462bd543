"""Fixtures of the real-browser tests: a JupyterLab server and Debian's headless Chromium.

The start-up code lives in ``_lab.py`` (next to this file), shared with
``benchmarks/bench_explorer_browser.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
import _lab

VIEWPORT = {"width": 1400, "height": 1100}
# Kernel round trips on a busy 2-core CI machine: far more than Playwright's 5 s default.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_lab.Lab]:
    """A JupyterLab server on a fresh root folder, with settings of its own."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    root.mkdir()
    server = _lab.start_lab(root, base / "state")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's ``chromium``) driven by Playwright."""
    try:
        _lab.chromium_path()
    except _lab.ChromiumMissingError as error:
        pytest.fail(str(error), pytrace=False)
    with sync_playwright() as playwright:
        chromium = _lab.launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One browser tab for a whole test module (its tests run in order on it)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(_lab.RENDER_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
