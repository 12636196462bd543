"""The start-here tour in a real browser: every cell runs and its widgets render.

``notebooks/00-start-here.ipynb`` is copied to a fresh JupyterLab root, opened in headless
Chromium and run with Run > Run All Cells, as a student on Binder does.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import _lab
import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.slow

TOUR = Path(__file__).resolve().parents[2] / "notebooks" / "00-start-here.ipynb"


@pytest.fixture(scope="module")
def tour(page: Page, lab: _lab.Lab) -> Locator:
    """The tour's notebook panel, once its last cell has run."""
    name = "tour-" + TOUR.name
    shutil.copy(TOUR, lab.root / name)
    _lab.open_notebook(page, lab, name)
    _lab.run_all_cells(page)
    panel = _lab.notebook_panel(page)
    last = panel.locator(".jp-CodeCell .jp-InputArea-prompt").last
    expect(last).to_have_text(re.compile(r"\[\d+\]"), timeout=_lab.KERNEL_TIMEOUT_MS)
    return panel


def test_every_cell_runs_without_an_error(tour):
    errors = tour.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    texts = [text for text in errors.all_inner_texts() if "Traceback" in text or "Error" in text]
    assert not texts, texts
    assert tour.locator(".jp-OutputArea-output", has_text="Traceback").count() == 0
    assert tour.locator(".jp-OutputArea-output", has_text="Error displaying widget").count() == 0


def test_static_plots_render(tour):
    # plot_session, plot_concordance and plot_wlcc at least: plotly figures with data.
    plots = tour.locator(".js-plotly-plot")
    expect(plots.nth(3)).to_be_attached()
    assert tour.locator(".js-plotly-plot .scatterlayer .trace").count() >= 4


def test_explorer_widgets_render_with_the_segment_added_from_code(page, tour):
    output = tour.locator(".jp-OutputArea-output").filter(has=page.locator(".concordlab-overview"))
    expect(output).to_have_count(1)
    strip = output.locator(".concordlab-overview-line-1")
    expect(strip).to_have_attribute("d", re.compile(r"^M.*L"))
    plot = _lab.main_plot(output)
    expect(plot.locator(".gtitle")).to_contain_text("session index")
    # The tour sets 20 s windows and the view 60-180 s, and adds "shared laughter".
    expect(plot.locator(".gtitle")).to_contain_text("20 s windows")
    expect(output.locator(".concordlab-overview-readout")).to_contain_text("01:00")
    expect(plot.locator(".shape-label-text", has_text="shared laughter")).to_have_count(1)
    expect(output.locator("select option", has_text="shared laughter")).to_have_count(1)
