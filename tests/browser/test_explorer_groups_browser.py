"""The explorer of a group session in a real browser: JupyterLab driven by headless Chromium.

A notebook exploring a simulated family of four is run in JupyterLab: the plot shows one
line and one legend entry per person, the pair picker lists the six pairs, and the pair x
time heatmap is drawn with one row per pair; choosing another pair in the picker changes
the concordance line (the index in the title) to that pair's.
"""

from __future__ import annotations

import re

import _lab
import pytest
from playwright.sync_api import Locator, Page, expect

import concordlab

pytestmark = pytest.mark.slow

NOTEBOOK = "family.ipynb"
PERSONS = ("mother", "father", "son", "daughter")
FAMILY = f"concordlab.simulate_group(4, duration=300, persons={PERSONS!r}, seed=4)"
SOURCE = f"import concordlab\nexplorer = concordlab.explore({FAMILY}, sidecar=False)\nexplorer"
INDEX = re.compile(r"session index (-?\d+\.\d+)")


def python_index(pair: str) -> str:
    """The index the explorer shows for ``pair``, computed in this process."""
    family = concordlab.simulate_group(4, duration=300, persons=PERSONS, seed=4)
    explorer = concordlab.explore(family, sidecar=False, pair=pair)
    return f"{explorer.index:.3f}"


@pytest.fixture(scope="module")
def explorer(page: Page, lab: _lab.Lab) -> Locator:
    """The explorer's output element, drawn by running the notebook in JupyterLab."""
    return _lab.run_explorer_notebook(page, lab, NOTEBOOK, SOURCE)


def picker(page: Page, explorer: Locator) -> Locator:
    label = page.locator("label.widget-label", has_text=re.compile("^pair$"))
    return explorer.locator(".widget-dropdown").filter(has=label).locator("select")


def test_every_person_has_a_line_and_a_legend_entry(explorer):
    plot = _lab.main_plot(explorer)
    expect(plot.locator(".legend")).to_contain_text("daughter")
    # Plotly's own record of what it drew: a line and a legend entry per person.
    drawn = plot.evaluate(
        """gd => gd._fullData
            .filter(t => t.type === 'scatter' && t.mode === 'lines' && t.showlegend)
            .map(t => [t.name, t._length > 0])"""
    )
    assert [name for name, _ in drawn if name in PERSONS] == list(PERSONS), drawn
    assert all(filled for name, filled in drawn if name in PERSONS), drawn


def test_the_picker_lists_the_pairs_and_the_heatmap_has_a_row_per_pair(page, explorer):
    select = picker(page, explorer)
    expect(select.locator("option")).to_have_count(6)
    expect(select).to_have_value("mother ~ father")
    plot = _lab.main_plot(explorer)
    expect(plot.locator(".heatmaplayer image")).to_have_count(1)
    rows = plot.evaluate(
        """gd => gd.calcdata.find(trace => trace[0].trace.type === 'heatmap')[0].z.length"""
    )
    assert rows == 6
    title = plot.evaluate("gd => ((gd.layout.yaxis4 || {}).title || {}).text")
    assert title == "pair", title


def test_choosing_a_pair_shows_its_concordance(page, explorer):
    plot = _lab.main_plot(explorer)
    before = plot.locator(".gtitle").text_content() or ""
    assert INDEX.search(before).group(1) == python_index("mother~father"), before
    picker(page, explorer).select_option("son ~ daughter")
    expected = python_index("son~daughter")
    expect(plot.locator(".gtitle")).to_contain_text(f"session index {expected}")
